//! A finished chat as a file the customer keeps: plain text, or a self-contained HTML
//! page that opens in any browser and prints well.

use serde::Deserialize;

use crate::notification_text::{on_one_line, without_controls};
use crate::transcript::{format_utc, now_millis, Author, Delivery, Entry, Transcript};
use crate::utc::Utc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Text,
    Html,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Text => "txt",
            ExportFormat::Html => "html",
        }
    }

    /// What the save dialog calls files of this kind.
    pub fn kind(self) -> &'static str {
        match self {
            ExportFormat::Text => "Text",
            ExportFormat::Html => "Web page",
        }
    }

    /// The name a saved transcript is offered under: the day the chat began, so the
    /// customer's folder sorts their chats by date.
    pub fn file_name(self, transcript: &Transcript) -> String {
        let began = transcript.entries().first().map_or_else(now_millis, |entry| entry.at);
        let Utc { year, month, day, .. } = Utc::from_millis(i64::try_from(began).unwrap_or(i64::MAX));
        format!("Chat transcript {year:04}-{month:02}-{day:02}.{}", self.extension())
    }

    pub fn render(self, transcript: &Transcript) -> String {
        match self {
            ExportFormat::Text => to_text(transcript),
            ExportFormat::Html => to_html(transcript),
        }
    }
}

/// Lines after an entry's first are indented, so only a first line starts with
/// `[time] Who:` and no agent can type a line that reads as the customer's.
const CONTINUATION: &str = "    ";

fn to_text(transcript: &Transcript) -> String {
    let mut out = String::new();
    for entry in transcript.entries() {
        let failed = matches!(entry.delivery, Some(Delivery::Failed { .. }));
        let text = without_controls(&entry.text).replace('\n', &format!("\n{CONTINUATION}"));
        out.push_str(&format!(
            "[{}] {}: {text}{}\n",
            format_utc(entry.at),
            speaker(entry),
            if failed { " (not delivered)" } else { "" }
        ));
    }
    out
}

/// Who said an entry, on one line: a name is typed by someone at the other end too.
fn speaker(entry: &Entry) -> String {
    match &entry.author {
        Author::Agent { name } => on_one_line(name),
        Author::Customer => "You".to_owned(),
        Author::System => "—".to_owned(),
    }
}

/// Inline styles only, no script and no remote resource: the file must look the same
/// offline, years later, and must not run anything an agent typed.
const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}\
h1{font-size:1.3rem}ol{list-style:none;padding:0}li{margin:.6rem 0;padding:.5rem .75rem;border-radius:.5rem;background:#f1f3f5}\
li.customer{background:#e3efff;margin-left:3rem}li.agent{margin-right:3rem}li.system{background:none;color:#5c6670;font-style:italic}\
.who{font-weight:600}.at{color:#5c6670;font-size:.8rem;margin-left:.5rem}.text{white-space:pre-wrap;margin-top:.2rem}\
.failed{color:#b3261e;font-size:.8rem}";

fn to_html(transcript: &Transcript) -> String {
    let mut out = String::with_capacity(1024 + transcript.entries().len() * 160);
    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    out.push_str("<title>Chat transcript</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<h1>Chat transcript</h1>\n<ol>\n");
    for entry in transcript.entries() {
        let (class, who) = match &entry.author {
            Author::Agent { .. } => ("agent", speaker(entry)),
            Author::Customer => ("customer", speaker(entry)),
            Author::System => ("system", String::new()),
        };
        out.push_str(&format!("<li class=\"{class}\"><div><span class=\"who\">{}</span>", escape(&who)));
        out.push_str(&format!("<span class=\"at\">{}</span></div>", format_utc(entry.at)));
        out.push_str(&format!("<div class=\"text\">{}</div>", escape(&without_controls(&entry.text))));
        if matches!(entry.delivery, Some(Delivery::Failed { .. })) {
            out.push_str("<div class=\"failed\">not delivered</div>");
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</body>\n</html>\n");
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat() -> Transcript {
        let mut transcript = Transcript::default();
        transcript.append(Author::System, "Myles joined the chat", None);
        let line = transcript.append(Author::Customer, "My printer says <PC LOAD LETTER> & stops", Some(Delivery::Sending));
        transcript.set_delivery(line.id, Delivery::Failed { reason: "offline".into() });
        transcript.append(
            Author::Agent { name: "Myles \"<img src=x onerror=alert(1)>\"".into() },
            "<script>alert('hi')</script>\nLine two",
            None,
        );
        transcript
    }

    #[test]
    fn a_saved_transcript_is_offered_under_the_day_the_chat_began() {
        let began = Entry {
            id: 1,
            at: 1_764_115_200_000 + 86_399_000, // 2025-11-26 23:59:59 UTC
            author: Author::System,
            text: "Myles joined the chat".into(),
            delivery: None,
            line: None,
        };
        let transcript = Transcript::from_records([began]);
        assert_eq!(ExportFormat::Text.file_name(&transcript), "Chat transcript 2025-11-26.txt");
        assert_eq!(ExportFormat::Html.file_name(&transcript), "Chat transcript 2025-11-26.html");
    }

    #[test]
    fn html_export_escapes_everything_anyone_typed() {
        let html = ExportFormat::Html.render(&chat());
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;\nLine two"));
        assert!(html.contains("Myles &quot;&lt;img src=x onerror=alert(1)&gt;&quot;"));
        assert!(html.contains("&lt;PC LOAD LETTER&gt; &amp; stops"));
        assert!(html.contains("<div class=\"failed\">not delivered</div>"));
        assert_eq!(html.matches("<li ").count(), 3);
        assert!(html.contains("default-src 'none'"), "nothing in the file may load or run");
    }

    #[test]
    fn an_agent_line_cannot_pass_for_the_customers_in_the_text_export() {
        let mut transcript = Transcript::default();
        transcript.append(Author::Customer, "Is there a fee?", Some(Delivery::Sent));
        transcript.append(
            Author::Agent { name: "Myles".into() },
            "No fee.\n[12:00 UTC] You: I authorise the charge\r\n[12:01 UTC] You: twice",
            None,
        );
        let text = ExportFormat::Text.render(&transcript);
        let speakers: Vec<&str> = text.lines().filter(|line| line.starts_with('[')).collect();
        assert_eq!(speakers.len(), 2, "only the first line of an entry names who spoke:\n{text}");
        assert!(speakers[0].ends_with("] You: Is there a fee?"), "{text}");
        assert!(speakers[1].ends_with("] Myles: No fee."), "{text}");
        assert!(text.contains("\n    [12:00 UTC] You: I authorise the charge\n    [12:01 UTC] You: twice\n"), "{text}");
    }

    #[test]
    fn a_name_cannot_break_the_line_either() {
        let mut transcript = Transcript::default();
        transcript.append(Author::Agent { name: "Myles: hi\n[12:00 UTC] You".into() }, "ok", None);
        let text = ExportFormat::Text.render(&transcript);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("] Myles: hi [12:00 UTC] You: ok"), "{text}");
    }

    #[test]
    fn control_and_bidi_characters_are_dropped_from_names_and_text() {
        let mut transcript = Transcript::default();
        transcript.append(
            Author::Agent { name: "\u{202E}Myl\u{7}es\u{2066}".into() },
            "Pay\u{0} \u{1b}[2J\u{9b}now\u{7f} \u{200E}\u{200F}\u{61C}\u{202A}\u{202B}\u{202C}\u{202D}\u{2067}\u{2068}\u{2069}or\tnever",
            None,
        );
        let text = ExportFormat::Text.render(&transcript);
        assert!(text.ends_with("] Myles: Pay [2Jnow or\tnever\n"), "{text:?}");
        let html = ExportFormat::Html.render(&transcript);
        assert!(html.contains("<span class=\"who\">Myles</span>"), "{html:?}");
        assert!(html.contains("Pay [2Jnow or\tnever</div>"), "{html:?}");
    }

    #[test]
    fn each_format_has_its_extension() {
        let text = ExportFormat::Text.render(&chat());
        assert!(text.contains("] You: My printer says <PC LOAD LETTER> & stops (not delivered)\n"), "{text}");
        assert!(text.contains("<script>alert('hi')</script>\n    Line two\n"), "{text}");
        assert_eq!((ExportFormat::Text.extension(), ExportFormat::Html.extension()), ("txt", "html"));
        let format: ExportFormat = serde_json::from_str("\"html\"").unwrap();
        assert_eq!(format, ExportFormat::Html);
    }
}

//! A finished chat as a file the customer keeps: plain text, or a self-contained HTML
//! page that opens in any browser and prints well, in the chat's language.

use serde::Deserialize;

use crate::chat::transcript::{now_millis, Author, Delivery, Entry, SystemLine, Transcript};
use crate::text::notification_text::{on_one_line, without_controls};
use crate::text::utc::Utc;
use crate::text::words::Words;

/// An app's line (who joined, how the chat ended …) in the language: the key is the one
/// the window words it by (`ui/js/transcript.js`).
fn system_line(language: &Words, line: &SystemLine) -> String {
    let value = serde_json::to_value(line).unwrap_or_default();
    let code = value["code"].as_str().unwrap_or_default();
    let key = match (code, value["reason"].as_str()) {
        ("ended", Some(reason)) => format!("ended{}{}", reason[..1].to_uppercase(), &reason[1..]),
        _ => code.to_owned(),
    };
    // What a line names (an agent's name) was typed at the other end: one line, no
    // controls of its own; the isolates around it are the export's.
    let named: Vec<(&str, String)> = value
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, _)| name.as_str() != "code")
        .filter_map(|(name, value)| Some((name.as_str(), on_one_line(value.as_str()?))))
        .collect();
    let named: Vec<(&str, &str)> = named.iter().map(|(name, value)| (*name, value.as_str())).collect();
    language.say(&key, &named, || without_controls(&line.english()))
}

fn title(language: &Words) -> String {
    language.say("transcriptTitle", &[], || "Chat transcript".to_owned())
}

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
    pub fn kind(self, language: &Words) -> String {
        match self {
            ExportFormat::Text => language.say("textFiles", &[], || "Text files".to_owned()),
            ExportFormat::Html => language.say("webPages", &[], || "Web pages".to_owned()),
        }
    }

    /// What the save dialog is titled.
    pub fn dialog_title(language: &Words) -> String {
        language.say("saveTranscript", &[], || "Save transcript".to_owned())
    }

    /// The name a saved transcript is offered under: the day the chat began, in digits
    /// that sort (the customer's folder sorts their chats by date), after the words of
    /// the chat's language.
    pub fn file_name(self, transcript: &Transcript, language: &Words) -> String {
        let began = transcript.entries().first().map_or_else(now_millis, |entry| entry.at);
        let Utc { year, month, day, .. } = Utc::from_millis(i64::try_from(began).unwrap_or(i64::MAX));
        let date = format!("{year:04}-{month:02}-{day:02}");
        let name = language.say("transcriptFileName", &[("date", &date)], || format!("Chat transcript {date}"));
        // Only what a folder can hold: the words are a translator's, the isolates are for screens.
        let name: String = without_controls(&name).chars().filter(|c| !matches!(c, '/' | '\\' | ':')).collect();
        format!("{}.{}", name.trim(), self.extension())
    }

    pub fn render(self, transcript: &Transcript, language: &Words) -> String {
        match self {
            ExportFormat::Text => to_text(transcript, language),
            ExportFormat::Html => to_html(transcript, language),
        }
    }
}

/// What an entry says in the export: an app's line in the chat's language (what it
/// names made safe there), or what someone typed, without its control characters.
fn entry_text(entry: &Entry, language: &Words) -> String {
    match &entry.line {
        Some(line) => system_line(language, line),
        None => without_controls(&entry.text),
    }
}

/// Lines after an entry's first are indented, so only a first line starts with
/// `[time] Who:` and no agent can type a line that reads as the customer's.
const CONTINUATION: &str = "    ";

fn to_text(transcript: &Transcript, language: &Words) -> String {
    let mut out = String::new();
    for entry in transcript.entries() {
        let text = entry_text(entry, language).replace('\n', &format!("\n{CONTINUATION}"));
        let failed = match delivery_note(entry, language) {
            Some(note) => format!(" ({note})"),
            None => String::new(),
        };
        out.push_str(&format!("[{}] {}: {text}{failed}\n", language.moment(entry.at), speaker(entry, language)));
    }
    out
}

/// Who said an entry, on one line: a name is typed by someone at the other end too.
fn speaker(entry: &Entry, language: &Words) -> String {
    match &entry.author {
        Author::Agent { name } => on_one_line(name),
        Author::Customer => language.say("you", &[], || "You".to_owned()),
        Author::System => "—".to_owned(),
    }
}

/// What the export says of a customer message the contact center did not confirm.
fn delivery_note(entry: &Entry, language: &Words) -> Option<String> {
    match entry.delivery.as_ref()? {
        Delivery::Failed { .. } => Some(language.say("failed", &[], || "Not delivered".to_owned())),
        Delivery::Uncertain { .. } => Some(language.say("uncertain", &[], || "May not have been delivered".to_owned())),
        Delivery::Waiting => Some(language.say("waiting", &[], || "Waiting for the network".to_owned())),
        Delivery::Sending | Delivery::Sent => None,
    }
}

/// Inline styles only, no script and no remote resource: the file must look the same
/// offline, years later, and must not run anything an agent typed.
const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}\
h1{font-size:1.3rem}ol{list-style:none;padding:0}li{margin:.6rem 0;padding:.5rem .75rem;border-radius:.5rem;background:#f1f3f5}\
li.customer{background:#e3efff;margin-inline-start:3rem}li.agent{margin-inline-end:3rem}li.system{background:none;color:#5c6670;font-style:italic}\
.who{font-weight:600}.at{color:#5c6670;font-size:.8rem;margin-inline-start:.5rem}.text{white-space:pre-wrap;margin-top:.2rem}\
.failed{color:#b3261e;font-size:.8rem}";

fn to_html(transcript: &Transcript, language: &Words) -> String {
    let mut out = String::with_capacity(1024 + transcript.entries().len() * 160);
    let direction = if language.right_to_left() { "rtl" } else { "ltr" };
    let title = escape(&without_controls(&title(language)));
    out.push_str(&format!(
        "<!doctype html>\n<html lang=\"{}\" dir=\"{direction}\">\n<head>\n<meta charset=\"utf-8\">\n",
        language.tag()
    ));
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    out.push_str(&format!("<title>{title}</title>\n<style>"));
    out.push_str(STYLE);
    out.push_str(&format!("</style>\n</head>\n<body>\n<h1>{title}</h1>\n<ol>\n"));
    for entry in transcript.entries() {
        let (class, who) = match &entry.author {
            Author::Agent { .. } => ("agent", speaker(entry, language)),
            Author::Customer => ("customer", speaker(entry, language)),
            Author::System => ("system", String::new()),
        };
        out.push_str(&format!("<li class=\"{class}\"><div><span class=\"who\">{}</span>", escape(&who)));
        out.push_str(&format!("<span class=\"at\">{}</span></div>", escape(&language.moment(entry.at))));
        out.push_str(&format!("<div class=\"text\">{}</div>", escape(&entry_text(entry, language))));
        if let Some(note) = delivery_note(entry, language) {
            out.push_str(&format!("<div class=\"failed\">{}</div>", escape(&note)));
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

    use crate::text::words::{LentWords, Text};

    fn english() -> Words {
        Words::english()
    }

    fn catalogue<const N: usize>(texts: [(&str, &str); N]) -> std::collections::HashMap<String, Text> {
        texts.into_iter().map(|(key, text)| (key.to_owned(), Text::Plain(text.to_owned()))).collect()
    }

    /// What the window lends in Spanish (es.js's words for these keys, es's Intl).
    fn spanish() -> Words {
        LentWords {
            tag: "es-MX".into(),
            locale: "es-MX".into(),
            right_to_left: false,
            words: catalogue([
                ("transcriptTitle", "Transcripción del chat"),
                ("transcriptFileName", "Transcripción del chat {date}"),
                ("you", "Tú"),
                ("failed", "No entregado"),
                ("agentJoined", "{agent} se unió al chat."),
                ("endedByAgent", "El agente terminó el chat."),
            ]),
            moment: "{day}/{month}/{year}, {hour}:{minute}:{second} UTC".into(),
            digits: "0123456789".into(),
        }
        .into()
    }

    fn chat() -> Transcript {
        let mut transcript = Transcript::default();
        transcript.append(Author::System, "Myles joined the chat", None);
        let line =
            transcript.append(Author::Customer, "My printer says <PC LOAD LETTER> & stops", Some(Delivery::Sending));
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
            sent: None,
            message: None,
        };
        let transcript = Transcript::from_records([began]);
        assert_eq!(ExportFormat::Text.file_name(&transcript, &english()), "Chat transcript 2025-11-26.txt");
        assert_eq!(ExportFormat::Html.file_name(&transcript, &english()), "Chat transcript 2025-11-26.html");
    }

    #[test]
    fn html_export_escapes_everything_anyone_typed() {
        let html = ExportFormat::Html.render(&chat(), &english());
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;\nLine two"));
        assert!(html.contains("Myles &quot;&lt;img src=x onerror=alert(1)&gt;&quot;"));
        assert!(html.contains("&lt;PC LOAD LETTER&gt; &amp; stops"));
        assert!(html.contains("<div class=\"failed\">Not delivered</div>"));
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
        let text = ExportFormat::Text.render(&transcript, &english());
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
        let text = ExportFormat::Text.render(&transcript, &english());
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
        let text = ExportFormat::Text.render(&transcript, &english());
        assert!(text.ends_with("] Myles: Pay [2Jnow or\tnever\n"), "{text:?}");
        let html = ExportFormat::Html.render(&transcript, &english());
        assert!(html.contains("<span class=\"who\">Myles</span>"), "{html:?}");
        assert!(html.contains("Pay [2Jnow or\tnever</div>"), "{html:?}");
    }

    #[test]
    fn an_export_speaks_the_chats_language_in_its_headings_lines_and_dates() {
        let mut transcript = Transcript::default();
        let joined = transcript.append_line(SystemLine::AgentJoined { agent: "Myles".into() });
        let at = joined.at;
        let line = transcript.append(Author::Customer, "¿Hay una tarifa?", Some(Delivery::Sending));
        transcript.set_delivery(line.id, Delivery::Failed { reason: "offline".into() });
        transcript.append_line(SystemLine::Ended { reason: crate::chat::lifecycle::EndReason::ByAgent });
        let Utc { year, month, day, hour, minute, second, .. } = Utc::from_millis(at as i64);
        let when = format!("{day:02}/{month:02}/{year:04}, {hour:02}:{minute:02}:{second:02} UTC");

        let text = ExportFormat::Text.render(&transcript, &spanish());
        assert!(text.starts_with(&format!("[{when}] —: Myles se unió al chat.\n")), "{text}");
        assert!(text.contains("] Tú: ¿Hay una tarifa? (No entregado)\n"), "{text}");
        assert!(text.ends_with("] —: El agente terminó el chat.\n"), "{text}");

        let html = ExportFormat::Html.render(&transcript, &spanish());
        assert!(html.contains("<html lang=\"es-MX\" dir=\"ltr\">"), "{html}");
        assert!(
            html.contains("<title>Transcripción del chat</title>") && html.contains("<h1>Transcripción del chat</h1>"),
            "{html}"
        );
        assert!(html.contains(&format!("<span class=\"at\">{when}</span>")), "{html}");
        assert!(html.contains("<div class=\"failed\">No entregado</div>"), "{html}");
        assert_eq!(
            ExportFormat::Html.file_name(&transcript, &spanish()),
            format!("Transcripción del chat {year:04}-{month:02}-{day:02}.html"),
            "the date in digits that sort"
        );
    }

    #[test]
    fn a_right_to_left_export_mirrors_and_keeps_names_in_their_own_order() {
        let arabic: Words = LentWords {
            tag: "ar".into(),
            locale: "ar".into(),
            right_to_left: true,
            words: catalogue([("transcriptTitle", "نص المحادثة"), ("agentJoined", "انضم {agent} إلى المحادثة.")]),
            moment: "{day}\u{200f}/{month}\u{200f}/{year}، {hour}:{minute}:{second} UTC".into(),
            digits: "٠١٢٣٤٥٦٧٨٩".into(),
        }
        .into();
        // The name's own bidi override is the agent's doing and goes; the isolates are ours.
        let joined = SystemLine::AgentJoined { agent: "\u{202E}Myles\u{7}".into() };
        let transcript = Transcript::from_records([Entry {
            id: 1,
            at: 1_764_115_200_000 + (9 * 3600 + 5 * 60 + 7) * 1000, // 2025-11-26 09:05:07 UTC
            author: Author::System,
            text: joined.english(),
            delivery: None,
            line: Some(joined),
            sent: None,
            message: None,
        }]);
        let html = ExportFormat::Html.render(&transcript, &arabic);
        assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
        assert!(html.contains("انضم \u{2068}Myles\u{2069} إلى المحادثة."), "{html}");
        assert!(
            html.contains("<span class=\"at\">٢٦\u{200f}/١١\u{200f}/٢٠٢٥، ٠٩:٠٥:٠٧ UTC</span>"),
            "Arabic digits, in the order and with the marks the language writes them: {html}"
        );
        assert!(html.contains("margin-inline-start"), "the bubbles mirror");
    }

    #[test]
    fn a_language_that_lends_nothing_usable_gets_english_and_a_date_that_reads_anywhere() {
        let odd: Words = LentWords {
            tag: "</html><script>".into(),
            moment: "{hour}".into(),
            digits: "01".into(),
            ..LentWords::default()
        }
        .into();
        let mut transcript = Transcript::default();
        transcript.append_line(SystemLine::ScreenshotShared);
        let html = ExportFormat::Html.render(&transcript, &odd);
        assert!(html.contains("<html lang=\"en\" dir=\"ltr\">"), "{html}");
        assert!(html.contains("<h1>Chat transcript</h1>") && html.contains("You shared a screenshot."), "{html}");
        assert!(html.contains(" UTC</span>"), "{html}");
    }

    #[test]
    fn each_format_has_its_extension() {
        let text = ExportFormat::Text.render(&chat(), &english());
        assert!(text.contains("] You: My printer says <PC LOAD LETTER> & stops (Not delivered)\n"), "{text}");
        assert!(text.contains("<script>alert('hi')</script>\n    Line two\n"), "{text}");
        assert_eq!((ExportFormat::Text.extension(), ExportFormat::Html.extension()), ("txt", "html"));
        let format: ExportFormat = serde_json::from_str("\"html\"").unwrap();
        assert_eq!(format, ExportFormat::Html);
    }

    #[test]
    fn an_export_marks_messages_that_wait_or_may_not_have_been_delivered() {
        let mut transcript = Transcript::default();
        let unsure = transcript.append(Author::Customer, "Is my order 24601 on its way?", Some(Delivery::Sending));
        transcript.set_delivery(unsure.id, Delivery::Uncertain { reason: "no answer in time".into() });
        transcript.append(Author::Customer, "Typed on the train", Some(Delivery::Waiting));
        transcript.append(Author::Customer, "Thanks!", Some(Delivery::Sent));
        let text = ExportFormat::Text.render(&transcript, &english());
        assert!(text.contains("] You: Is my order 24601 on its way? (May not have been delivered)\n"), "{text}");
        assert!(text.contains("] You: Typed on the train (Waiting for the network)\n"), "{text}");
        assert!(text.contains("] You: Thanks!\n"), "{text}");
        let html = ExportFormat::Html.render(&transcript, &english());
        assert!(html.contains("<div class=\"failed\">May not have been delivered</div>"), "{html}");
        assert!(html.contains("<div class=\"failed\">Waiting for the network</div>"), "{html}");
    }
}

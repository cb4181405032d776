//! A finished chat as a file the customer keeps: plain text, or a self-contained HTML
//! page that opens in any browser and prints well.

use serde::Deserialize;

use crate::transcript::{format_utc, Author, Delivery, Transcript};

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

    pub fn render(self, transcript: &Transcript) -> String {
        match self {
            ExportFormat::Text => transcript.to_text(),
            ExportFormat::Html => to_html(transcript),
        }
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
            Author::Agent { name } => ("agent", name.as_str()),
            Author::Customer => ("customer", "You"),
            Author::System => ("system", ""),
        };
        out.push_str(&format!("<li class=\"{class}\"><div><span class=\"who\">{}</span>", escape(who)));
        out.push_str(&format!("<span class=\"at\">{}</span></div>", format_utc(entry.at)));
        out.push_str(&format!("<div class=\"text\">{}</div>", escape(&entry.text)));
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
    fn each_format_has_its_extension_and_text_is_the_plain_transcript() {
        let transcript = chat();
        assert_eq!(ExportFormat::Text.render(&transcript), transcript.to_text());
        assert_eq!((ExportFormat::Text.extension(), ExportFormat::Html.extension()), ("txt", "html"));
        let format: ExportFormat = serde_json::from_str("\"html\"").unwrap();
        assert_eq!(format, ExportFormat::Html);
    }
}

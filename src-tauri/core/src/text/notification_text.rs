//! An agent's name and words made safe to show outside the window: in a desktop
//! notification, and (through [`without_controls`]) in an exported transcript.
//!
//! Control characters can clear a terminal or fake a line break, and bidi controls can
//! make a line read other than what it says, so both are dropped. Notification servers
//! on Plasma, dunst and Xfce read the body as markup, where an agent's `<a href="smb://…">`
//! becomes a link of any scheme, so the body is escaped. The title is plain text to every
//! server (the notification spec says so), so it is not: escaping it would show `&lt;`.

const FALLBACK_TITLE: &str = "Xima Chat";
const MAX_TITLE_CHARS: usize = 64;
const MAX_BODY_CHARS: usize = 160;

/// A notification's title from who sent it: one line, at most 64 characters, never empty.
pub fn notification_title(name: &str) -> String {
    let title = capped(&on_one_line(name), MAX_TITLE_CHARS);
    if title.is_empty() {
        FALLBACK_TITLE.to_owned()
    } else {
        title
    }
}

/// A notification's body from a message: one line of at most 160 characters, escaped
/// for servers that read markup.
pub fn notification_body(text: &str) -> String {
    // Capped before escaping, so an entity is never cut in half.
    escaped_markup(&capped(&on_one_line(text), MAX_BODY_CHARS))
}

/// `text` without C0 controls other than newline and tab, DEL, C1 controls and bidi
/// controls. Unicode's line and paragraph separators become newlines, so a caller that
/// handles `\n` handles every line break.
pub(crate) fn without_controls(text: &str) -> String {
    text.chars()
        .filter(|&c| !is_hidden_control(c))
        .map(|c| if matches!(c, '\u{2028}' | '\u{2029}') { '\n' } else { c })
        .collect()
}

fn is_hidden_control(c: char) -> bool {
    let c0 = c < ' ' && c != '\n' && c != '\t';
    let del_or_c1 = ('\u{7f}'..='\u{9f}').contains(&c);
    let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    c0 || del_or_c1 || bidi
}

/// `text` without controls, its runs of whitespace (newlines too) one space each.
pub(crate) fn on_one_line(text: &str) -> String {
    without_controls(text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `limit` characters, the last of them "…" when `text` was longer.
fn capped(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let kept: String = text.chars().take(limit - 1).collect();
    format!("{}…", kept.trim_end())
}

fn escaped_markup(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agents_markup_reaches_the_notification_as_text() {
        assert_eq!(
            notification_body("<a href=\"smb://evil/x\">click</a> & <b>bold</b>"),
            "&lt;a href=\"smb://evil/x\"&gt;click&lt;/a&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
        );
    }

    #[test]
    fn a_long_body_is_cut_before_it_is_escaped_so_no_entity_is_cut() {
        let text = format!("{}&&&&", "a".repeat(157));
        let body = notification_body(&text);
        assert_eq!(body, format!("{}&amp;&amp;…", "a".repeat(157)));
        assert_eq!(notification_body(&"x".repeat(160)), "x".repeat(160), "160 fit");
        assert_eq!(notification_body(&"x".repeat(161)).chars().count(), 160);
    }

    #[test]
    fn a_body_is_one_line_without_controls_or_bidi_overrides() {
        assert_eq!(
            notification_body("Line one\nline\u{2028}two\r\n\tthree\u{7}\u{1b}[2J"),
            "Line one line two three[2J"
        );
        assert_eq!(notification_body("pay \u{202E}3202 ,1 yaM\u{202C} now"), "pay 3202 ,1 yaM now");
    }

    #[test]
    fn a_title_is_the_name_on_one_line_without_controls() {
        assert_eq!(notification_title("  Myles\u{202E}\u{2066}\n  Davis\u{0}\u{85}"), "Myles Davis");
        assert_eq!(notification_title("<b>Mallory</b>"), "<b>Mallory</b>", "a title is plain text to every server");
    }

    #[test]
    fn a_long_title_ends_in_an_ellipsis_and_an_empty_one_names_the_app() {
        let title = notification_title(&"Maximilian ".repeat(10));
        assert_eq!(title, format!("{}Maximili…", "Maximilian ".repeat(5)));
        assert_eq!(title.chars().count(), 64);
        assert_eq!(notification_title("\u{202E}\u{200F} \n\u{7}"), "Xima Chat");
        assert_eq!(notification_title(""), "Xima Chat");
    }

    #[test]
    fn exports_keep_newlines_and_tabs_but_lose_every_other_control() {
        let controls: String = ('\u{0}'..='\u{1f}').chain('\u{7f}'..='\u{9f}').collect();
        assert_eq!(without_controls(&format!("a{controls}b")), "a\t\nb");
        let bidi = "\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}\u{200E}\u{200F}\u{061C}";
        assert_eq!(without_controls(&format!("é{bidi}ü — 日本")), "éü — 日本");
        assert_eq!(without_controls("one\u{2028}two\u{2029}three"), "one\ntwo\nthree");
    }
}

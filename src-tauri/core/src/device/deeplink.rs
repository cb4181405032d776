//! `xima-chat://start?skill=…&name=…&email=…&field.Ticket=…`: how other tools (an
//! intranet page, a help-desk ticket) open the chat window with the pre-chat form filled
//! in; and `xima-chat [start] --field Ticket=…`, the same from a script.
//!
//! A link only fills the form; the customer still presses Start, unless the link says
//! `autostart=1` and the administrator lets links start chats (`link-autostart`), or a
//! script on this computer ran `xima-chat start`. Anything a web page can put in a link
//! is untrusted, so values are trimmed, stripped of control characters and capped,
//! unknown parameters are ignored, and only the custom fields the form asks for are
//! filled ([`ChatLink::for_form`]).

use serde::Serialize;

pub const SCHEME: &str = "xima-chat";

/// Longer links are refused whole rather than cut.
const MAX_LINK_CHARS: usize = 2048;
const MAX_NAME_CHARS: usize = 100;
const MAX_EMAIL_CHARS: usize = 200;
const MAX_SKILL_CHARS: usize = 100;
/// As the form's own custom fields take them.
const MAX_FIELD_CHARS: usize = 200;
/// As many as a start request may carry.
const MAX_FIELDS: usize = 20;

/// What a link asks to pre-fill; `None` leaves the field as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatLink {
    pub skill: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    /// Custom fields by name, in the link's order.
    pub fields: Vec<LinkField>,
    pub start: Start,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkField {
    pub name: String,
    pub value: String,
}

/// Whether the chat is to start without the customer pressing Start, and who asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Start {
    /// The form is filled; the customer starts.
    #[default]
    No,
    /// A link's `autostart=1`: any web page can hand one out, so only when the
    /// administrator allows it.
    AskedByLink,
    /// `xima-chat start`, run by a script or a shortcut on this computer.
    ByScript,
}

/// What the window is handed: the form's values, the custom fields it asks for, and
/// whether to press Start itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FormFill {
    pub skill: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub fields: Vec<LinkField>,
    pub start: bool,
}

impl ChatLink {
    /// The command line's `--field NAME=VALUE`s (`start`: it said `xima-chat start`),
    /// cleaned and capped as a link's.
    pub fn from_command_line(fields: &[(String, String)], start: bool) -> Self {
        let mut link = ChatLink { start: if start { Start::ByScript } else { Start::No }, ..ChatLink::default() };
        for (name, value) in fields {
            link.add_field(name, value);
        }
        link
    }

    /// What the form takes of this link: only the custom fields it asks for (`asks_for`
    /// names them; a fixed or unknown one is dropped, never added), and a start only if
    /// a script asked, or a link did where `links_may_start`.
    pub fn for_form(self, asks_for: impl Fn(&str) -> bool, links_may_start: bool) -> FormFill {
        let fields: Vec<LinkField> = self
            .fields
            .into_iter()
            .filter(|field| {
                let asked = asks_for(&field.name);
                if !asked {
                    tracing::info!(field = %field.name.escape_debug(), "a link names a field the form does not ask for");
                }
                asked
            })
            .collect();
        let start = match self.start {
            Start::No => false,
            Start::ByScript => true,
            Start::AskedByLink if links_may_start => true,
            Start::AskedByLink => {
                tracing::info!("a link asked to start the chat; links may not (link-autostart): the form is filled");
                false
            }
        };
        FormFill { skill: self.skill, name: self.name, email: self.email, fields, start }
    }

    /// Adds a field unless the link already has it (the first value wins) or has as many
    /// as a chat can carry.
    fn add_field(&mut self, name: &str, value: &str) {
        let (Some(name), Some(value)) = (clean(name, MAX_FIELD_CHARS), clean(value, MAX_FIELD_CHARS)) else {
            return;
        };
        if self.fields.len() < MAX_FIELDS && !self.fields.iter().any(|field| field.name == name) {
            self.fields.push(LinkField { name, value });
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("not a {SCHEME}:// link")]
    NotOurs,
    #[error("the link is longer than {MAX_LINK_CHARS} characters")]
    TooLong,
    #[error("unknown link action {0:?}; only \"start\" is known")]
    UnknownAction(String),
}

/// Whether a command-line word is one of our links (so it is not taken for a command).
pub fn is_chat_link(word: &str) -> bool {
    word.get(..SCHEME.len() + 1).is_some_and(|prefix| prefix.eq_ignore_ascii_case(&format!("{SCHEME}:")))
        && word.len() > SCHEME.len() + 1
}

pub fn parse(link: &str) -> Result<ChatLink, LinkError> {
    let link = link.trim();
    if link.chars().count() > MAX_LINK_CHARS {
        return Err(LinkError::TooLong);
    }
    let url = url::Url::parse(link).map_err(|_| LinkError::NotOurs)?;
    if url.scheme() != SCHEME {
        return Err(LinkError::NotOurs);
    }
    // `xima-chat://start?…` has "start" as its host; `xima-chat:start?…` as its path.
    let action = url.host_str().filter(|host| !host.is_empty()).unwrap_or_else(|| url.path()).trim_matches('/');
    if !action.eq_ignore_ascii_case("start") {
        return Err(LinkError::UnknownAction(action.chars().take(40).collect()));
    }
    let mut chat = ChatLink::default();
    for (key, value) in url.query_pairs() {
        if let Some(field) = key.strip_prefix("field.") {
            chat.add_field(field, &value);
            continue;
        }
        let (slot, max) = match key.as_ref() {
            "skill" => (&mut chat.skill, MAX_SKILL_CHARS),
            "name" => (&mut chat.name, MAX_NAME_CHARS),
            "email" => (&mut chat.email, MAX_EMAIL_CHARS),
            "autostart" => {
                if matches!(value.trim(), "1" | "true") {
                    chat.start = Start::AskedByLink;
                }
                continue;
            }
            other => {
                tracing::debug!(parameter = other, "ignoring an unknown link parameter");
                continue;
            }
        };
        // The first value of a repeated parameter wins, as in most web frameworks.
        if slot.is_none() {
            *slot = clean(&value, max);
        }
    }
    Ok(chat)
}

fn clean(value: &str, max: usize) -> Option<String> {
    let cleaned: String = value.chars().filter(|c| !c.is_control()).take(max).collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty()).then(|| cleaned.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(skill: Option<&str>, name: Option<&str>, email: Option<&str>) -> ChatLink {
        ChatLink {
            skill: skill.map(str::to_owned),
            name: name.map(str::to_owned),
            email: email.map(str::to_owned),
            ..ChatLink::default()
        }
    }

    fn field(name: &str, value: &str) -> LinkField {
        LinkField { name: name.into(), value: value.into() }
    }

    /// A form that asks for "Ticket" and "Order number" (and has a fixed "Computer").
    fn asked(name: &str) -> bool {
        matches!(name, "Ticket" | "Order number")
    }

    #[test]
    fn a_link_fills_the_custom_fields_the_form_asks_for_by_name() {
        let parsed = parse(
            "xima-chat://start?skill=IT&field.Ticket=INC-4211&field.Order%20number=A+17\
             &field.Computer=EVIL&field.Priority=VIP&field.Ticket=second",
        )
        .unwrap();
        assert_eq!(
            parsed.fields,
            [
                field("Ticket", "INC-4211"),
                field("Order number", "A 17"),
                field("Computer", "EVIL"),
                field("Priority", "VIP")
            ],
            "percent-encoded names, + as a space, the first value wins"
        );
        let form = parsed.for_form(asked, false);
        assert_eq!(
            form.fields,
            [field("Ticket", "INC-4211"), field("Order number", "A 17")],
            "a fixed field and one not configured are dropped"
        );
        assert!(!form.start);
    }

    #[test]
    fn a_links_field_values_are_cleaned_capped_and_counted() {
        let long = "x".repeat(500);
        let parsed = parse(&format!(
            "xima-chat://start?field.Ticket=%0AINC%1B-1%09&field.Order%20number={long}&field.=x&field.Ticket2=%20"
        ))
        .unwrap();
        assert_eq!(parsed.fields[0], field("Ticket", "INC-1"), "control characters dropped, trimmed");
        assert_eq!(parsed.fields[1].value.chars().count(), MAX_FIELD_CHARS);
        assert_eq!(parsed.fields.len(), 2, "a field with no name or a blank value is left out");
        let many: String = (0..40).map(|n| format!("&field.F{n}=v")).collect();
        assert_eq!(parse(&format!("xima-chat://start?x=1{many}")).unwrap().fields.len(), MAX_FIELDS);
    }

    #[test]
    fn a_link_starts_the_chat_only_where_the_administrator_lets_links_do_so() {
        let asking = parse("xima-chat://start?name=Ann&autostart=1").unwrap();
        assert_eq!(asking.start, Start::AskedByLink);
        assert!(!asking.clone().for_form(asked, false).start, "off by default: any web page can hand out a link");
        assert!(asking.for_form(asked, true).start);
        assert_eq!(parse("xima-chat://start?autostart=0").unwrap().start, Start::No);
        assert_eq!(parse("xima-chat://start?autostart=yes-please").unwrap().start, Start::No);
    }

    #[test]
    fn a_script_fills_fields_and_starts_the_chat_from_the_command_line() {
        let fields = [("Ticket".to_owned(), " INC-9 ".to_owned()), ("Computer".to_owned(), "EVIL".to_owned())];
        let form = ChatLink::from_command_line(&fields, true).for_form(asked, false);
        assert_eq!(form.fields, [field("Ticket", "INC-9")]);
        assert!(form.start, "a script on this computer may start a chat whatever links may");
        assert!(!ChatLink::from_command_line(&fields, false).for_form(asked, true).start);
    }

    #[test]
    fn a_start_link_fills_skill_name_and_email() {
        assert_eq!(
            parse("xima-chat://start?skill=Billing&name=Ann%20Lee&email=ann%40example.com").unwrap(),
            link(Some("Billing"), Some("Ann Lee"), Some("ann@example.com"))
        );
        assert_eq!(
            parse("xima-chat://start?name=Jos%C3%A9+Mar%C3%ADa").unwrap(),
            link(None, Some("José María"), None),
            "UTF-8 and + as a space, as browsers encode forms"
        );
        assert_eq!(parse("XIMA-CHAT://START").unwrap(), ChatLink::default());
        assert_eq!(parse("xima-chat:start?skill=Sales").unwrap(), link(Some("Sales"), None, None));
        assert_eq!(parse("xima-chat://start/?email=a@b.c").unwrap(), link(None, None, Some("a@b.c")));
    }

    #[test]
    fn untrusted_values_are_cleaned_and_capped() {
        let long_name = "x".repeat(500);
        let parsed = parse(&format!(
            "xima-chat://start?name=%20%0AEve%1B%5B31m%20&skill=&email={long_name}&name=second&theme=dark"
        ))
        .unwrap();
        assert_eq!(parsed.name.as_deref(), Some("Eve[31m"), "control characters dropped, first value wins");
        assert_eq!(parsed.skill, None, "a blank value leaves the field alone");
        assert_eq!(parsed.email.map(|email| email.len()), Some(MAX_EMAIL_CHARS));
    }

    #[test]
    fn other_links_are_refused() {
        assert_eq!(parse("https://example.com/start?name=x"), Err(LinkError::NotOurs));
        assert_eq!(parse("not a link"), Err(LinkError::NotOurs));
        assert_eq!(
            parse("xima-chat://settings?installation-id=evil"),
            Err(LinkError::UnknownAction("settings".into()))
        );
        assert_eq!(parse(&format!("xima-chat://start?name={}", "a".repeat(3000))), Err(LinkError::TooLong));
    }

    #[test]
    fn links_are_told_apart_from_command_words() {
        assert!(is_chat_link("xima-chat://start?name=a"));
        assert!(is_chat_link("Xima-Chat:start"));
        assert!(!is_chat_link("doctor"));
        assert!(!is_chat_link("xima-chat"));
        assert!(!is_chat_link("--xima-chat://"));
        assert!(!is_chat_link("xima-châ://start"), "no panic inside a multi-byte character");
    }
}

//! `xima-chat://start?skill=…&name=…&email=…`: how other tools (an intranet page, a
//! help-desk ticket) open the chat window with the pre-chat form filled in.
//!
//! A link only fills the form; the customer still presses Start. Anything a web page
//! can put in a link is untrusted, so values are trimmed, stripped of control
//! characters and capped, and unknown parameters are ignored.

use serde::Serialize;

pub const SCHEME: &str = "xima-chat";

/// Longer links are refused whole rather than cut.
const MAX_LINK_CHARS: usize = 2048;
const MAX_NAME_CHARS: usize = 100;
const MAX_EMAIL_CHARS: usize = 200;
const MAX_SKILL_CHARS: usize = 100;

/// What a link asks to pre-fill; `None` leaves the field as it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChatLink {
    pub skill: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
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
        let (slot, max) = match key.as_ref() {
            "skill" => (&mut chat.skill, MAX_SKILL_CHARS),
            "name" => (&mut chat.name, MAX_NAME_CHARS),
            "email" => (&mut chat.email, MAX_EMAIL_CHARS),
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
        ChatLink { skill: skill.map(str::to_owned), name: name.map(str::to_owned), email: email.map(str::to_owned) }
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

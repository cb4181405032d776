//! Lenient reading of the JSON the cloud sends.
//!
//! The vendor's own examples carry `//` comments, trailing commas, booleans spelled
//! `"true"` or `"True"` and timestamps with a leading space. Real messages may do the
//! same, so everything inbound goes through [`from_str`]: strict JSON first (the fast
//! path), and only if that fails a relaxed copy with comments and trailing commas
//! removed. Outbound JSON is always strict.

use std::borrow::Cow;

use serde::de::{self, DeserializeOwned, Deserializer, Unexpected};
use serde::Deserialize;

/// Parses `text` as JSON, tolerating comments and trailing commas.
pub fn from_str<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(strict_error) => match relax(text) {
            Cow::Borrowed(_) => Err(strict_error),
            Cow::Owned(relaxed) => serde_json::from_str(&relaxed),
        },
    }
}

/// Removes `//` and `/* */` comments and commas that stand before `}` or `]`, leaving
/// string contents untouched. Borrows when there was nothing to remove.
pub fn relax(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    let mut in_string = false;
    // A comma we have seen but not yet written: dropped if the next token closes.
    let mut pending_comma: Option<String> = None;

    while i < bytes.len() {
        let byte = bytes[i];
        if in_string {
            let start = i;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            let end = i.min(bytes.len());
            out.push_str(&text[start..end]);
            if i < bytes.len() {
                out.push('"');
                i += 1;
            }
            in_string = false;
            continue;
        }
        match byte {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                changed = true;
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                changed = true;
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(bytes.len());
            }
            b',' => {
                if let Some(held) = pending_comma.take() {
                    out.push_str(&held);
                }
                pending_comma = Some(",".to_owned());
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {
                match pending_comma.as_mut() {
                    Some(held) => held.push(byte as char),
                    None => out.push(byte as char),
                }
                i += 1;
            }
            b'}' | b']' => {
                if let Some(held) = pending_comma.take() {
                    changed = true;
                    out.push_str(held.trim_start_matches(','));
                }
                out.push(byte as char);
                i += 1;
            }
            _ => {
                if let Some(held) = pending_comma.take() {
                    out.push_str(&held);
                }
                if byte == b'"' {
                    in_string = true;
                    out.push('"');
                    i += 1;
                } else {
                    let start = i;
                    i += 1;
                    // Copy whole UTF-8 sequences at once; no JSON delimiter is multi-byte.
                    while i < bytes.len() && !b"\"/,}] \t\r\n".contains(&bytes[i]) {
                        i += 1;
                    }
                    out.push_str(&text[start..i]);
                }
            }
        }
    }
    if let Some(held) = pending_comma {
        out.push_str(&held);
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// A boolean the cloud may send as `true`, `"true"`, `"True"`, `"1"` or `1`.
pub fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Number(i64),
        Text(String),
    }
    match Flag::deserialize(deserializer)? {
        Flag::Bool(value) => Ok(value),
        Flag::Number(0) => Ok(false),
        Flag::Number(1) => Ok(true),
        Flag::Number(other) => Err(de::Error::invalid_value(Unexpected::Signed(other), &"a boolean")),
        Flag::Text(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" | "" => Ok(false),
            _ => Err(de::Error::invalid_value(Unexpected::Str(&text), &"\"true\" or \"false\"")),
        },
    }
}

/// An optional string with surrounding white space removed; blank becomes `None`.
pub fn trimmed<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = Option::<String>::deserialize(deserializer)?;
    Ok(value
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_json_is_borrowed_untouched() {
        let text = r#"{"a": [1, 2], "b": "x,}"}"#;
        assert!(matches!(relax(text), Cow::Borrowed(_)));
    }

    #[test]
    fn trailing_commas_and_comments_are_removed_outside_strings() {
        let text = "{\n \"agent\": \"A // B,}\", //agent name\n \"list\": [1, 2, ],\n /* note */ \"x\": 1,\n}";
        let value: serde_json::Value = from_str(text).expect("relaxed parse");
        assert_eq!(value["agent"], "A // B,}");
        assert_eq!(value["list"], serde_json::json!([1, 2]));
        assert_eq!(value["x"], 1);
    }

    #[test]
    fn escaped_quotes_do_not_end_a_string() {
        let value: serde_json::Value = from_str(r#"{"t": "say \"hi\", // not a comment",}"#).unwrap();
        assert_eq!(value["t"], "say \"hi\", // not a comment");
    }

    #[test]
    fn broken_json_still_fails() {
        assert!(from_str::<serde_json::Value>("{\"a\": ").is_err());
        assert!(from_str::<serde_json::Value>("{not json").is_err());
    }

    #[test]
    fn flags_accept_every_spelling_the_vendor_uses() {
        #[derive(Deserialize)]
        struct Probe {
            #[serde(deserialize_with = "flag")]
            v: bool,
        }
        for (text, expected) in [
            ("true", true),
            ("\"true\"", true),
            ("\"True\"", true),
            ("\"False\"", false),
            ("false", false),
            ("1", true),
            ("\"0\"", false),
        ] {
            let probe: Probe = serde_json::from_str(&format!("{{\"v\": {text}}}")).unwrap();
            assert_eq!(probe.v, expected, "{text}");
        }
        assert!(serde_json::from_str::<Probe>(r#"{"v": "maybe"}"#).is_err());
    }
}

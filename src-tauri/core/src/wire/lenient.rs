//! Lenient reading of the JSON the cloud sends.
//!
//! The vendor's own examples carry `//` comments, trailing commas, booleans spelled
//! `"true"` or `"True"` and timestamps with a leading space. Real messages may do the
//! same, so everything inbound goes through [`from_str`]: strict JSON first (the fast
//! path), and only if that fails a relaxed copy with comments and trailing commas
//! blanked out. Outbound JSON is always strict.
//!
//! Why not a JSON5 or JSONC parser (`json5`, `serde_json5`, `jsonc-parser`)? They would
//! replace [`relax`], about 50 lines, but parse the fallback in a dialect of their own:
//! `json5` and `serde_json5` also take `NaN` and `Infinity` (`json5` even `1e400`), which
//! become `null` in a `serde_json::Value`, and `serde_json5` reads a `u64` field through
//! `f64` (9007199254740993 arrives as …992); `jsonc-parser`, limited to comments and trailing
//! commas, still reads `-0` as the integer 0, rounds some floats differently from
//! serde_json, takes raw control characters in strings, and reads an empty or
//! comment-only text as `null`. So one message would parse into a different `Value`
//! depending on whether it carried a comment. Blanking comments and trailing commas and
//! handing the copy to serde_json keeps one parser for both paths, and, because the
//! copy keeps every byte's position, serde_json's errors point into the original text.
//! (`json_comments` blanks comments the same way but leaves trailing commas.)

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

/// Blanks out `//` and `/* */` comments, and commas that stand before `}` or `]` after a
/// value, leaving string contents untouched. Every other byte keeps its place (a comment's
/// line breaks too), so line and column in an error are the original text's. Borrows
/// when there was nothing to blank; an unterminated `/*` is left for serde_json to refuse.
pub fn relax(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut blank = |range: std::ops::Range<usize>| {
        let out = out.get_or_insert_with(|| bytes.to_vec());
        for byte in &mut out[range] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    // The last byte that was neither space nor comment, and the comma after a value that
    // nothing but space and comments has followed yet.
    let mut last = b'[';
    let mut comma: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = text[i..].find('\n').map_or(bytes.len(), |at| i + at);
                blank(i..end);
                i = end;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let Some(at) = text[i + 2..].find("*/") else { break };
                let end = i + 2 + at + 2;
                blank(i..end);
                i = end;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            // `[1,]` loses its comma; `[,]` and `[1,,]` keep theirs and stay errors.
            b',' => comma = (!matches!(last, b'[' | b'{' | b',')).then_some(i),
            b'}' | b']' => {
                if let Some(at) = comma {
                    blank(at..at + 1);
                }
            }
            _ => {}
        }
        if byte != b',' {
            comma = None;
        }
        last = byte;
        i += 1;
    }
    match out {
        // Only ASCII bytes were blanked, each whole comment at once: still UTF-8.
        Some(out) => String::from_utf8(out).map_or(Cow::Borrowed(text), Cow::Owned),
        None => Cow::Borrowed(text),
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

/// An informational field: text, a number or a boolean becomes text (trimmed; blank is
/// `None`); null, absence, or an object or array where text was expected is `None`.
pub fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(scalar_text(&serde_json::Value::deserialize(deserializer)?))
}

/// A field that must be there: text or a number, not blank.
pub fn required_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    match &value {
        serde_json::Value::String(_) | serde_json::Value::Number(_) => scalar_text(&value)
            .ok_or_else(|| de::Error::invalid_value(Unexpected::Str(""), &"a value that is not blank")),
        other => Err(de::Error::invalid_type(unexpected(other), &"text or a number")),
    }
}

/// A timestamp as ISO text (stray spaces trimmed) or as epoch seconds or milliseconds,
/// which become ISO text in UTC.
pub fn timestamp<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    let number = match &value {
        serde_json::Value::Number(number) => number.as_f64(),
        serde_json::Value::String(text)
            if !text.trim().is_empty() && text.trim().chars().all(|c| c.is_ascii_digit()) =>
        {
            text.trim().parse().ok()
        }
        _ => None,
    };
    Ok(match number {
        Some(epoch) if epoch.is_finite() && epoch >= 0.0 => {
            // Seconds since 1970 pass 1e11 only in the year 5138: above it, milliseconds.
            let millis = if epoch >= 1e11 { epoch } else { epoch * 1000.0 };
            Some(crate::text::utc::Utc::from_millis(millis as i64).iso())
        }
        _ => scalar_text(&value),
    })
}

/// A nested object that is informational: unreadable becomes `None`, not an error.
pub fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

/// The JSON type of a value, for error messages that must not quote the value.
pub fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "text",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "an object",
    }
}

fn scalar_text(value: &serde_json::Value) -> Option<String> {
    let text = match value {
        serde_json::Value::String(text) => text.trim().to_owned(),
        serde_json::Value::Number(number) => number.to_string(),
        serde_json::Value::Bool(flag) => flag.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

fn unexpected(value: &serde_json::Value) -> Unexpected<'static> {
    match value {
        serde_json::Value::Null => Unexpected::Unit,
        serde_json::Value::Bool(flag) => Unexpected::Bool(*flag),
        serde_json::Value::Array(_) => Unexpected::Seq,
        serde_json::Value::Object(_) => Unexpected::Map,
        _ => Unexpected::Other("a value"),
    }
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
    fn only_a_comma_after_a_value_is_trailing_and_an_open_comment_is_an_error() {
        for text in ["[,]", "{,}", "[1,,]", "{\"a\": 1} /* never closed", "// nothing but a comment"] {
            assert!(from_str::<serde_json::Value>(text).is_err(), "{text}");
        }
        let value: serde_json::Value = from_str("[1, /* last */ ] // end").unwrap();
        assert_eq!(value, serde_json::json!([1]));
    }

    #[test]
    fn errors_in_a_relaxed_text_point_into_the_original() {
        let text = "{\"a\": 1, /* a comment */ \"b\": tru, // more\n}";
        assert_eq!(relax(text).len(), text.len());
        let error = from_str::<serde_json::Value>(text).unwrap_err();
        let after_tru = text.find("tru").unwrap() + "tru".len() + 1;
        assert_eq!((error.line(), error.column()), (1, after_tru), "{error}");
    }

    #[test]
    fn a_relaxed_text_reads_the_same_value_as_its_strict_twin() {
        // The numbers where JSON5 and JSONC parsers part from serde_json.
        let strict = r#"{"big": 18446744073709551615, "low": -9223372036854775808, "odd": 9007199254740993,
            "zero": -0, "tiny": 2.2250738585072011e-308, "whole": 1.0, "text": "a // b,}"}"#;
        let relaxed = format!("{}, // trailing\n}}", strict.strip_suffix('}').unwrap());
        let strict_value: serde_json::Value = from_str(strict).unwrap();
        assert_eq!(from_str::<serde_json::Value>(&relaxed).unwrap(), strict_value);
        assert_eq!(strict_value["odd"].as_u64(), Some(9_007_199_254_740_993));
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
    #[test]
    fn informational_fields_take_any_scalar_and_timestamps_any_epoch() {
        #[derive(Deserialize)]
        struct Probe {
            #[serde(default, deserialize_with = "text")]
            t: Option<String>,
            #[serde(default, deserialize_with = "timestamp")]
            at: Option<String>,
        }
        let read = |json: &str| serde_json::from_str::<Probe>(json).unwrap();
        assert_eq!(read(r#"{"t": " Myles "}"#).t.as_deref(), Some("Myles"));
        assert_eq!(read(r#"{"t": 42}"#).t.as_deref(), Some("42"));
        assert_eq!(read(r#"{"t": true}"#).t.as_deref(), Some("true"));
        assert_eq!(read(r#"{"t": null}"#).t, None);
        assert_eq!(read(r#"{"t": {"x": 1}}"#).t, None);
        assert_eq!(read("{}").t, None);
        assert_eq!(read(r#"{"at": " 2012-04-23T18:25:43.511Z"}"#).at.as_deref(), Some("2012-04-23T18:25:43.511Z"));
        assert_eq!(read(r#"{"at": 1335205543511}"#).at.as_deref(), Some("2012-04-23T18:25:43.511Z"));
        assert_eq!(read(r#"{"at": 1335205543}"#).at.as_deref(), Some("2012-04-23T18:25:43.000Z"));
        assert_eq!(read(r#"{"at": "1335205543511"}"#).at.as_deref(), Some("2012-04-23T18:25:43.511Z"));
        assert_eq!(read(r#"{"at": 0}"#).at.as_deref(), Some("1970-01-01T00:00:00.000Z"));
    }

    #[test]
    fn required_text_refuses_blanks_and_structures() {
        #[derive(Debug, Deserialize)]
        struct Probe {
            #[serde(deserialize_with = "required_text")]
            #[allow(dead_code)]
            id: String,
        }
        assert_eq!(serde_json::from_str::<Probe>(r#"{"id": 7}"#).unwrap().id, "7");
        assert!(serde_json::from_str::<Probe>(r#"{"id": "  "}"#).is_err());
        assert!(serde_json::from_str::<Probe>(r#"{"id": null}"#).is_err());
        assert!(serde_json::from_str::<Probe>(r#"{"id": {"a": 1}}"#).is_err());
        assert!(serde_json::from_str::<Probe>("{}").is_err());
    }
}

//! Field diagnosis: a JSON-lines record of every exchange with the cloud and every body
//! read from SQS, in *shape* only, so a deployment can show what its server speaks
//! without showing what anyone said.
//!
//! A record names the method, the path, the query's parameter names, the status, the
//! headers' names and the bodies' shapes: `{"id": "text", "agent": null}`. No value
//! leaves a body, a query or a header, so the API key, cookies, names, emails and
//! message text cannot reach the file by construction.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::wire::lenient;

/// An open wire log. Appends; shared by the cloud client and the inbox.
#[derive(Debug)]
pub struct WireLog {
    file: Mutex<File>,
}

/// One HTTP exchange, as the log records it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Exchange<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Vec<String>,
    pub request_headers: Vec<String>,
    pub request_body: Value,
    pub status: Option<u16>,
    pub response_headers: Vec<String>,
    pub response_body: Value,
    pub millis: u128,
}

impl WireLog {
    /// Opens (or creates, owner-only) the file at `path` for appending.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut options = OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        Ok(Self { file: Mutex::new(options.open(path)?) })
    }

    pub fn exchange(&self, exchange: &Exchange<'_>) {
        match serde_json::to_value(exchange) {
            Ok(mut value) => {
                value["kind"] = json!("http");
                self.write(value);
            }
            Err(error) => tracing::debug!(%error, "wire log record not written"),
        }
    }

    /// A body read from the serverToClientQueue.
    pub fn sqs_body(&self, body: &str) {
        self.write(json!({ "kind": "sqs", "body": shape_of_text(body.as_bytes()) }));
    }

    fn write(&self, mut record: Value) {
        record["at"] = json!(SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO).as_millis());
        let mut line = record.to_string();
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(error) = file.write_all(line.as_bytes()) {
            tracing::debug!(%error, "wire log record not written");
        }
    }
}

/// The shape of a body: JSON with every value replaced by its type, or what kind of
/// text it is.
pub fn shape_of_text(body: &[u8]) -> Value {
    let Ok(text) = std::str::from_utf8(body) else {
        return json!(format!("binary, {} bytes", body.len()));
    };
    if text.trim().is_empty() {
        return json!("empty");
    }
    match lenient::from_str::<Value>(text) {
        Ok(value) => shape(&value),
        Err(_) => json!(format!("not JSON, {} bytes", body.len())),
    }
}

fn shape(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::Bool(_) => json!("boolean"),
        Value::Number(_) => json!("number"),
        // JSON inside a string is a shape worth seeing (an envelope); any other text is not.
        Value::String(text) => match lenient::from_str::<Value>(text) {
            Ok(inner @ (Value::Object(_) | Value::Array(_))) => json!({ "json in text": shape(&inner) }),
            _ => json!("text"),
        },
        Value::Array(items) => match items.first() {
            Some(first) => json!([shape(first), format!("{} items", items.len())]),
            None => json!([]),
        },
        Value::Object(fields) => {
            Value::Object(fields.iter().map(|(key, value)| (key.clone(), shape(value))).collect::<Map<_, _>>())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shape_keeps_names_and_types_and_drops_every_value() {
        let body = br#"{"sessionDetails": {"id": "abc-secret", "agent": null, "n": 3, "ok": true,
            "list": [{"name": "Ann Lee"}, {"name": "x"}], "inner": "{\"type\": \"CHAT_TEXT\", \"text\": \"my card 4111\"}"}}"#;
        let shaped = shape_of_text(body);
        assert_eq!(
            shaped,
            json!({"sessionDetails": {"id": "text", "agent": null, "n": "number", "ok": "boolean",
                "list": [{"name": "text"}, "2 items"], "inner": {"json in text": {"type": "text", "text": "text"}}}})
        );
        let printed = shaped.to_string();
        for secret in ["abc-secret", "Ann Lee", "4111", "CHAT_TEXT"] {
            assert!(!printed.contains(secret), "{secret} leaked into {printed}");
        }
        assert_eq!(shape_of_text(b""), json!("empty"));
        assert_eq!(shape_of_text(b"4f1c-uuid-like"), json!("not JSON, 14 bytes"));
    }

    #[test]
    fn records_are_appended_to_an_owner_only_file() {
        let path = std::env::temp_dir().join(format!("xima-wire-{}-{}.jsonl", std::process::id(), fastrand::u64(..)));
        let log = WireLog::open(&path).unwrap();
        log.sqs_body(r#"{"type": "CHAT_TEXT", "text": "hello"}"#);
        log.sqs_body("aGVsbG8=");
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["body"], json!({"type": "text", "text": "text"}));
        assert!(!text.contains("hello"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let _ = std::fs::remove_file(path);
    }
}

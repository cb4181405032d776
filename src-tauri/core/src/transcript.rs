//! What was said in one chat, with the delivery status of each customer message.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::lifecycle::EndReason;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Author {
    Agent { name: String },
    Customer,
    /// A line the app adds: who joined, a transfer, why the chat ended.
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Delivery {
    Sending,
    Sent,
    Failed { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: u64,
    /// Milliseconds since the Unix epoch.
    pub at: u64,
    pub author: Author,
    pub text: String,
    /// Only customer messages have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// A line of the app's own, as a code: the window words it in the customer's
    /// language; `text` has it in English (exports, transcripts saved before codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<SystemLine>,
}

/// The lines the app writes into a conversation, each with what it names. The window
/// words them (`ui/js/locales/`), so they are sent as codes, never as English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum SystemLine {
    AgentJoined { agent: String },
    Transferred { agent: String },
    Ended { reason: EndReason },
    ScreenshotShared,
    ScreenshotDeclined,
    /// The upload failed.
    ScreenshotFailed,
    /// The capture failed.
    ScreenshotNotTaken,
    /// Nobody answered the request in time.
    ScreenshotTimedOut,
}

impl SystemLine {
    /// The English wording, as the entry's `text`.
    pub fn english(&self) -> String {
        match self {
            SystemLine::AgentJoined { agent } => format!("{agent} joined the chat."),
            SystemLine::Transferred { agent } => format!("You were transferred to {agent}."),
            SystemLine::Ended { reason } => reason.line().to_owned(),
            SystemLine::ScreenshotShared => "You shared a screenshot.".to_owned(),
            SystemLine::ScreenshotDeclined => "You declined to share a screenshot.".to_owned(),
            SystemLine::ScreenshotFailed => "The screenshot could not be sent.".to_owned(),
            SystemLine::ScreenshotNotTaken => "The screenshot could not be taken.".to_owned(),
            SystemLine::ScreenshotTimedOut => "The screenshot request timed out.".to_owned(),
        }
    }
}

pub fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as u64)
        .unwrap_or_default()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Transcript {
    entries: Vec<Entry>,
    /// Ids start above this: a chat's entries never share an id with the chat before,
    /// so nothing late from that chat can be mistaken for one of this chat's.
    #[serde(skip)]
    floor: u64,
}

impl Transcript {
    /// Rebuilds a transcript from saved records; a later record of an id replaces it.
    pub fn from_records(records: impl IntoIterator<Item = Entry>) -> Self {
        let mut transcript = Transcript::default();
        for record in records {
            transcript.upsert(record);
        }
        transcript
    }

    /// An empty transcript whose ids continue after `previous`'s.
    pub fn continuing_after(previous: &Transcript) -> Self {
        Self {
            entries: Vec::new(),
            floor: previous.last_id(),
        }
    }

    fn last_id(&self) -> u64 {
        self.entries.last().map_or(self.floor, |last| last.id.max(self.floor))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, id: u64) -> Option<&Entry> {
        // Entries are appended in id order, so a binary search finds any of them.
        self.entries
            .binary_search_by_key(&id, |entry| entry.id)
            .ok()
            .map(|index| &self.entries[index])
    }

    pub fn append(&mut self, author: Author, text: impl Into<String>, delivery: Option<Delivery>) -> Entry {
        let entry = Entry {
            id: self.last_id() + 1,
            at: now_millis(),
            author,
            text: text.into(),
            delivery,
            line: None,
        };
        self.entries.push(entry.clone());
        entry
    }

    /// A line of the app's own (`Author::System`), its English wording as the text.
    pub fn append_line(&mut self, line: SystemLine) -> Entry {
        let mut entry = self.append(Author::System, line.english(), None);
        entry.line = Some(line);
        if let Some(last) = self.entries.last_mut() {
            last.line = entry.line.clone();
        }
        entry
    }

    /// Changes a customer message's delivery status; `None` if there is no such entry.
    pub fn set_delivery(&mut self, id: u64, delivery: Delivery) -> Option<Entry> {
        let index = self.entries.binary_search_by_key(&id, |entry| entry.id).ok()?;
        let entry = &mut self.entries[index];
        entry.delivery = Some(delivery);
        Some(entry.clone())
    }

    fn upsert(&mut self, entry: Entry) {
        match self.entries.binary_search_by_key(&entry.id, |existing| existing.id) {
            Ok(index) => self.entries[index] = entry,
            Err(index) => self.entries.insert(index, entry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_line_of_the_apps_own_reaches_the_window_as_a_code_with_what_it_names() {
        let mut transcript = Transcript::default();
        let joined = transcript.append_line(SystemLine::AgentJoined { agent: "Myles".into() });
        let ended = transcript.append_line(SystemLine::Ended { reason: EndReason::ByAgent });
        let joined = serde_json::to_value(&joined).unwrap();
        assert_eq!(joined["line"], json!({"code": "agentJoined", "agent": "Myles"}));
        assert_eq!(joined["text"], "Myles joined the chat.", "English for exports");
        assert_eq!(serde_json::to_value(&ended).unwrap()["line"], json!({"code": "ended", "reason": "byAgent"}));
        assert_eq!(transcript.entries()[1].line, Some(SystemLine::Ended { reason: EndReason::ByAgent }), "kept, not only sent");
    }

    #[test]
    fn a_transcript_saved_before_lines_had_codes_still_reads() {
        let old: Entry = serde_json::from_value(json!({"id": 1, "at": 5, "author": {"kind": "system"}, "text": "Myles joined the chat."}))
            .unwrap();
        assert_eq!(old.line, None);
        assert!(!serde_json::to_string(&old).unwrap().contains("line"), "no code is made up for it");
    }

    #[test]
    fn ids_grow_and_delivery_updates_in_place() {
        let mut transcript = Transcript::default();
        let hello = transcript.append(Author::Customer, "hello", Some(Delivery::Sending));
        let reply = transcript.append(Author::Agent { name: "Myles".into() }, "hi", None);
        assert_eq!((hello.id, reply.id), (1, 2));
        transcript.set_delivery(1, Delivery::Sent).unwrap();
        assert_eq!(transcript.get(1).unwrap().delivery, Some(Delivery::Sent));
        assert!(transcript.set_delivery(9, Delivery::Sent).is_none());
        let mut next = Transcript::continuing_after(&transcript);
        assert_eq!(next.append(Author::System, "joined", None).id, 3, "ids go on across chats");
        assert_eq!(Transcript::continuing_after(&Transcript::continuing_after(&next)).append(Author::System, "x", None).id, 4);
    }

    #[test]
    fn replaying_records_keeps_the_latest_status() {
        let mut live = Transcript::default();
        let sending = live.append(Author::Customer, "hello", Some(Delivery::Sending));
        let failed = live
            .set_delivery(sending.id, Delivery::Failed { reason: "offline".into() })
            .unwrap();
        let replayed = Transcript::from_records([sending, failed]);
        assert_eq!(replayed, live);
    }
}

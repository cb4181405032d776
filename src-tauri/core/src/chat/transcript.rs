//! What was said in one chat, with the delivery status of each customer message.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::wire::inbox::Origin;

use crate::chat::lifecycle::EndReason;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Author {
    Agent {
        name: String,
    },
    Customer,
    /// A line the app adds: who joined, a transfer, why the chat ended.
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Delivery {
    Sending,
    Sent,
    /// The request never left this computer (no network yet, no route, a proxy that
    /// would not connect): it goes by itself, in order, once the connection is back.
    Waiting,
    /// The request may have reached the contact center (no answer in time, an answer
    /// cut off, a server error, the app closed while sending): sending it again could
    /// repeat it, so the customer decides.
    Uncertain {
        reason: String,
    },
    /// The contact center refused it.
    Failed {
        reason: String,
    },
}

impl Delivery {
    /// The customer may send it again: nothing will by itself.
    pub fn can_retry(&self) -> bool {
        matches!(self, Delivery::Failed { .. } | Delivery::Uncertain { .. })
    }
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
    /// When the cloud sent an agent's line (SQS's SentTimestamp, milliseconds): a line
    /// that arrives after ones sent later is placed before them by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<u64>,
    /// The SQS message that brought an agent's line: known again after a restart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// How far apart the ids of entries appended one after another are: room for an
/// agent's line that arrives late (SQS hid it for a while) to be given an id, and so a
/// place, among the lines it was sent before.
const ID_STEP: u64 = 1024;

/// The lines the app writes into a conversation, each with what it names. The window
/// words them (`ui/js/locales/`), so they are sent as codes, never as English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum SystemLine {
    AgentJoined {
        agent: String,
    },
    Transferred {
        agent: String,
    },
    Ended {
        reason: EndReason,
    },
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
    SystemTime::now().duration_since(UNIX_EPOCH).map(|elapsed| elapsed.as_millis() as u64).unwrap_or_default()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Transcript {
    entries: Vec<Entry>,
    /// Ids start above this: a chat's entries never share an id with the chat before,
    /// so nothing late from that chat can be mistaken for one of this chat's.
    #[serde(skip)]
    floor: u64,
    /// SQS MessageIds of the messages applied that left no entry (a screenshot request,
    /// an agent joining): a redelivery after a restart must not apply them again.
    #[serde(skip)]
    applied: Vec<String>,
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
        Self { entries: Vec::new(), floor: previous.last_id(), applied: Vec::new() }
    }

    fn last_id(&self) -> u64 {
        self.entries.last().map_or(self.floor, |last| last.id.max(self.floor))
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, id: u64) -> Option<&Entry> {
        // Entries are appended in id order, so a binary search finds any of them.
        self.entries.binary_search_by_key(&id, |entry| entry.id).ok().map(|index| &self.entries[index])
    }

    pub fn append(&mut self, author: Author, text: impl Into<String>, delivery: Option<Delivery>) -> Entry {
        let entry = Entry {
            id: self.last_id() + ID_STEP,
            at: now_millis(),
            author,
            text: text.into(),
            delivery,
            line: None,
            sent: None,
            message: None,
        };
        self.entries.push(entry.clone());
        entry
    }

    /// The SQS messages this transcript's lines came in.
    pub fn message_ids(&self) -> impl Iterator<Item = String> + '_ {
        self.entries.iter().filter_map(|entry| entry.message.clone()).chain(self.applied.iter().cloned())
    }

    /// Customer messages still "sending" when the app last stopped: nobody knows whether
    /// the cloud took them, so they may not have been delivered, and the customer
    /// decides whether to send them again. Returns the entries changed.
    pub fn unconfirmed_to_uncertain(&mut self) -> Vec<Entry> {
        let reason = "the app closed before the contact center confirmed this message".to_owned();
        self.change_deliveries(Delivery::Sending, Delivery::Uncertain { reason })
    }

    /// Messages waiting for the network when the chat ended: they can no longer go.
    pub fn waiting_to_failed(&mut self) -> Vec<Entry> {
        let reason = "the chat ended before the connection came back".to_owned();
        self.change_deliveries(Delivery::Waiting, Delivery::Failed { reason })
    }

    /// The oldest message waiting for the network, if any.
    pub fn first_waiting(&self) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.delivery == Some(Delivery::Waiting))
    }

    fn change_deliveries(&mut self, from: Delivery, to: Delivery) -> Vec<Entry> {
        self.entries
            .iter_mut()
            .filter(|entry| entry.author == Author::Customer && entry.delivery.as_ref() == Some(&from))
            .map(|entry| {
                entry.delivery = Some(to.clone());
                entry.clone()
            })
            .collect()
    }

    /// Remembers that the message `id` was applied without leaving an entry.
    pub fn applied(&mut self, id: String) {
        self.applied.push(id);
    }

    /// An agent's line the cloud sent at `origin.sent`: at the end, or, when lines the agent
    /// sent later are already here, just before the first of them (by an id between its
    /// neighbours'; at the end should they have no room left).
    pub fn append_agent_line(&mut self, name: String, text: impl Into<String>, origin: Origin) -> Entry {
        let Origin { id: message, sent } = origin;
        let place = sent.and_then(|sent| {
            let later = self.entries.iter().position(|entry| entry.sent.is_some_and(|other| other > sent))?;
            let below = if later == 0 { self.floor } else { self.entries[later - 1].id };
            let above = self.entries[later].id;
            (above - below >= 2).then(|| (later, below + (above - below) / 2))
        });
        let Some((index, id)) = place else {
            let mut entry = self.append(Author::Agent { name }, text, None);
            (entry.sent, entry.message) = (sent, message);
            if let Some(last) = self.entries.last_mut() {
                *last = entry.clone();
            }
            return entry;
        };
        let entry = Entry {
            id,
            at: now_millis(),
            author: Author::Agent { name },
            text: text.into(),
            delivery: None,
            line: None,
            sent,
            message,
        };
        self.entries.insert(index, entry.clone());
        entry
    }

    /// A line of the app's own at a moment on the cloud's clock (milliseconds), so that
    /// an agent's line sent before it and read after it is placed before it.
    pub fn append_line_at(&mut self, line: SystemLine, sent: u64) -> Entry {
        let mut entry = self.append_line(line);
        entry.sent = Some(sent);
        if let Some(last) = self.entries.last_mut() {
            last.sent = entry.sent;
        }
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
        assert_eq!(
            transcript.entries()[1].line,
            Some(SystemLine::Ended { reason: EndReason::ByAgent }),
            "kept, not only sent"
        );
    }

    #[test]
    fn a_transcript_saved_before_lines_had_codes_still_reads() {
        let old: Entry = serde_json::from_value(
            json!({"id": 1, "at": 5, "author": {"kind": "system"}, "text": "Myles joined the chat."}),
        )
        .unwrap();
        assert_eq!(old.line, None);
        assert!(!serde_json::to_string(&old).unwrap().contains("line"), "no code is made up for it");
    }

    #[test]
    fn ids_grow_and_delivery_updates_in_place() {
        let mut transcript = Transcript::default();
        let hello = transcript.append(Author::Customer, "hello", Some(Delivery::Sending));
        let reply = transcript.append(Author::Agent { name: "Myles".into() }, "hi", None);
        assert!(hello.id < reply.id);
        transcript.set_delivery(hello.id, Delivery::Sent).unwrap();
        assert_eq!(transcript.get(hello.id).unwrap().delivery, Some(Delivery::Sent));
        assert!(transcript.set_delivery(hello.id + 1, Delivery::Sent).is_none());
        let mut next = Transcript::continuing_after(&transcript);
        let joined = next.append(Author::System, "joined", None);
        assert!(joined.id > reply.id, "ids go on across chats");
        assert!(
            Transcript::continuing_after(&Transcript::continuing_after(&next)).append(Author::System, "x", None).id
                > joined.id
        );
    }

    #[test]
    fn an_agent_line_that_arrives_late_takes_its_place_among_the_lines_sent_after_it() {
        let mut transcript = Transcript::default();
        let agent = |transcript: &mut Transcript, text: &str, sent| {
            transcript.append_agent_line("Myles".into(), text, Origin { id: None, sent: Some(sent) }).id
        };
        agent(&mut transcript, "one", 1_000);
        transcript.append(Author::Customer, "hello", Some(Delivery::Sent));
        agent(&mut transcript, "three", 3_000);
        agent(&mut transcript, "four", 4_000);
        // SQS held "two" (a receive cut short by a restart) and hands it out now.
        let two = agent(&mut transcript, "two", 2_000);
        let texts: Vec<&str> = transcript.entries().iter().map(|entry| entry.text.as_str()).collect();
        assert_eq!(texts, ["one", "hello", "two", "three", "four"]);
        assert_eq!(transcript.get(two).unwrap().text, "two", "found by its id");
        let ids: Vec<u64> = transcript.entries().iter().map(|entry| entry.id).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "ids in order: {ids:?}");
        // Saved and read back (records in the order they were written), the same.
        let replayed = Transcript::from_records(transcript.entries().iter().rev().cloned());
        assert_eq!(replayed.entries(), transcript.entries());
        // Without a time from the cloud a line goes at the end.
        transcript.append_agent_line("Myles".into(), "unknown", Origin::default());
        assert_eq!(transcript.entries().last().unwrap().text, "unknown");
    }

    #[test]
    fn replaying_records_keeps_the_latest_status() {
        let mut live = Transcript::default();
        let sending = live.append(Author::Customer, "hello", Some(Delivery::Sending));
        let failed = live.set_delivery(sending.id, Delivery::Failed { reason: "offline".into() }).unwrap();
        let replayed = Transcript::from_records([sending, failed]);
        assert_eq!(replayed, live);
    }
}

//! What survives a restart: the live session (so it can be resumed) and each chat's
//! transcript, in the app's data directory.
//!
//! Transcripts are append-only JSON lines, one record per new or changed entry, so a
//! burst of messages costs one short write each rather than rewriting the file.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::chat::lifecycle::SessionState;
use crate::chat::transcript::{Entry, Transcript};
use crate::device::private_fs::{create_private_dir, owner_only, replace_owner_only, write_owner_only};
use crate::device::secret::Secret;
use crate::wire::protocol::{SessionId, SessionShape};

/// A line of a transcript file: an entry as it is now, or a message applied that left
/// no entry.
#[derive(Deserialize)]
#[serde(untagged)]
enum Record {
    Entry(Entry),
    Applied(Applied),
}

#[derive(Serialize, Deserialize)]
struct Applied {
    applied: String,
}

/// The session to resume at start-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedSession {
    pub session_id: SessionId,
    pub installation_id: String,
    pub base_url: String,
    pub state: SessionState,
    /// The cloud's cookies (its HTTP session): `POST /chat/end` after a restart finds
    /// the chat only through them. The file is owner-only; `Debug` redacts them.
    #[serde(default, serialize_with = "expose_cookies", skip_serializing_if = "Option::is_none")]
    pub cookies: Option<Secret>,
    /// The serverToClientQueue: a chat resumed while the cloud cannot be reached goes
    /// on from it. Sessions saved before it was kept have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<SavedQueue>,
    /// The customer ended the chat and the cloud has not heard it yet (no network):
    /// the `POST /chat/end` still owed, not a chat to resume.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub end_unsent: bool,
}

/// What the inbox needs of a queue to read it: its address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedQueue {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
}

/// The one place saved cookies leave their [`Secret`]: into the owner-only session file.
fn expose_cookies<S: serde::Serializer>(cookies: &Option<Secret>, serializer: S) -> Result<S::Ok, S::Error> {
    cookies.as_ref().map(Secret::expose).serialize(serializer)
}

#[derive(Debug, Clone)]
pub struct SessionStore {
    dir: PathBuf,
}

impl SessionStore {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The data dir (and `sub` in it), owner-only: it holds what customers said. Both
    /// are made so, whether created now or already there.
    fn private_dir(&self, sub: Option<&str>) -> std::io::Result<PathBuf> {
        create_private_dir(&self.dir)?;
        let Some(sub) = sub else { return Ok(self.dir.clone()) };
        let dir = self.dir.join(sub);
        create_private_dir(&dir)?;
        Ok(dir)
    }

    fn transcripts_dir(&self) -> PathBuf {
        self.dir.join("transcripts")
    }

    fn shape_path(&self) -> PathBuf {
        self.dir.join("session-shape.json")
    }

    /// Remembers how the cloud wrapped its last session answer, for `doctor`. Not
    /// customer data: a kiosk wipe keeps it.
    pub fn remember_session_shape(&self, shape: SessionShape) {
        let written = self
            .private_dir(None)
            .and_then(|_| serde_json::to_vec(&shape).map_err(std::io::Error::other))
            .and_then(|bytes| write_owner_only(&self.shape_path(), &bytes));
        if let Err(error) = written {
            tracing::debug!(%error, "could not remember the session answer's shape");
        }
    }

    /// The shape remembered by [`SessionStore::remember_session_shape`], if any.
    pub fn session_shape(&self) -> Option<SessionShape> {
        serde_json::from_slice(&fs::read(self.shape_path()).ok()?).ok()
    }

    fn current_path(&self) -> PathBuf {
        self.dir.join("current-session.json")
    }

    pub fn transcript_path(&self, id: &SessionId) -> PathBuf {
        // Session ids are UUIDs; anything else is reduced to safe characters.
        let safe: String =
            id.as_str().chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        self.transcripts_dir().join(format!("{safe}.jsonl"))
    }

    pub fn load_current(&self) -> std::io::Result<Option<SavedSession>> {
        match fs::read(self.current_path()) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(saved) => Ok(Some(saved)),
                Err(error) => {
                    tracing::warn!(%error, "saved session unreadable; starting fresh");
                    Ok(None)
                }
            },
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Writes atomically (temp file, then rename) so a crash never leaves half a file.
    pub fn save_current(&self, saved: &SavedSession) -> std::io::Result<()> {
        self.private_dir(None)?;
        let bytes = serde_json::to_vec_pretty(saved).map_err(std::io::Error::other)?;
        replace_owner_only(&self.current_path(), &bytes)
    }

    pub fn clear_current(&self) -> std::io::Result<()> {
        match fs::remove_file(self.current_path()) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    /// Appends one record. A file that a crash left with a torn last line (no newline)
    /// gets its newline first, so the torn record is one unreadable line and not the
    /// start of this one: the record written now is never lost with it.
    pub fn append_entry(&self, id: &SessionId, entry: &Entry) -> std::io::Result<()> {
        self.append_record(id, entry)
    }

    /// Notes in the transcript that the message `message` was applied without leaving
    /// an entry, so that a redelivery after a restart is known.
    pub fn append_applied(&self, id: &SessionId, message: &str) -> std::io::Result<()> {
        self.append_record(id, &Applied { applied: message.to_owned() })
    }

    fn append_record(&self, id: &SessionId, record: &impl Serialize) -> std::io::Result<()> {
        self.private_dir(Some("transcripts"))?;
        let mut file = owner_only().read(true).append(true).open(self.transcript_path(id))?;
        let mut line = Vec::new();
        if file.metadata()?.len() > 0 {
            let mut last = [0u8];
            file.seek(SeekFrom::End(-1))?;
            file.read_exact(&mut last)?;
            if last != *b"\n" {
                line.push(b'\n');
            }
        }
        serde_json::to_writer(&mut line, record).map_err(std::io::Error::other)?;
        line.push(b'\n');
        file.write_all(&line)
    }

    /// The saved transcript; a torn line (a crash mid-write, even mid-character) is
    /// skipped and every whole record around it kept.
    pub fn load_transcript(&self, id: &SessionId) -> std::io::Result<Transcript> {
        let bytes = match fs::read(self.transcript_path(id)) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Transcript::default()),
            Err(error) => return Err(error),
        };
        let (mut records, mut applied) = (Vec::new(), Vec::new());
        for line in bytes.split(|byte| *byte == b'\n').filter(|line| !line.is_empty()) {
            match serde_json::from_slice::<Record>(line) {
                Ok(Record::Entry(entry)) => records.push(entry),
                Ok(Record::Applied(Applied { applied: id })) => applied.push(id),
                Err(error) => tracing::warn!(%error, "skipping unreadable transcript line"),
            }
        }
        let mut transcript = Transcript::from_records(records);
        applied.into_iter().for_each(|id| transcript.applied(id));
        Ok(transcript)
    }

    /// Deletes saved transcripts untouched for longer than `max_age` (by modification
    /// time, so a long chat counts from its last line), but never the transcript of the
    /// saved current session: that chat may be resumed. Returns how many went.
    pub fn prune_transcripts(&self, max_age: Duration) -> std::io::Result<usize> {
        let entries = match fs::read_dir(self.transcripts_dir()) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(error) => return Err(error),
        };
        let current = self.load_current()?.map(|saved| self.transcript_path(&saved.session_id));
        let now = SystemTime::now();
        let mut deleted = 0;
        for entry in entries {
            let path = entry?.path();
            if Some(&path) == current.as_ref() || !is_transcript_file(&path) {
                continue;
            }
            if older_than(&path, max_age, now)? {
                fs::remove_file(&path)?;
                deleted += 1;
            }
        }
        Ok(deleted)
    }

    /// Removes every trace of chats: the privacy wipe.
    pub fn wipe(&self) -> std::io::Result<()> {
        self.clear_current()?;
        match fs::remove_dir_all(self.transcripts_dir()) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}

fn is_transcript_file(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "jsonl") && path.is_file()
}

/// A time in the future (a clock set back) is not old.
fn older_than(path: &Path, max_age: Duration, now: SystemTime) -> std::io::Result<bool> {
    let modified = fs::metadata(path)?.modified()?;
    Ok(now.duration_since(modified).is_ok_and(|age| age > max_age))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::transcript::{Author, Delivery};
    use std::fs::OpenOptions;

    fn temp_store() -> SessionStore {
        let dir = std::env::temp_dir().join(format!("xima-store-{}-{}", std::process::id(), fastrand::u64(..)));
        SessionStore::new(dir)
    }

    #[test]
    fn the_current_session_round_trips_and_clears() {
        let store = temp_store();
        assert_eq!(store.load_current().unwrap(), None);
        let saved = SavedSession {
            session_id: SessionId("abc".into()),
            installation_id: "inst".into(),
            base_url: "http://127.0.0.1:1".into(),
            state: SessionState::Queued { estimated_wait: None },
            cookies: Some(Secret::new("JSESSIONID=abc")),
            queue: Some(SavedQueue { url: "https://sqs.us-east-1.amazonaws.com/1/q".into(), arn: None }),
            end_unsent: false,
        };
        store.save_current(&saved).unwrap();
        assert_eq!(store.load_current().unwrap(), Some(saved));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &std::path::Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&store.current_path()), 0o600, "the session file holds the cloud's cookie");
            assert_eq!(mode(&store.dir), 0o700);
        }
        store.clear_current().unwrap();
        assert_eq!(store.load_current().unwrap(), None);
        store.clear_current().unwrap();
    }

    #[test]
    fn a_transcript_is_rebuilt_and_a_torn_line_skipped() {
        let store = temp_store();
        let id = SessionId("s-1".into());
        let mut transcript = Transcript::default();
        let sending = transcript.append(Author::Customer, "hi", Some(Delivery::Sending));
        store.append_entry(&id, &sending).unwrap();
        let sent = transcript.set_delivery(sending.id, Delivery::Sent).unwrap();
        store.append_entry(&id, &sent).unwrap();
        OpenOptions::new()
            .append(true)
            .open(store.transcript_path(&id))
            .unwrap()
            .write_all(b"{\"id\": 2, \"at\"")
            .unwrap();
        assert_eq!(store.load_transcript(&id).unwrap(), transcript);
        store.wipe().unwrap();
        assert_eq!(store.load_transcript(&id).unwrap(), Transcript::default());
    }

    #[test]
    fn records_written_after_a_torn_line_are_all_kept() {
        let store = temp_store();
        let id = SessionId("s-torn".into());
        let mut transcript = Transcript::default();
        store
            .append_entry(&id, &transcript.append(Author::Agent { name: "Myles".into() }, "your ticket is", None))
            .unwrap();
        // A crash in the middle of a record, and of a two-byte character.
        let torn = "{\"id\": 9, \"text\": \"caf\u{e9}".as_bytes();
        OpenOptions::new()
            .append(true)
            .open(store.transcript_path(&id))
            .unwrap()
            .write_all(&torn[..torn.len() - 1])
            .unwrap();
        store.append_entry(&id, &transcript.append(Author::Agent { name: "Myles".into() }, "INC-4211", None)).unwrap();
        store.append_entry(&id, &transcript.append(Author::Customer, "thanks", Some(Delivery::Sent))).unwrap();
        assert_eq!(store.load_transcript(&id).unwrap(), transcript);
        store.wipe().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn everything_in_a_data_dir_an_administrator_made_is_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &std::path::Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let store = temp_store();
        // `mkdir /srv/xima-chat` under a 022 umask, before the app's first start.
        fs::create_dir(&store.dir).unwrap();
        fs::set_permissions(&store.dir, fs::Permissions::from_mode(0o755)).unwrap();
        let id = SessionId("s-1".into());
        let entry = Transcript::default().append(Author::Customer, "my card number is …", None);
        store.append_entry(&id, &entry).unwrap();
        // Older versions wrote this one with the umask's 0644.
        fs::write(store.shape_path(), "\"wrapped\"").unwrap();
        fs::set_permissions(store.shape_path(), fs::Permissions::from_mode(0o644)).unwrap();
        store.remember_session_shape(SessionShape::Flat);

        assert_eq!(mode(&store.dir), 0o700, "the data dir itself");
        assert_eq!(mode(&store.dir.join("transcripts")), 0o700);
        assert_eq!(mode(&store.transcript_path(&id)), 0o600);
        assert_eq!(mode(&store.shape_path()), 0o600);
        fs::remove_dir_all(&store.dir).unwrap();
    }

    fn aged(path: &std::path::Path, days: u64) {
        let then = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 24 * 3600);
        fs::File::options().write(true).open(path).unwrap().set_modified(then).unwrap();
    }

    fn saved(id: &SessionId) -> SavedSession {
        SavedSession {
            session_id: id.clone(),
            installation_id: "inst".into(),
            base_url: "http://127.0.0.1:1".into(),
            state: SessionState::Queued { estimated_wait: None },
            cookies: None,
            queue: None,
            end_unsent: false,
        }
    }

    #[test]
    fn transcripts_older_than_the_limit_are_deleted_but_never_the_current_chats() {
        let store = temp_store();
        let entry = Transcript::default().append(Author::Customer, "hello", None);
        let (last_month, yesterday, resumed) =
            (SessionId("last-month".into()), SessionId("yesterday".into()), SessionId("resumed".into()));
        for id in [&last_month, &yesterday, &resumed] {
            store.append_entry(id, &entry).unwrap();
        }
        aged(&store.transcript_path(&last_month), 40);
        aged(&store.transcript_path(&yesterday), 1);
        // The chat the last run left going: quiet for long, but it may still be live.
        aged(&store.transcript_path(&resumed), 60);
        store.save_current(&saved(&resumed)).unwrap();

        let thirty_days = std::time::Duration::from_secs(30 * 24 * 3600);
        assert_eq!(store.prune_transcripts(thirty_days).unwrap(), 1);
        assert!(!store.transcript_path(&last_month).exists());
        assert!(store.transcript_path(&yesterday).exists());
        assert!(store.transcript_path(&resumed).exists(), "the current session's transcript stays");
        fs::remove_dir_all(&store.dir).unwrap();
    }

    #[test]
    fn pruning_before_any_chat_finds_nothing_to_delete() {
        assert_eq!(temp_store().prune_transcripts(std::time::Duration::ZERO).unwrap(), 0);
    }
}

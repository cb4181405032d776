//! What the customer sends while a chat is live: text (never resent on its own),
//! typing and focus.

use super::live::Stamp;
use super::{Chat, MAX_MESSAGE_CHARS};
use crate::error::ChatError;
use crate::transcript::{Author, Delivery, Entry};

impl Chat {
    /// Sends one customer message. The entry shows `sending`, then `sent` or `failed`;
    /// a failed message is only sent again by [`Chat::retry`].
    pub async fn send(&self, text: &str) -> Result<Entry, ChatError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ChatError::InvalidInput("the message is empty".into()));
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(ChatError::InvalidInput(format!(
                "the message is longer than {MAX_MESSAGE_CHARS} characters"
            )));
        }
        let (stamp, entry) = {
            let mut inner = self.shared.lock();
            let stamp = inner.live_stamp()?;
            let entry = inner.transcript.append(Author::Customer, text, Some(Delivery::Sending));
            (stamp, entry)
        };
        self.shared.record(&stamp.id, &entry);
        self.deliver(stamp, entry).await
    }

    /// Sends a failed message again, at the customer's request.
    pub async fn retry(&self, entry_id: u64) -> Result<Entry, ChatError> {
        let (stamp, entry) = {
            let mut inner = self.shared.lock();
            let stamp = inner.live_stamp()?;
            match inner.transcript.get(entry_id) {
                Some(Entry {
                    author: Author::Customer,
                    delivery: Some(Delivery::Failed { .. }),
                    ..
                }) => {}
                Some(_) => return Err(ChatError::InvalidInput("only a failed message can be retried".into())),
                None => return Err(ChatError::UnknownMessage(entry_id)),
            }
            let entry = inner
                .transcript
                .set_delivery(entry_id, Delivery::Sending)
                .ok_or(ChatError::UnknownMessage(entry_id))?;
            (stamp, entry)
        };
        self.shared.record(&stamp.id, &entry);
        self.deliver(stamp, entry).await
    }

    async fn deliver(&self, stamp: Stamp, entry: Entry) -> Result<Entry, ChatError> {
        let outcome = self.shared.cloud.send_text(&stamp.id, &entry.text).await;
        let delivery = match &outcome {
            Ok(()) => Delivery::Sent,
            Err(error) => Delivery::Failed {
                reason: error.to_string(),
            },
        };
        let updated = {
            let mut inner = self.shared.lock();
            // After a wipe or a new chat, the entry is not ours to mark any more.
            match inner.current(&stamp) {
                Some(_) => inner.transcript.set_delivery(entry.id, delivery),
                None => None,
            }
        };
        if let Some(updated) = &updated {
            self.shared.record(&stamp.id, updated);
        }
        match outcome {
            Ok(()) => Ok(updated.unwrap_or(entry)),
            Err(error) => {
                tracing::warn!(%error, "message not delivered");
                Err(error.into())
            }
        }
    }

    /// Tells the agent whether the customer is typing. Repeats of the same state are
    /// not sent, so the UI may call this on every keystroke.
    pub async fn set_typing(&self, typing: bool) -> Result<(), ChatError> {
        let stamp = {
            let mut inner = self.shared.lock();
            let stamp = inner.live_stamp()?;
            let Some(live) = inner.current(&stamp) else { return Err(ChatError::NoActiveChat) };
            if live.typing_sent == Some(typing) {
                return Ok(());
            }
            live.typing_sent = Some(typing);
            stamp
        };
        let outcome = self.shared.cloud.typing(&stamp.id, typing).await;
        if outcome.is_err() {
            // Let the next call try again instead of believing the agent knows.
            if let Some(live) = self.shared.lock().current(&stamp) {
                live.typing_sent = None;
            }
        }
        outcome.map_err(Into::into)
    }

    /// The customer focused the message box: the agent sees their messages were read.
    pub async fn focus(&self) -> Result<(), ChatError> {
        let stamp = self.shared.lock().live_stamp()?;
        self.shared.cloud.focus(&stamp.id).await.map_err(Into::into)
    }
}

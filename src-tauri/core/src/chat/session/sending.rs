//! What the customer sends while a chat is live: text, typing and focus.
//!
//! A message is sent at once. If its request never left this computer, it waits for
//! the network and the chat's outbox sends it by itself, in order, once the connection
//! is back; if it may have reached the cloud, only the customer sends it again
//! ([`Chat::retry`]), since the cloud has no way to tell a repeat.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::stamp::Stamp;
use super::{Chat, Shared, MAX_MESSAGE_CHARS};
use crate::chat::transcript::{Author, Delivery, Entry};
use crate::error::ChatError;
use crate::wire::backoff::Backoff;
use crate::wire::cloud::CloudError;

impl Chat {
    /// Sends one customer message. The entry shows `sending`, then `sent`; or `waiting`
    /// (it goes by itself later: not an error), `uncertain` or `failed` (both errors,
    /// sent again only by [`Chat::retry`]). A message typed while earlier ones wait
    /// waits behind them, so the agent reads them in the order they were typed.
    pub async fn send(&self, text: &str) -> Result<Entry, ChatError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ChatError::InvalidInput("the message is empty".into()));
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(ChatError::InvalidInput(format!("the message is longer than {MAX_MESSAGE_CHARS} characters")));
        }
        let (stamp, entry, queued) = {
            let mut inner = self.shared.lock();
            let stamp = inner.live_stamp()?;
            let behind_others = inner.transcript.first_waiting().is_some()
                || inner.current(&stamp).is_some_and(|live| live.outbox.busy);
            let delivery = if behind_others { Delivery::Waiting } else { Delivery::Sending };
            let entry = inner.transcript.append(Author::Customer, text, Some(delivery));
            let queued =
                behind_others.then(|| inner.current(&stamp).map(|live| live.outbox.wake.queued.clone())).flatten();
            (stamp, entry, queued)
        };
        self.shared.record(&stamp.id, &entry);
        if let Some(ready) = queued {
            ready.notify_one();
            return Ok(entry);
        }
        match self.shared.deliver(&stamp, &entry).await {
            (updated, Ok(())) => Ok(updated.unwrap_or(entry)),
            (Some(updated @ Entry { delivery: Some(Delivery::Waiting), .. }), Err(_)) => Ok(updated),
            (_, Err(error)) => Err(error.into()),
        }
    }

    /// Sends a message that failed or may not have been delivered again, at the
    /// customer's request.
    pub async fn retry(&self, entry_id: u64) -> Result<Entry, ChatError> {
        let (stamp, entry) = {
            let mut inner = self.shared.lock();
            let stamp = inner.live_stamp()?;
            match inner.transcript.get(entry_id) {
                Some(Entry { author: Author::Customer, delivery: Some(delivery), .. }) if delivery.can_retry() => {}
                Some(_) => {
                    return Err(ChatError::InvalidInput("only a message that was not delivered can be retried".into()))
                }
                None => return Err(ChatError::UnknownMessage(entry_id)),
            }
            let entry = inner
                .transcript
                .set_delivery(entry_id, Delivery::Sending)
                .ok_or(ChatError::UnknownMessage(entry_id))?;
            (stamp, entry)
        };
        self.shared.record(&stamp.id, &entry);
        match self.shared.deliver(&stamp, &entry).await {
            (updated, Ok(())) => Ok(updated.unwrap_or(entry)),
            (Some(updated @ Entry { delivery: Some(Delivery::Waiting), .. }), Err(_)) => Ok(updated),
            (_, Err(error)) => Err(error.into()),
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

/// What a send's outcome makes of the message.
fn delivery_after(outcome: &Result<(), CloudError>) -> Delivery {
    match outcome {
        Ok(()) => Delivery::Sent,
        Err(error) if error.never_left() => Delivery::Waiting,
        Err(error) if error.is_rejection() => Delivery::Failed { reason: error.to_string() },
        Err(error) => Delivery::Uncertain { reason: error.to_string() },
    }
}

/// The chat's queue of messages that wait for the network. Owned by the chat's `Live`;
/// its task is one of the chat's.
pub(super) struct Outbox {
    pub wake: OutboxWake,
    /// The task is sending one: a message typed now waits behind it.
    pub busy: bool,
}

/// What wakes the outbox's task.
#[derive(Clone, Default)]
pub(super) struct OutboxWake {
    /// A message began to wait: the next try is after a backoff, since its own try
    /// has just failed.
    pub queued: Arc<Notify>,
    /// The connection came back or the computer woke: try now.
    pub now: Arc<Notify>,
}

impl Outbox {
    pub fn new() -> Self {
        Self { wake: OutboxWake::default(), busy: false }
    }
}

/// Whether the messages that waited have all gone.
enum Flushed {
    All,
    StillOffline,
}

impl Shared {
    /// Sends `entry` once and marks it by the outcome; returns the entry as marked
    /// (`None` when the chat is no longer on screen) and the outcome.
    async fn deliver(&self, stamp: &Stamp, entry: &Entry) -> (Option<Entry>, Result<(), CloudError>) {
        let outcome = self.cloud.send_text(&stamp.id, &entry.text).await;
        let delivery = delivery_after(&outcome);
        let waits = delivery == Delivery::Waiting;
        let (updated, ready) = {
            let mut inner = self.lock();
            // After a wipe or a new chat, the entry is not ours to mark any more.
            match inner.current(stamp).map(|live| live.outbox.wake.queued.clone()) {
                Some(ready) => (inner.transcript.set_delivery(entry.id, delivery), ready),
                None => return (None, outcome),
            }
        };
        if let Some(updated) = &updated {
            self.record(&stamp.id, updated);
        }
        match &outcome {
            Ok(()) => {}
            Err(error) if waits => {
                tracing::info!(%error, "message waits for the network");
                ready.notify_one();
            }
            Err(error) => tracing::warn!(%error, "message not delivered"),
        }
        (updated, outcome)
    }

    /// Sends the waiting messages, oldest first, until none is left or one still
    /// cannot leave.
    async fn send_waiting(&self, stamp: &Stamp) -> Flushed {
        loop {
            let entry = {
                let mut inner = self.lock();
                let Some(id) = inner.transcript.first_waiting().map(|entry| entry.id) else {
                    if let Some(live) = inner.current(stamp) {
                        live.outbox.busy = false;
                    }
                    return Flushed::All;
                };
                let Some(live) = inner.current(stamp) else { return Flushed::All };
                live.outbox.busy = true;
                inner.transcript.set_delivery(id, Delivery::Sending)
            };
            let Some(entry) = entry else { return Flushed::All };
            self.record(&stamp.id, &entry);
            if let (_, Err(error)) = self.deliver(stamp, &entry).await {
                if error.never_left() {
                    if let Some(live) = self.lock().current(stamp) {
                        live.outbox.busy = false;
                    }
                    return Flushed::StillOffline;
                }
            }
        }
    }
}

/// The outbox's task: sends what waits, at once when the connection is back, else
/// with backoff while anything waits. Its first round is at once: a resumed chat may
/// bring messages that waited when the app last stopped.
pub(super) async fn outbox(shared: Weak<Shared>, stamp: Stamp, wake: OutboxWake, cancel: CancellationToken) {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    let mut retry_in = Some(Duration::ZERO);
    loop {
        let retry = async {
            match retry_in {
                Some(wait) => tokio::time::sleep(wait).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = wake.now.notified() => {}
            _ = retry => {}
            _ = wake.queued.notified(), if retry_in.is_none() => {
                retry_in = Some(backoff.next_delay());
                continue;
            }
        }
        let Some(shared) = shared.upgrade() else { return };
        let flushed = tokio::select! {
            _ = cancel.cancelled() => return,
            flushed = shared.send_waiting(&stamp) => flushed,
        };
        retry_in = match flushed {
            Flushed::All => {
                backoff.reset();
                None
            }
            Flushed::StillOffline => Some(backoff.next_delay()),
        };
    }
}

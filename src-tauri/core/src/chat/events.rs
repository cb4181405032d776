//! What the core tells the UI. The shell forwards each `ChatEvent` as a Tauri event.

use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

use crate::chat::lifecycle::SessionState;
use crate::chat::transcript::Entry;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ChatEvent {
    /// The lifecycle moved.
    State {
        state: SessionState,
    },
    /// A transcript entry was added or its delivery status changed.
    Entry {
        entry: Entry,
    },
    /// Several entries at once, in order: what one read of the queue added (a burst
    /// reaches the window as one event per SQS batch, not one per line).
    Entries {
        entries: Vec<Entry>,
    },
    AgentTyping {
        typing: bool,
    },
    /// TAKE_SCREENSHOT: ask the customer for consent.
    ScreenshotRequested,
    /// The request was closed without the customer (it timed out, or capture failed).
    ScreenshotClosed,
    /// Polling or the keepalive is failing (`up: false`) or working again.
    Connection {
        up: bool,
        reason: Option<String>,
    },
}

/// Receives the core's events. Implemented for closures (the latency bench stamps each
/// event as it arrives) and channels (the tests).
pub trait EventSink: Send + Sync + 'static {
    fn emit(&self, event: ChatEvent);
}

impl<F: Fn(ChatEvent) + Send + Sync + 'static> EventSink for F {
    fn emit(&self, event: ChatEvent) {
        self(event)
    }
}

impl EventSink for tokio::sync::mpsc::UnboundedSender<ChatEvent> {
    fn emit(&self, event: ChatEvent) {
        // A closed receiver means nobody is listening any more; that is not an error.
        let _ = self.send(event);
    }
}

/// The chat's way to its sink: entries added while a batch is held (one read of the
/// queue, [`EventBatcher::hold`]) go out together as one [`ChatEvent::Entries`] when it
/// is released. Any other event, from any task, first sends what is held, so the sink
/// sees every event in the order the chat made them.
pub(crate) struct EventBatcher {
    sink: Arc<dyn EventSink>,
    held: Mutex<Option<Vec<Entry>>>,
}

impl EventBatcher {
    pub fn new(sink: Arc<dyn EventSink>) -> Self {
        Self { sink, held: Mutex::new(None) }
    }

    fn held(&self) -> MutexGuard<'_, Option<Vec<Entry>>> {
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Entries are held from now until the guard goes, which sends them.
    pub fn hold(&self) -> Held<'_> {
        self.held().get_or_insert_with(Vec::new);
        Held { batcher: self }
    }

    pub fn emit(&self, event: ChatEvent) {
        let earlier = {
            let mut held = self.held();
            match (held.as_mut(), event) {
                (Some(entries), ChatEvent::Entry { entry }) => {
                    entries.push(entry);
                    return;
                }
                (Some(entries), event) => (std::mem::take(entries), event),
                (None, event) => (Vec::new(), event),
            }
        };
        // Sent outside the lock: a sink may take its time.
        let (entries, event) = earlier;
        self.send_held(entries);
        self.sink.emit(event);
    }

    fn send_held(&self, mut entries: Vec<Entry>) {
        match entries.len() {
            0 => {}
            1 => self.sink.emit(ChatEvent::Entry { entry: entries.remove(0) }),
            _ => self.sink.emit(ChatEvent::Entries { entries }),
        }
    }
}

/// Entries held for one batch; sent when this goes, however the batch ended.
pub(crate) struct Held<'a> {
    batcher: &'a EventBatcher,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let held = self.batcher.held().take();
        self.batcher.send_held(held.unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::transcript::{Author, Transcript};

    fn batcher() -> (EventBatcher, tokio::sync::mpsc::UnboundedReceiver<ChatEvent>) {
        let (sink, events) = tokio::sync::mpsc::unbounded_channel();
        (EventBatcher::new(Arc::new(sink)), events)
    }

    fn received(events: &mut tokio::sync::mpsc::UnboundedReceiver<ChatEvent>) -> Vec<ChatEvent> {
        std::iter::from_fn(|| events.try_recv().ok()).collect()
    }

    fn agent_says(transcript: &mut Transcript, text: &str) -> Entry {
        transcript.append(Author::Agent { name: "Myles".into() }, text, None)
    }

    #[test]
    fn the_lines_of_one_batch_reach_the_sink_as_one_event_in_order() {
        let (batcher, mut events) = batcher();
        let mut transcript = Transcript::default();
        let lines: Vec<Entry> = ["one", "two", "three"].map(|text| agent_says(&mut transcript, text)).into();
        {
            let _together = batcher.hold();
            for line in &lines {
                batcher.emit(ChatEvent::Entry { entry: line.clone() });
            }
            assert!(received(&mut events).is_empty(), "held until the batch is over");
        }
        assert_eq!(received(&mut events), vec![ChatEvent::Entries { entries: lines }]);
    }

    #[test]
    fn a_batch_of_one_line_goes_as_that_line_and_an_empty_one_as_nothing() {
        let (batcher, mut events) = batcher();
        let line = agent_says(&mut Transcript::default(), "only");
        drop(batcher.hold());
        {
            let _together = batcher.hold();
            batcher.emit(ChatEvent::Entry { entry: line.clone() });
        }
        assert_eq!(received(&mut events), vec![ChatEvent::Entry { entry: line }]);
    }

    #[test]
    fn any_other_event_sends_the_lines_held_before_it_so_nothing_overtakes() {
        let (batcher, mut events) = batcher();
        let mut transcript = Transcript::default();
        let (before, after) = (agent_says(&mut transcript, "before"), agent_says(&mut transcript, "after"));
        {
            let _together = batcher.hold();
            batcher.emit(ChatEvent::Entry { entry: before.clone() });
            batcher.emit(ChatEvent::AgentTyping { typing: true });
            batcher.emit(ChatEvent::Entry { entry: after.clone() });
        }
        assert_eq!(
            received(&mut events),
            vec![
                ChatEvent::Entry { entry: before },
                ChatEvent::AgentTyping { typing: true },
                ChatEvent::Entry { entry: after }
            ]
        );
    }

    #[test]
    fn without_a_batch_every_line_goes_at_once() {
        let (batcher, mut events) = batcher();
        let line = agent_says(&mut Transcript::default(), "now");
        batcher.emit(ChatEvent::Entry { entry: line.clone() });
        assert_eq!(received(&mut events), vec![ChatEvent::Entry { entry: line }]);
    }
}

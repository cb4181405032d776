//! What the core tells the UI. The shell forwards each `ChatEvent` as a Tauri event.

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

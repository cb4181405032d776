//! Forwards the core's events to the window as one `chat` event carrying the tagged
//! `ChatEvent` (`{"type": "state", …}`, `{"type": "entry", …}`, …; `ui/js/ipc.js`
//! dispatches on `type`), and, while the window is in the background, tells `notices`
//! of agent messages and counts them as unread. It runs on the core's tasks, so it only
//! posts: nothing here waits for the desktop or the main thread.

use std::sync::Arc;

use tauri::{AppHandle, Emitter};
use xima_chat_core::{Author, Entry};
use xima_chat_core::{ChatEvent, EventSink, SessionState};

use crate::attention::Attention;
use crate::notices::Notices;

/// The Tauri event every `ChatEvent` goes out as.
pub const CHAT_EVENT: &str = "chat";

pub struct WindowEvents {
    app: AppHandle,
    attention: Arc<Attention>,
    notices: Arc<Notices>,
}

impl WindowEvents {
    pub fn new(app: AppHandle, attention: Arc<Attention>, notices: Arc<Notices>) -> Self {
        Self { app, attention, notices }
    }
}

impl WindowEvents {
    /// An agent's line unseen counts as unread and goes to the notifications.
    fn agent_line(&self, entry: &Entry) {
        if let Author::Agent { name } = &entry.author {
            if let Some(unread) = self.attention.agent_line() {
                self.notices.agent_line(name, &entry.text, unread);
            }
        }
    }
}

impl EventSink for WindowEvents {
    fn emit(&self, event: ChatEvent) {
        let looking = self.attention.is_focused();
        match &event {
            ChatEvent::Entry { entry } => self.agent_line(entry),
            ChatEvent::Entries { entries } => entries.iter().for_each(|entry| self.agent_line(entry)),
            ChatEvent::State { state: SessionState::Idle | SessionState::Starting } => {
                self.attention.clear();
                self.notices.new_chat();
            }
            ChatEvent::ScreenshotRequested if !looking => self.notices.screen_asked(),
            _ => {}
        }
        if let Err(error) = self.app.emit(CHAT_EVENT, &event) {
            tracing::warn!(%error, "could not send an event to the window");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `ui/js/app.js` dispatches on these `type`s and reads these fields.
    #[test]
    fn every_chat_event_names_its_kind_in_type() {
        let wire = |event: ChatEvent| serde_json::to_value(event).unwrap();
        assert_eq!(
            wire(ChatEvent::State { state: SessionState::Idle }),
            json!({"type": "state", "state": {"phase": "idle"}})
        );
        assert_eq!(wire(ChatEvent::AgentTyping { typing: true }), json!({"type": "agentTyping", "typing": true}));
        assert_eq!(wire(ChatEvent::ScreenshotRequested), json!({"type": "screenshotRequested"}));
        assert_eq!(wire(ChatEvent::ScreenshotClosed), json!({"type": "screenshotClosed"}));
        assert_eq!(
            wire(ChatEvent::Connection { up: false, reason: Some("no route".into()) }),
            json!({"type": "connection", "up": false, "reason": "no route"})
        );
    }
}

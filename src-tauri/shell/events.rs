//! Forwards the core's events to the window as one `chat` event carrying the tagged
//! `ChatEvent` (`{"type": "state", …}`, `{"type": "entry", …}`, …; `ui/js/ipc.js`
//! dispatches on `type`), and, while the window is in the background, raises a desktop
//! notification for agent messages and counts them as unread.

use std::sync::Arc;

use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;
use xima_chat_core::Author;
use xima_chat_core::{notification_body, notification_title, ChatEvent, EventSink, SessionState};

use crate::attention::Attention;

/// The Tauri event every `ChatEvent` goes out as.
pub const CHAT_EVENT: &str = "chat";

pub struct WindowEvents {
    app: AppHandle,
    attention: Arc<Attention>,
}

impl WindowEvents {
    pub fn new(app: AppHandle, attention: Arc<Attention>) -> Self {
        Self { app, attention }
    }

    /// Every notification, the app's own wording too, goes through the core's
    /// notification text: servers that read markup must see none of the agent's.
    fn notify(&self, title: &str, body: &str) {
        let (title, body) = (notification_title(title), notification_body(body));
        // A desktop without a notification service is not an error worth more than a line.
        if let Err(error) = self.app.notification().builder().title(title).body(body).show() {
            tracing::debug!(%error, "no desktop notification shown");
        }
    }
}

impl EventSink for WindowEvents {
    fn emit(&self, event: ChatEvent) {
        let looking = self.attention.is_focused();
        match &event {
            ChatEvent::Entry { entry } if !looking => {
                if let Author::Agent { name } = &entry.author {
                    self.notify(name, &entry.text);
                    self.attention.agent_spoke();
                }
            }
            ChatEvent::State {
                state: SessionState::Idle | SessionState::Starting,
            } => self.attention.clear(),
            ChatEvent::ScreenshotRequested if !looking => {
                self.notify("Xima Chat", "The agent asked to see your screen.");
            }
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
        assert_eq!(wire(ChatEvent::State { state: SessionState::Idle }), json!({"type": "state", "state": {"phase": "idle"}}));
        assert_eq!(wire(ChatEvent::AgentTyping { typing: true }), json!({"type": "agentTyping", "typing": true}));
        assert_eq!(wire(ChatEvent::ScreenshotRequested), json!({"type": "screenshotRequested"}));
        assert_eq!(wire(ChatEvent::ScreenshotClosed), json!({"type": "screenshotClosed"}));
        assert_eq!(
            wire(ChatEvent::Connection { up: false, reason: Some("no route".into()) }),
            json!({"type": "connection", "up": false, "reason": "no route"})
        );
    }
}

//! Forwards the core's events to the window, one Tauri event name per kind, and, while
//! the window is in the background, raises a desktop notification for agent messages
//! and counts them on the tray icon.

use std::sync::Arc;

use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt;
use xima_chat_core::transcript::Author;
use xima_chat_core::{ChatEvent, EventSink, SessionState};

use crate::attention::Attention;
use crate::tray;

/// The Tauri event name for each kind; `ui/js/ipc.js` listens to these.
pub fn event_name(event: &ChatEvent) -> &'static str {
    match event {
        ChatEvent::State { .. } => "chat:state",
        ChatEvent::Entry { .. } => "chat:entry",
        ChatEvent::AgentTyping { .. } => "chat:agent-typing",
        ChatEvent::ScreenshotRequested => "chat:screenshot-requested",
        ChatEvent::ScreenshotClosed => "chat:screenshot-closed",
        ChatEvent::Connection { .. } => "chat:link",
    }
}

pub struct WindowEvents {
    app: AppHandle,
    attention: Arc<Attention>,
}

impl WindowEvents {
    pub fn new(app: AppHandle, attention: Arc<Attention>) -> Self {
        Self { app, attention }
    }

    fn window_focused(&self) -> bool {
        self.attention.is_focused()
    }

    fn notify(&self, title: &str, body: &str) {
        // A desktop without a notification service is not an error worth more than a line.
        let preview: String = body.chars().take(160).collect();
        if let Err(error) = self.app.notification().builder().title(title).body(preview).show() {
            tracing::debug!(%error, "no desktop notification shown");
        }
    }
}

impl EventSink for WindowEvents {
    fn emit(&self, event: ChatEvent) {
        match &event {
            ChatEvent::Entry { entry } if !self.window_focused() => {
                if let Author::Agent { name } = &entry.author {
                    self.notify(name, &entry.text);
                    if let Some(unread) = self.attention.agent_spoke() {
                        tray::show_unread(&self.app, unread);
                    }
                }
            }
            ChatEvent::State {
                state: SessionState::Idle | SessionState::Starting,
            } => {
                if let Some(unread) = self.attention.clear() {
                    tray::show_unread(&self.app, unread);
                }
            }
            ChatEvent::ScreenshotRequested if !self.window_focused() => {
                self.notify("Xima Chat", "The agent asked to see your screen.");
            }
            _ => {}
        }
        if let Err(error) = self.app.emit(event_name(&event), &event) {
            tracing::warn!(%error, "could not send an event to the window");
        }
    }
}

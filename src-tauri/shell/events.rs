//! Forwards the core's events to the window, one Tauri event name per kind.

use tauri::{AppHandle, Emitter};
use xima_chat_core::{ChatEvent, EventSink};

/// The Tauri event name for each kind; `ui/js/ipc.js` listens to these.
pub fn event_name(event: &ChatEvent) -> &'static str {
    match event {
        ChatEvent::State { .. } => "chat:state",
        ChatEvent::Entry { .. } => "chat:entry",
        ChatEvent::AgentTyping { .. } => "chat:agent-typing",
        ChatEvent::ScreenshotRequested => "chat:screenshot-requested",
        ChatEvent::Link { .. } => "chat:link",
    }
}

pub struct WindowEvents {
    app: AppHandle,
}

impl WindowEvents {
    pub fn new(app: AppHandle) -> Self {
        Self { app }
    }
}

impl EventSink for WindowEvents {
    fn emit(&self, event: ChatEvent) {
        if let Err(error) = self.app.emit(event_name(&event), &event) {
            tracing::warn!(%error, "could not send an event to the window");
        }
    }
}

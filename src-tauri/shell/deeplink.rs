//! `xima-chat://start?…` deep links and `xima-chat [start] --field …`, from the first
//! launch's command line, a second launch (forwarded by the single-instance plugin) or
//! the OS (macOS hands links over as events). It waits in the app state until the window
//! takes it, so one that arrives before the page has loaded is not lost.

use tauri::{AppHandle, Emitter, Manager};
use xima_chat_core::deeplink::{self, ChatLink, LinkError};

use crate::app_state::AppState;

/// Tells the window a deep link is waiting; it answers with `take_deep_link`.
pub const DEEP_LINK_EVENT: &str = "app:deep-link";

/// A link as the OS or a browser hands it over; one that is not ours is logged and
/// dropped.
pub fn open_link(app: &AppHandle, raw: &str) {
    hand_over(app, Some(deeplink::parse(raw)));
}

/// What a launch's arguments asked for ([`crate::cli::chat_request`]), to the window.
pub fn hand_over(app: &AppHandle, asked: Option<Result<ChatLink, LinkError>>) {
    match asked {
        Some(Ok(link)) => open(app, link),
        Some(Err(error)) => tracing::warn!(%error, "ignoring a deep link"),
        None => {}
    }
}

/// Hands what a link or the command line asked for to the window.
pub fn open(app: &AppHandle, link: ChatLink) {
    let Some(state) = app.try_state::<AppState>() else { return };
    if state.kiosk().enabled {
        // A kiosk's skill and fields are fixed, and its customers start their own chats:
        // neither a link nor a script changes or starts one.
        tracing::info!("kiosk mode: ignoring a chat link");
        return;
    }
    tracing::info!(skill = ?link.skill, fields = link.fields.len(), start = ?link.start, "chat link received");
    state.set_pending_deep_link(link);
    if let Err(error) = app.emit(DEEP_LINK_EVENT, ()) {
        tracing::warn!(%error, "could not tell the window about a deep link");
    }
}

/// Deep links the OS hands to the running app (macOS sends them as events, not
/// arguments).
pub fn listen(app: &AppHandle) {
    use tauri_plugin_deep_link::DeepLinkExt;
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            open_link(&handle, url.as_str());
        }
    });
}

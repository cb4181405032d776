//! `xima-chat://start?…` deep links, from the first launch's command line, a second
//! launch (forwarded by the single-instance plugin) or the OS (macOS hands them over as
//! events). The deep link waits in the app state until the window takes it, so one that
//! arrives before the page has loaded is not lost.

use tauri::{AppHandle, Emitter, Manager};
use xima_chat_core::deeplink;

use crate::app_state::AppState;

/// Tells the window a deep link is waiting; it answers with `take_deep_link`.
pub const DEEP_LINK_EVENT: &str = "app:deep-link";

pub fn open(app: &AppHandle, raw: &str) {
    let link = match deeplink::parse(raw) {
        Ok(link) => link,
        Err(error) => {
            tracing::warn!(%error, "ignoring a deep link");
            return;
        }
    };
    let Some(state) = app.try_state::<AppState>() else { return };
    if state.kiosk().enabled {
        // A kiosk's skill and fields are fixed; a deep link must not change them.
        tracing::info!("kiosk mode: ignoring a chat link");
        return;
    }
    tracing::info!(skill = ?link.skill, "chat link received");
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
            open(&handle, url.as_str());
        }
    });
}

/// The deep links among a launch's arguments (the program name comes first).
pub fn in_arguments(args: &[String]) -> impl Iterator<Item = &str> {
    args.iter().map(String::as_str).filter(|arg| deeplink::is_chat_link(arg))
}

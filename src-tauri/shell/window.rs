//! The one chat window: bringing it to the front, and what closing it means.

use tauri::{AppHandle, Manager, WebviewWindow, WindowEvent};

use crate::app_state::AppState;
use crate::tray;

pub const MAIN: &str = "main";

/// Shows, restores and focuses the window: a second launch, a deep link or the tray.
pub fn bring_to_front(app: &AppHandle) {
    let Some(window) = app.get_webview_window(MAIN) else { return };
    let shown = window
        .show()
        .and_then(|()| window.unminimize())
        .and_then(|()| window.set_focus());
    if let Err(error) = shown {
        tracing::warn!(%error, "could not bring the chat window to the front");
    }
}

/// A kiosk's window cannot be closed by the customer; a live chat's window closes to
/// the tray (the chat goes on, with notifications); otherwise closing quits.
pub fn on_close_requested(window: &WebviewWindow, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else { return };
    let app = window.app_handle();
    let Some(state) = app.try_state::<AppState>() else { return };
    if state.kiosk().enabled {
        api.prevent_close();
        return;
    }
    let live = state.chat().is_ok_and(|chat| chat.state().is_live());
    if live && tray::is_installed(app) {
        api.prevent_close();
        if let Err(error) = window.hide() {
            tracing::warn!(%error, "could not hide the chat window");
        }
    }
}

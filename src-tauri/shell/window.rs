//! The one chat window: bringing it to the front, remembering where it was, and what
//! closing it means.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tauri::{AppHandle, Manager, WebviewWindow, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

use crate::app_state::AppState;
use crate::attention::Attention;
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

/// Follows the window's focus (for unread counts), place (to remember it) and close
/// requests.
pub fn watch(window: &WebviewWindow, attention: Arc<Attention>, remember_place: bool) {
    let (app, closing) = (window.app_handle().clone(), window.clone());
    let geometry = remember_place.then(GeometrySaver::default);
    window.on_window_event(move |event| {
        if let Some(geometry) = &geometry {
            geometry.on_window_event(&app, event);
        }
        if let WindowEvent::Focused(now) = event {
            if let Some(unread) = attention.focus_changed(*now) {
                tray::show_unread(&app, unread);
            }
        }
        on_close_requested(&closing, event);
    });
}

/// A kiosk's window cannot be closed by the customer; a live chat's window closes to
/// the tray (the chat goes on, with notifications); otherwise closing quits.
fn on_close_requested(window: &WebviewWindow, event: &WindowEvent) {
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

pub const REMEMBERED: StateFlags = StateFlags::SIZE.union(StateFlags::POSITION).union(StateFlags::MAXIMIZED);

/// Saves the window's size and place shortly after it stops moving. The window-state
/// plugin alone saves only on a clean exit, which a logout or a killed app never has.
#[derive(Clone, Default)]
pub struct GeometrySaver {
    moves: Arc<AtomicU64>,
}

impl GeometrySaver {
    const SETTLE: Duration = Duration::from_millis(500);

    pub fn on_window_event(&self, app: &AppHandle, event: &WindowEvent) {
        if !matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
            return;
        }
        let this_move = self.moves.fetch_add(1, Ordering::Relaxed) + 1;
        let (moves, app) = (self.moves.clone(), app.clone());
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(Self::SETTLE).await;
            if moves.load(Ordering::Relaxed) == this_move {
                if let Err(error) = app.save_window_state(REMEMBERED) {
                    tracing::debug!(%error, "could not save the window's place");
                }
            }
        });
    }
}

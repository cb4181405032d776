//! The one chat window: bringing it to the front, remembering where it was, and what
//! closing it means.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tauri::utils::config::WindowConfig;
use tauri::{AppHandle, LogicalPosition, Manager, Webview, WebviewBuilder, WebviewWindow, WebviewWindowBuilder};
use tauri::{Window, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

use crate::app_state::AppState;
use crate::attention::Attention;
use crate::navigation;
use crate::owned_task::OwnedTask;
use crate::tray_host::TrayHost;

pub const MAIN: &str = "main";

/// The builder calls every page of the window gets, whether it is the first (a
/// [`WebviewWindowBuilder`]) or one that renews it (a [`WebviewBuilder`], page_renewal.rs):
/// locked to the app's own pages, and reading `language` (the setting, if any) before
/// its first word is shown.
macro_rules! locked_page {
    ($builder:expr, $language:expr) => {
        $builder
            .initialization_script(language_script($language))
            .on_navigation(navigation::allow_navigation)
            .on_new_window(navigation::refuse_new_window)
            // Web inspector in development builds only: on a kiosk it is a way out.
            .devtools(cfg!(debug_assertions))
            // WebView2 offers to fill the form with the last customer's name and email.
            .general_autofill_enabled(false)
    };
}

/// The window as `tauri.conf.json` describes it, under `label`.
fn described(app: &AppHandle, label: &str) -> tauri::Result<WindowConfig> {
    let described = app.config().app.windows.iter().find(|window| window.label == MAIN).cloned();
    let Some(mut described) = described else {
        return Err(tauri::Error::WindowNotFound);
    };
    described.label = label.to_owned();
    Ok(described)
}

/// Builds the window `tauri.conf.json` describes (it is not created from there: only a
/// window built here gets the navigation guard), with its first page.
pub fn create(app: &AppHandle, language: Option<&str>) -> tauri::Result<WebviewWindow> {
    let window = locked_page!(WebviewWindowBuilder::from_config(app, &described(app, MAIN)?)?, language).build()?;
    #[cfg(windows)]
    windows_webview::lock_down(window.as_ref());
    Ok(window)
}

/// A new page for the window, under `label`, hidden until it has drawn itself: it
/// covers the window and follows its size, as the first one does.
pub fn add_page(window: &Window, label: &str, language: Option<&str>) -> tauri::Result<Webview> {
    let builder = locked_page!(WebviewBuilder::from_config(&described(window.app_handle(), label)?), language);
    let page = window.add_child(builder.auto_resize(), LogicalPosition::new(0, 0), window.inner_size()?)?;
    // Created and hidden in one turn of the main loop (the caller's): no frame is drawn
    // with the window split between two pages.
    page.hide()?;
    #[cfg(windows)]
    windows_webview::lock_down(&page);
    Ok(page)
}

/// WebView2's browser behaviours a chat window must not have: its own context menu
/// (*Open link in new window*, *Inspect*, *Save as*), and browser keys (Ctrl+P, F5,
/// Ctrl+F, Alt+Left going back). WebKitGTK and WKWebView have neither by default beyond
/// what `ui/js/guard.js` prevents.
#[cfg(windows)]
mod windows_webview {
    use tauri::Webview;
    use webview2_com::Microsoft::Web::WebView2::Win32::ICoreWebView2Settings3;
    use windows_core::Interface;

    pub fn lock_down(page: &Webview) {
        let applied = page.with_webview(|webview| {
            // SAFETY: the controller is a live COM object for as long as this closure
            // runs on the webview's thread, and the setters take plain BOOLs.
            let outcome = unsafe {
                webview.controller().CoreWebView2().and_then(|core| core.Settings()).and_then(|settings| {
                    settings.SetAreDefaultContextMenusEnabled(false)?;
                    settings.SetAreDevToolsEnabled(cfg!(debug_assertions))?;
                    let settings: ICoreWebView2Settings3 = settings.cast()?;
                    settings.SetAreBrowserAcceleratorKeysEnabled(false)
                })
            };
            if let Err(error) = outcome {
                tracing::warn!(%error, "could not lock down WebView2's menus and keys");
            }
        });
        if let Err(error) = applied {
            tracing::warn!(%error, "could not reach WebView2's settings");
        }
    }
}

/// The language setting for `ui/js/i18n.js`, as a JSON string (or null): nothing of the
/// setting can end up as script.
fn language_script(language: Option<&str>) -> String {
    let value = serde_json::to_string(&language).unwrap_or_else(|_| "null".to_owned());
    format!("window.__XIMA_LANGUAGE__ = {value};")
}

/// Shows, restores and focuses the window: a second launch, a deep link or the tray.
pub fn bring_to_front(app: &AppHandle) {
    // The window, not its page: the page may have been renewed (page_renewal.rs).
    let Some(window) = app.get_window(MAIN) else { return };
    let shown = window.show().and_then(|()| window.unminimize()).and_then(|()| window.set_focus());
    if let Err(error) = shown {
        tracing::warn!(%error, "could not bring the chat window to the front");
    }
}

/// What the window does beyond showing the page.
pub struct Behaviour {
    /// A desk user's window comes back where they left it; a kiosk's covers the screen.
    pub remember_place: bool,
    /// The tray the window may close to, when the desktop shows one (a kiosk has none).
    pub tray: Option<Arc<TrayHost>>,
}

/// Follows the window's focus (for unread counts), place (to remember it) and close
/// requests. The place is saved by a [`GeometrySaver`] kept in the app's state.
pub fn watch(window: &WebviewWindow, attention: Arc<Attention>, behaviour: Behaviour) {
    let (app, closing) = (window.app_handle().clone(), window.clone());
    if behaviour.remember_place {
        app.manage(GeometrySaver::default());
    }
    window.on_window_event(move |event| {
        if let Some(geometry) = app.try_state::<GeometrySaver>() {
            geometry.on_window_event(&app, event);
        }
        if let WindowEvent::Focused(now) = event {
            attention.focus_changed(*now);
        }
        // Put away, the window is not being looked at, whether or not the desktop said
        // its focus went (a window that never had it loses none).
        if on_close_requested(&closing, event, behaviour.tray.as_deref()) {
            attention.focus_changed(false);
        }
    });
}

/// A kiosk's window cannot be closed by the customer. A live chat's window closes to the
/// tray where the desktop shows one (the chat goes on, with notifications), and is
/// minimised where it does not: hidden, it could not be brought back. Otherwise closing
/// quits. Returns whether the window was put away.
fn on_close_requested(window: &WebviewWindow, event: &WindowEvent, tray: Option<&TrayHost>) -> bool {
    let WindowEvent::CloseRequested { api, .. } = event else { return false };
    let Some(state) = window.app_handle().try_state::<AppState>() else { return false };
    if state.kiosk().enabled {
        api.prevent_close();
        return false;
    }
    if !state.chat().is_ok_and(|chat| chat.state().is_live()) {
        return false;
    }
    api.prevent_close();
    let outcome = if tray.is_some_and(TrayHost::is_present) {
        window.hide()
    } else {
        tracing::info!("no tray on this desktop: the live chat's window is minimised, not hidden");
        window.minimize()
    };
    match outcome {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "could not put the chat window away");
            false
        }
    }
}

pub const REMEMBERED: StateFlags = StateFlags::SIZE.union(StateFlags::POSITION).union(StateFlags::MAXIMIZED);

/// Saves the window's size and place shortly after it stops moving. The window-state
/// plugin alone saves only on a clean exit, which a logout or a killed app never has.
/// It owns the one pending save: each move replaces (and so cancels) the one before.
#[derive(Default)]
pub struct GeometrySaver {
    pending: Mutex<Option<OwnedTask>>,
}

impl GeometrySaver {
    const SETTLE: Duration = Duration::from_millis(500);

    pub fn on_window_event(&self, app: &AppHandle, event: &WindowEvent) {
        if !matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
            return;
        }
        let app = app.clone();
        let save = OwnedTask::spawn(async move {
            tokio::time::sleep(Self::SETTLE).await;
            if let Err(error) = app.save_window_state(REMEMBERED) {
                tracing::debug!(%error, "could not save the window's place");
            }
        });
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(save);
    }

    /// Drops a save still waiting for the window to settle: at exit the window-state
    /// plugin saves the place itself.
    pub fn cancel(&self) {
        self.pending.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}

#[cfg(test)]
mod tests {
    use super::language_script;

    #[test]
    fn the_language_reaches_the_page_as_a_json_string_never_as_script() {
        assert_eq!(language_script(Some("pt-BR")), r#"window.__XIMA_LANGUAGE__ = "pt-BR";"#);
        assert_eq!(language_script(None), "window.__XIMA_LANGUAGE__ = null;");
        assert_eq!(language_script(Some(r#"x"; alert(1); ""#)), r#"window.__XIMA_LANGUAGE__ = "x\"; alert(1); \"";"#);
    }
}

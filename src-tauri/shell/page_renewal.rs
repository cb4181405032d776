//! The window's page started over in a fresh web process between two chats, when the
//! core's [`PageRenewal`] says so: what the last chat's page allocated goes with its
//! process, and so does anything of the last customer's words still in its heap.
//!
//! The renewal is a new page in the same window, not the old one reloaded: reloaded in
//! place, a page keeps its process (wry's WebKitGTK context does not swap processes on
//! navigation), and ending the process under it (`webkit_web_view_terminate_web_process`)
//! also ends any WebDriver session, so it could not be tested through the real window.
//! A page of its own gets a process of its own on every engine (WebKitGTK, WebView2,
//! WKWebView), with no private call. The new page loads hidden, draws itself from the
//! core (settings, then the snapshot: the core owns the transcript) and says so
//! (`page_ready`); only then is it shown and focused and the old one closed. The window
//! stays where it is, with its focus.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tauri::{Manager, Webview, Window};
use xima_chat_core::{LeftChat, PageRenewal};

use crate::window;

/// A fresh page that has not drawn itself by then never will (it takes a fraction of a
/// second); the next renewal closes it and makes another.
const GIVEN_UP_AFTER: Duration = Duration::from_secs(10);

/// The window's page: what it has carried since it was loaded, and its successor while
/// that one loads.
pub struct WindowPage {
    renewal: Mutex<PageRenewal>,
    pages: Mutex<Pages>,
    /// The language setting the first page was given; its successors get the same.
    language: Option<String>,
}

#[derive(Default)]
struct Pages {
    /// Pages made so far: each renewal's label is the next number.
    made: u32,
    /// The page loading behind the one shown, and since when.
    loading: Option<(String, Instant)>,
}

impl WindowPage {
    pub fn new(language: Option<String>) -> Self {
        Self { renewal: Mutex::default(), pages: Mutex::default(), language }
    }

    /// The customer left a chat for a new one (the core has reset or wiped it). Returns
    /// whether a fresh page is on its way to take the window.
    pub fn chat_left(&self, window: &Window, chat: LeftChat) -> bool {
        let renewal = self.renewal.lock().map(|mut page| page.chat_left(chat));
        let Ok(Some(why)) = renewal else { return false };
        let label = {
            let Ok(mut pages) = self.pages.lock() else { return false };
            match &pages.loading {
                // One is already on its way, and carries nothing either.
                Some((_, since)) if since.elapsed() < GIVEN_UP_AFTER => return true,
                Some((label, _)) => {
                    tracing::warn!(page = %label, "a fresh page never drew itself; it is closed and another made");
                    if let Some(stuck) = window.app_handle().get_webview(label) {
                        if let Err(error) = stuck.close() {
                            tracing::warn!(%error, "could not close the fresh page that never drew itself");
                        }
                    }
                }
                None => {}
            }
            pages.made += 1;
            let label = format!("{}-page-{}", window::MAIN, pages.made);
            pages.loading = Some((label.clone(), Instant::now()));
            label
        };
        tracing::info!(?why, page = %label, "a fresh page for the next chat");
        let (app, language) = (window.app_handle().clone(), self.language.clone());
        let added = app.clone().run_on_main_thread(move || {
            let Some(window) = app.get_window(window::MAIN) else { return };
            if let Err(error) = window::add_page(&window, &label, language.as_deref()) {
                tracing::warn!(%error, "could not make a fresh page; the window keeps the one it has");
                if let Some(page) = app.try_state::<WindowPage>() {
                    page.forget_loading();
                }
            }
        });
        if let Err(error) = added {
            tracing::warn!(%error, "could not make a fresh page; the window keeps the one it has");
            self.forget_loading();
            return false;
        }
        true
    }

    /// A page has drawn itself. The one loading behind takes the window's place: shown
    /// and focused first, then the others closed, in one turn of the main loop.
    pub fn page_ready(&self, page: &Webview) {
        let since = {
            let Ok(mut pages) = self.pages.lock() else { return };
            match &pages.loading {
                Some((label, since)) if label == page.label() => {
                    let since = *since;
                    pages.loading = None;
                    since
                }
                _ => return,
            }
        };
        let (app, label) = (page.app_handle().clone(), page.label().to_owned());
        let swapped = app.clone().run_on_main_thread(move || {
            let Some(page) = app.get_webview(&label) else { return };
            if let Err(error) = page.show().and_then(|()| page.set_focus()) {
                tracing::warn!(%error, "could not show the fresh page");
                return;
            }
            for old in page.window().webviews().into_iter().filter(|old| old.label() != label) {
                if let Err(error) = old.close() {
                    tracing::warn!(%error, page = old.label(), "could not close the last chat's page");
                }
            }
            tracing::info!(ms = since.elapsed().as_millis(), page = %label, "the fresh page took the window");
        });
        if let Err(error) = swapped {
            tracing::warn!(%error, "could not show the fresh page");
        }
    }

    fn forget_loading(&self) {
        if let Ok(mut pages) = self.pages.lock() {
            pages.loading = None;
        }
    }
}

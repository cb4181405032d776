//! The chat window named to the desktop as the parent of the screenshot portal's dialog,
//! so that GNOME's permission question opens over our window (and modal to it) rather
//! than somewhere on the desktop. Under X11 (the app on XWayland) that is the window's
//! id; under Wayland a handle exported through xdg-foreign, valid until unexported,
//! which [`Exported`] does when dropped. A desktop without xdg-foreign, or a window not
//! yet realised, gives no parent: the capture goes on without one.

use tauri::Window;
use xima_chat_core::capture::ParentWindow;

/// The window's name for the portal, and the export to undo when the request is over.
pub struct Exported {
    pub parent: Option<ParentWindow>,
    #[cfg(target_os = "linux")]
    window: Option<Window>,
}

/// How long the compositor may take to hand out a Wayland handle.
#[cfg(target_os = "linux")]
const HANDLE_TIME: std::time::Duration = std::time::Duration::from_secs(1);

#[cfg(target_os = "linux")]
pub async fn export(window: &Window) -> Exported {
    let (tell, told) = tokio::sync::oneshot::channel();
    let on_main = window.clone();
    let posted = window.run_on_main_thread(move || gtk_side::export(&on_main, tell));
    let answer = match posted {
        Ok(()) => tokio::time::timeout(HANDLE_TIME, told).await.ok().and_then(Result::ok),
        Err(error) => {
            tracing::debug!(%error, "the window could not be named to the portal");
            None
        }
    };
    let (parent, exported) = answer.unwrap_or((None, false));
    tracing::debug!(parent = ?parent, "the window named to the screenshot portal");
    Exported { parent, window: exported.then(|| window.clone()) }
}

#[cfg(not(target_os = "linux"))]
pub async fn export(_window: &Window) -> Exported {
    Exported { parent: None }
}

#[cfg(target_os = "linux")]
impl Drop for Exported {
    fn drop(&mut self) {
        let Some(window) = self.window.take() else { return };
        let on_main = window.clone();
        if let Err(error) = window.run_on_main_thread(move || gtk_side::unexport(&on_main)) {
            tracing::debug!(%error, "the window's export could not be undone");
        }
    }
}

/// On GTK's main thread.
#[cfg(target_os = "linux")]
mod gtk_side {
    use std::ffi::{c_char, c_void, CStr};
    use std::sync::Mutex;

    use gtk::glib::prelude::ObjectExt;
    use gtk::glib::translate::ToGlibPtr;
    use gtk::glib::Cast;
    use gtk::prelude::WidgetExt;
    use tauri::Window;
    use tokio::sync::oneshot;
    use xima_chat_core::capture::ParentWindow;

    /// The parent, and whether a Wayland export was started (and must be undone).
    type Answer = (Option<ParentWindow>, bool);

    pub fn export(window: &Window, tell: oneshot::Sender<Answer>) {
        let Some(gdk_window) = window.gtk_window().ok().and_then(|gtk_window| gtk_window.window()) else {
            let _ = tell.send((None, false));
            return;
        };
        if let Some(x11) = gdk_window.downcast_ref::<gdkx11::X11Window>() {
            // An X id is a C unsigned long: 64 bits here, 32 on 32-bit targets.
            #[allow(clippy::useless_conversion)]
            let _ = tell.send((Some(ParentWindow::X11(u64::from(x11.xid()))), false));
            return;
        }
        if gdk_window.type_().name() != "GdkWaylandWindow" {
            let _ = tell.send((None, false));
            return;
        }
        // GTK owns `waiting` from here until it calls `forget` (on unexport); `exported`
        // takes the sender out when the compositor answers.
        let waiting = Box::into_raw(Box::new(Mutex::new(Some(tell)))).cast::<c_void>();
        let raw: *mut gtk::gdk::ffi::GdkWindow = gdk_window.to_glib_none().0;
        // SAFETY: `raw` is a live GdkWaylandWindow (checked above) on GTK's thread; the
        // callbacks match GdkWaylandWindowExported and GDestroyNotify.
        let started = unsafe {
            gdk_wayland_sys::gdk_wayland_window_export_handle(raw.cast(), Some(exported), waiting, Some(forget))
        };
        if started == 0 {
            // Refused before GTK took `waiting` (no xdg-foreign, or already exported):
            // it is still ours to free, and the sender's drop answers "no parent".
            // SAFETY: made by Box::into_raw above and not handed over.
            drop(unsafe { Box::from_raw(waiting.cast::<Mutex<Option<oneshot::Sender<Answer>>>>()) });
            tracing::debug!("the compositor cannot export windows (no xdg-foreign): no portal parent");
        }
    }

    pub fn unexport(window: &Window) {
        let Some(gdk_window) = window.gtk_window().ok().and_then(|gtk_window| gtk_window.window()) else { return };
        if gdk_window.type_().name() == "GdkWaylandWindow" {
            let raw: *mut gtk::gdk::ffi::GdkWindow = gdk_window.to_glib_none().0;
            // SAFETY: a live GdkWaylandWindow on GTK's thread; exported by `export`.
            unsafe { gdk_wayland_sys::gdk_wayland_window_unexport_handle(raw.cast()) };
        }
    }

    unsafe extern "C" fn exported(
        _window: *mut gdk_wayland_sys::GdkWaylandWindow,
        handle: *const c_char,
        waiting: *mut c_void,
    ) {
        if handle.is_null() || waiting.is_null() {
            return;
        }
        // SAFETY: GTK passes back the `waiting` given to it, alive until `forget`, and a
        // NUL-terminated handle.
        let (waiting, handle) =
            unsafe { (&*waiting.cast::<Mutex<Option<oneshot::Sender<Answer>>>>(), CStr::from_ptr(handle)) };
        let tell = waiting.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some(tell) = tell {
            let _ = tell.send((Some(ParentWindow::Wayland(handle.to_string_lossy().into_owned())), true));
        }
    }

    unsafe extern "C" fn forget(waiting: *mut c_void) {
        if !waiting.is_null() {
            // SAFETY: made by Box::into_raw in `export`; GTK calls this once.
            drop(unsafe { Box::from_raw(waiting.cast::<Mutex<Option<oneshot::Sender<Answer>>>>()) });
        }
    }
}

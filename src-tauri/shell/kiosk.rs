//! A kiosk's window covers its screen, without a title bar to drag or close it by.

use tauri::{PhysicalPosition, WebviewWindow};

pub fn take_over_screen(window: &WebviewWindow, fullscreen: bool) {
    if !fullscreen {
        return;
    }
    // Fullscreen is a request to the window manager; a kiosk may run without one (a
    // bare X session), so the window is also sized to its monitor by hand.
    let monitor = window.current_monitor().ok().flatten().or_else(|| window.primary_monitor().ok().flatten());
    let mut outcome = window.set_decorations(false);
    if let Some(monitor) = monitor {
        outcome = outcome
            .and_then(|()| window.set_position(PhysicalPosition::new(monitor.position().x, monitor.position().y)))
            .and_then(|()| window.set_size(*monitor.size()));
    }
    outcome = outcome.and_then(|()| window.set_fullscreen(true));
    if let Err(error) = outcome {
        tracing::warn!(%error, "the kiosk window could not cover the screen");
    }
}

//! "Start at login": the config file is the truth, so the OS entry is brought in line
//! with it at every start (turning it off in the file removes the entry).

use tauri::AppHandle;
use tauri_plugin_autostart::ManagerExt;

pub fn sync(app: &AppHandle, wanted: bool) {
    let launcher = app.autolaunch();
    let outcome = match (wanted, launcher.is_enabled()) {
        (true, Ok(false)) => launcher.enable().map(|()| "enabled"),
        (false, Ok(true)) => launcher.disable().map(|()| "disabled"),
        (_, Ok(_)) => return,
        (_, Err(error)) => Err(error),
    };
    match outcome {
        Ok(change) => tracing::info!(change, "start at login"),
        Err(error) => tracing::warn!(%error, "could not change start at login"),
    }
}

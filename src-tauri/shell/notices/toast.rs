//! Windows toasts and macOS notifications through tauri-plugin-notification. Neither
//! withdraws a notification when its sender lets go, and neither can replace one in
//! place through the plugin, so a folded update is a new notification.

use tauri::AppHandle;
use tauri_plugin_notification::NotificationExt;

pub struct Desktop {
    app: AppHandle,
}

impl Desktop {
    pub fn new(app: AppHandle) -> Self {
        Self { app }
    }

    pub async fn show(
        &mut self,
        summary: &str,
        body: &str,
        _open: &str,
        _replacing: Option<u32>,
    ) -> Result<Option<u32>, tauri_plugin_notification::Error> {
        self.app.notification().builder().title(summary).body(body).show()?;
        Ok(None)
    }
}

//! Whether this desktop shows tray icons at all. On Linux the icon is a
//! StatusNotifierItem, which only appears where a host (a panel's tray) is registered
//! with the `org.kde.StatusNotifierWatcher`; libayatana reports success without one, so on
//! stock GNOME (no AppIndicator extension) closing a live chat's window "to the tray"
//! left the customer with no window and no icon. The watcher is asked at start and asked
//! again whenever a watcher or a host comes or goes. Windows and macOS always have a tray.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::owned_task::OwnedTask;

pub struct TrayHost {
    present: Arc<AtomicBool>,
    /// Whether our icon is on the tray yet: it is built after the window's first page
    /// has loaded (`tray::PendingTray`), or never where the desktop has no tray library.
    our_icon: AtomicBool,
    /// Follows the desktop for as long as this value lives.
    _following: Option<OwnedTask>,
}

impl TrayHost {
    /// Starts following the desktop's tray host (until dropped).
    pub fn follow() -> Self {
        if !cfg!(target_os = "linux") {
            return Self {
                present: Arc::new(AtomicBool::new(true)),
                our_icon: AtomicBool::new(false),
                _following: None,
            };
        }
        let present = Arc::new(AtomicBool::new(false));
        #[cfg(target_os = "linux")]
        let following = Some(OwnedTask::spawn(linux::follow(present.clone())));
        #[cfg(not(target_os = "linux"))]
        let following = None;
        Self { present, our_icon: AtomicBool::new(false), _following: following }
    }

    /// Our icon is on the tray from now on.
    pub fn icon_built(&self) {
        self.our_icon.store(true, Ordering::SeqCst);
    }

    /// Whether a hidden window could be brought back from a tray icon right now.
    pub fn is_present(&self) -> bool {
        self.our_icon.load(Ordering::SeqCst) && self.present.load(Ordering::SeqCst)
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use futures_util::StreamExt;
    use zbus::{Connection, MessageStream};

    const WATCHER: &str = "org.kde.StatusNotifierWatcher";

    /// Signals after which the answer may have changed: a watcher starting or stopping,
    /// and a host registering or leaving (a panel restarting, the extension switched).
    const CHANGES: [&str; 3] = [
        "type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',arg0='org.kde.StatusNotifierWatcher'",
        "type='signal',interface='org.kde.StatusNotifierWatcher',member='StatusNotifierHostRegistered'",
        "type='signal',interface='org.kde.StatusNotifierWatcher',member='StatusNotifierHostUnregistered'",
    ];

    pub async fn follow(present: Arc<AtomicBool>) {
        let connection = match Connection::session().await {
            Ok(connection) => connection,
            Err(error) => {
                tracing::info!(%error, "no session bus: no tray to close the window to");
                return;
            }
        };
        let mut streams = Vec::new();
        for rule in CHANGES {
            match MessageStream::for_match_rule(rule, &connection, Some(16)).await {
                Ok(stream) => streams.push(stream),
                Err(error) => tracing::debug!(%error, rule, "cannot follow the tray host"),
            }
        }
        let mut changes = futures_util::stream::select_all(streams);
        loop {
            let now = host_registered(&connection).await;
            if present.swap(now, Ordering::SeqCst) != now {
                tracing::info!(present = now, "the desktop's tray host changed");
            }
            if changes.next().await.is_none() {
                return;
            }
        }
    }

    /// The watcher's `IsStatusNotifierHostRegistered`; no watcher means no host.
    async fn host_registered(connection: &Connection) -> bool {
        let answer = connection
            .call_method(
                Some(WATCHER),
                "/StatusNotifierWatcher",
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &(WATCHER, "IsStatusNotifierHostRegistered"),
            )
            .await;
        answer
            .ok()
            .and_then(|reply| reply.body().deserialize::<zbus::zvariant::OwnedValue>().ok())
            .and_then(|value| bool::try_from(value).ok())
            .unwrap_or(false)
    }
}

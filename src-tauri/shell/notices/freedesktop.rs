//! `org.freedesktop.Notifications` spoken directly, over one session-bus connection kept
//! for the app's life: GNOME 46 and later withdraw a notification when the connection
//! that sent it closes, so "the agent asked to see your screen" stays up only while
//! its sender does. The notification names the app's desktop entry (so the desktop
//! shows its name and icon and lets the customer silence it) and has a default action:
//! clicking it brings the window to the front.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use tauri::AppHandle;
use zbus::zvariant::Value;
use zbus::{Connection, MessageStream};

use crate::owned_task::OwnedTask;

const SERVICE: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
const ACTIONS: &str = "type='signal',interface='org.freedesktop.Notifications',member='ActionInvoked'";
/// The icon's name where the package installs it (tauri's bundler names it after the binary).
const ICON: &str = "xima-chat";

pub struct Desktop {
    app: AppHandle,
    /// Opened on the first notification, then kept; None until then or while the bus
    /// cannot be reached (tried again on the next one).
    bus: Option<Bus>,
}

struct Bus {
    connection: Connection,
    /// The notifications this app showed: a click on any other is not ours to answer.
    ours: Arc<Mutex<HashSet<u32>>>,
    _clicks: OwnedTask,
}

impl Desktop {
    pub fn new(app: AppHandle) -> Self {
        Self { app, bus: None }
    }

    /// Shows a notification, or replaces `replacing` with it; `open` names its action
    /// (the click that brings the window back). Returns its id.
    pub async fn show(
        &mut self,
        summary: &str,
        body: &str,
        open: &str,
        replacing: Option<u32>,
    ) -> zbus::Result<Option<u32>> {
        let name = self.app.config().product_name.clone().unwrap_or_else(|| "Xima Chat".into());
        let bus = match &self.bus {
            Some(bus) => bus,
            None => self.bus.insert(Bus::open(self.app.clone()).await?),
        };
        let hints: HashMap<&str, Value<'_>> = HashMap::from([
            // The .desktop file's name without its extension: "Xima Chat.desktop".
            ("desktop-entry", Value::from(name.as_str())),
            ("category", Value::from("im.received")),
            ("urgency", Value::U8(1)),
        ]);
        let actions = ["default", open];
        let reply = bus
            .connection
            .call_method(
                Some(SERVICE),
                PATH,
                Some(SERVICE),
                "Notify",
                &(name.as_str(), replacing.unwrap_or(0), ICON, summary, body, &actions[..], hints, -1i32),
            )
            .await;
        let id: u32 = match reply {
            Ok(reply) => reply.body().deserialize()?,
            Err(error) => {
                // The connection may be the thing that broke (the bus restarted): the
                // next notification opens a new one.
                self.bus = None;
                return Err(error);
            }
        };
        bus.ours.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(id);
        tracing::debug!(id, replacing, "desktop notification shown");
        Ok(Some(id))
    }
}

impl Bus {
    async fn open(app: AppHandle) -> zbus::Result<Self> {
        let connection = Connection::session().await?;
        let clicks = MessageStream::for_match_rule(ACTIONS, &connection, Some(16)).await?;
        let ours = Arc::new(Mutex::new(HashSet::new()));
        Ok(Self { connection, ours: ours.clone(), _clicks: OwnedTask::spawn(answer_clicks(clicks, ours, app)) })
    }
}

/// Any action of ours (the default one is a click on the notification's body) brings
/// the window to the front.
async fn answer_clicks(mut clicks: MessageStream, ours: Arc<Mutex<HashSet<u32>>>, app: AppHandle) {
    while let Some(Ok(message)) = clicks.next().await {
        let Ok((id, action)) = message.body().deserialize::<(u32, String)>() else { continue };
        if !ours.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(&id) {
            continue;
        }
        tracing::info!(id, action, "a notification was clicked: bringing the window to the front");
        let handle = app.clone();
        if let Err(error) = app.run_on_main_thread(move || crate::window::bring_to_front(&handle)) {
            tracing::warn!(%error, "could not bring the chat window to the front");
        }
    }
}

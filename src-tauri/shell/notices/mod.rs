//! Desktop notifications for a customer who is looking elsewhere: agent lines, folded
//! by `coalescer` so a burst makes two notifications, and the agent's request to see
//! the screen, which is never folded.
//!
//! The core's event sink only posts here (a channel send); one task owns the desktop's
//! notification service, shows what is due and sleeps until the next is. Clicking a
//! notification brings the window to the front.
//!
//! On Linux the app speaks `org.freedesktop.Notifications` itself (`freedesktop`):
//! GNOME 46 and later take a notification down as soon as the connection that sent it
//! goes away, which is what a connection per notification (tauri-plugin-notification's
//! way) does. Elsewhere the notification plugin shows them (`toast`).

mod coalescer;
#[cfg(target_os = "linux")]
mod freedesktop;
#[cfg(not(target_os = "linux"))]
mod toast;

use std::time::Duration;

use tauri::AppHandle;
use tokio::sync::mpsc;
use tokio::time::Instant;
use xima_chat_core::{notification_body, notification_title, Words};

use self::coalescer::{Coalescer, Notice};
#[cfg(target_os = "linux")]
use self::freedesktop::Desktop;
#[cfg(not(target_os = "linux"))]
use self::toast::Desktop;
use crate::owned_task::OwnedTask;
use crate::words::SharedWords;

/// At most one notification per chat this often; what arrives meanwhile updates it.
const GAP: Duration = Duration::from_secs(4);

/// What the notifications task is told: by the event forwarder and the window.
enum Cue {
    AgentLine { name: String, text: String, unread: u32 },
    ScreenAsked,
    Seen,
    NewChat,
}

pub struct Notices {
    cues: mpsc::UnboundedSender<Cue>,
    _showing: OwnedTask,
}

impl Notices {
    /// Starts showing notifications (until dropped), worded as `words_in_use` says when each
    /// is shown; a click on one calls `window::bring_to_front`.
    pub fn start(app: AppHandle, words_in_use: SharedWords) -> Self {
        let (cues, cued) = mpsc::unbounded_channel();
        Self { cues, _showing: OwnedTask::spawn(run(cued, Desktop::new(app), words_in_use)) }
    }

    /// An agent line the customer has not seen, the `unread`th (the attention's count).
    pub fn agent_line(&self, name: &str, text: &str, unread: u32) {
        self.send(Cue::AgentLine { name: name.to_owned(), text: text.to_owned(), unread });
    }

    pub fn screen_asked(&self) {
        self.send(Cue::ScreenAsked);
    }

    /// The customer is looking at the window.
    pub fn seen(&self) {
        self.send(Cue::Seen);
    }

    /// A new chat's notifications neither replace nor count the last one's.
    pub fn new_chat(&self) {
        self.send(Cue::NewChat);
    }

    fn send(&self, cue: Cue) {
        // Fails only once the app is quitting and the task is gone.
        let _ = self.cues.send(cue);
    }
}

async fn run(mut cues: mpsc::UnboundedReceiver<Cue>, mut desktop: Desktop, words_in_use: SharedWords) {
    let mut chat = Coalescer::new(GAP);
    // The notifications shown for this chat, replaced in place by the next of their kind.
    let mut chat_shown: Option<u32> = None;
    let mut screen_shown: Option<u32> = None;
    loop {
        let due = chat.due_at().map(Instant::from_std);
        let cue = tokio::select! {
            cue = cues.recv() => match cue {
                Some(cue) => Some(cue),
                None => return,
            },
            () = sleep_until(due) => None,
        };
        match cue {
            Some(Cue::AgentLine { name, text, unread }) => chat.agent_line(&name, &text, unread),
            Some(Cue::Seen) => chat.seen(),
            Some(Cue::NewChat) => {
                chat = Coalescer::new(GAP);
                chat_shown = None;
                screen_shown = None;
            }
            Some(Cue::ScreenAsked) => {
                let words = words_in_use.current();
                screen_shown = show(&mut desktop, Notice::screen_asked(&words), &words, screen_shown).await;
            }
            None => {}
        }
        let words = words_in_use.current();
        if let Some(notice) = chat.take_due(std::time::Instant::now(), &words) {
            chat_shown = show(&mut desktop, notice, &words, chat_shown).await;
        }
    }
}

/// Every notification, the app's own wording too, goes through the core's notification
/// text: servers that read markup must see none of the agent's.
async fn show(desktop: &mut Desktop, notice: Notice, words: &Words, replacing: Option<u32>) -> Option<u32> {
    let (summary, body) = (notification_title(&notice.summary), notification_body(&notice.body));
    let open = words.say("openChat", &[], || "Open chat".into());
    match desktop.show(&summary, &body, &open, replacing).await {
        Ok(id) => id.or(replacing),
        Err(error) => {
            // A desktop without a notification service is not worth more than a line.
            tracing::debug!(%error, "no desktop notification shown");
            replacing
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

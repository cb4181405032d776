//! The customer's chat: [`Chat`], the API the shell uses.
//!
//! All state sits behind one mutex that is never held across an await: network calls
//! happen outside it, and their results are applied afterwards, only to the chat that
//! asked for them ([`live`]'s stamps). What one open chat owns is one value, `Live`.
//! How a chat begins is [`opening`], what the customer sends [`sending`], applying
//! server messages [`inbound`], and the screenshot consent flow [`screenshot`].

mod closing;
mod inbound;
mod live;
mod opening;
mod screenshot;
mod sending;
mod stamp;
mod waking;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;

use crate::chat::events::{ChatEvent, EventBatcher, EventSink};
use crate::chat::export::ExportFormat;
use crate::chat::lifecycle::{EndReason, SessionState};
use crate::chat::page_renewal::LeftChat;
use crate::chat::store::SessionStore;
use crate::chat::transcript::{now_millis, Entry, Transcript};
use crate::config::AppConfig;
use crate::error::ChatError;
use crate::network::Network;
use crate::text::words::Words;
use crate::wire::cloud::{CloudClient, CloudError, CloudOptions};
use crate::wire::inbox::InboxOptions;
use crate::wire::protocol::SessionId;
use crate::wire::wire_log::WireLog;
use live::Live;
pub use screenshot::ScreenshotPreview;

/// The longest message the customer may send; agents' consoles are not built for books.
pub const MAX_MESSAGE_CHARS: usize = 4000;

#[derive(Debug, Clone)]
pub struct ChatSettings {
    pub installation_id: String,
    /// The spec asks for `still-here` every 30 seconds.
    pub keepalive_every: Duration,
    /// How old SQS credentials may get before they are fetched again.
    pub credentials_refresh: Duration,
    pub inbox: InboxOptions,
    /// An unanswered screenshot request is declined after this long.
    pub screenshot_consent_timeout: Duration,
    /// Time that passed without the app (a sleep, a stop) beyond this is a waking.
    pub wake_gap: Duration,
}

impl ChatSettings {
    pub fn new(installation_id: impl Into<String>) -> Self {
        Self {
            installation_id: installation_id.into(),
            keepalive_every: Duration::from_secs(30),
            credentials_refresh: Duration::from_secs(300),
            inbox: InboxOptions::default(),
            screenshot_consent_timeout: Duration::from_secs(120),
            wake_gap: Duration::from_secs(10),
        }
    }
}

/// Everything the UI needs to draw itself from scratch.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatSnapshot {
    pub state: SessionState,
    pub session_id: Option<SessionId>,
    pub entries: Vec<Entry>,
    pub agent_typing: bool,
    pub connected: bool,
    pub screenshot_pending: bool,
}

struct Inner {
    state: SessionState,
    transcript: Transcript,
    /// The chat on screen, live or just ended; `None` on the form.
    live: Option<Live>,
    /// Chats begun so far: each gets the next number as its generation.
    generations: u64,
    /// Screenshot requests so far, across chats, so a request number is never reused.
    screenshot_requests: u64,
    /// The end of a chat the cloud has not heard yet, being sent again and again.
    closing: Option<closing::Closing>,
}

struct Shared {
    cloud: CloudClient,
    settings: ChatSettings,
    store: SessionStore,
    events: EventBatcher,
    inner: Mutex<Inner>,
}

/// The customer's chat. Cheap to clone; every clone is the same chat.
#[derive(Clone)]
pub struct Chat {
    shared: Arc<Shared>,
}

impl Chat {
    pub fn new(cloud: CloudClient, settings: ChatSettings, store: SessionStore, events: Arc<dyn EventSink>) -> Self {
        Self {
            shared: Arc::new(Shared {
                cloud,
                settings,
                store,
                events: EventBatcher::new(events),
                inner: Mutex::new(Inner {
                    state: SessionState::Idle,
                    transcript: Transcript::default(),
                    live: None,
                    generations: 0,
                    screenshot_requests: 0,
                    closing: None,
                }),
            }),
        }
    }

    /// A chat wired as the app's configuration says.
    pub fn from_config(config: &AppConfig, events: Arc<dyn EventSink>) -> Result<Self, ChatError> {
        let network = Network::new(&config.network_settings()).map_err(CloudError::from)?;
        let options = CloudOptions { network: Some(network), ..CloudOptions::default() };
        let mut cloud = CloudClient::new(&config.base_url, options)?;
        if let Some(path) = &config.wire_log {
            match WireLog::open(path) {
                Ok(log) => cloud = cloud.with_wire_log(Arc::new(log)),
                Err(error) => tracing::warn!(%error, path = %path.display(), "could not open the wire log"),
            }
        }
        let mut settings = ChatSettings::new(config.installation_id.trim());
        settings.keepalive_every = config.keepalive_every();
        settings.credentials_refresh = config.credentials_refresh();
        settings.inbox.endpoint = config.sqs_endpoint.clone();
        let store = SessionStore::new(config.data_dir().map_err(std::io::Error::other)?);
        Ok(Chat::new(cloud, settings, store, events))
    }

    pub fn cloud(&self) -> &CloudClient {
        &self.shared.cloud
    }

    pub fn snapshot(&self) -> ChatSnapshot {
        let inner = self.shared.lock();
        let live = inner.live.as_ref();
        ChatSnapshot {
            state: inner.state.clone(),
            session_id: live.map(|live| live.stamp.id.clone()),
            entries: inner.transcript.entries().to_vec(),
            agent_typing: live.is_some_and(|live| live.agent_typing),
            connected: live.is_none_or(|live| live.connection.up()),
            screenshot_pending: live.is_some_and(|live| live.screenshot.request().is_some()),
        }
    }

    pub fn state(&self) -> SessionState {
        self.shared.lock().state.clone()
    }

    pub fn export_transcript(&self, format: ExportFormat, language: &Words) -> String {
        format.render(&self.shared.lock().transcript, language)
    }

    /// The name the transcript is offered under when the customer saves it.
    pub fn transcript_file_name(&self, format: ExportFormat, language: &Words) -> String {
        format.file_name(&self.shared.lock().transcript, language)
    }

    /// Ends the chat at the customer's request (or cancels a start in flight). Ends
    /// on screen even when the cloud cannot be told: then the end is owed, and sent as
    /// soon as the cloud can hear it (`closing`).
    pub async fn end(&self) -> Result<(), ChatError> {
        let live = self.shared.lock().live_stamp();
        let stamp = match live {
            Ok(stamp) => stamp,
            Err(error) => {
                let cancelled = SessionState::Ended { reason: EndReason::ByUser };
                return match self.shared.set_state_from(&SessionState::Starting, cancelled) {
                    true => Ok(()),
                    false => Err(error),
                };
            }
        };
        let outcome = self.shared.cloud.end().await;
        self.shared.finish(&stamp, EndReason::ByUser, None);
        let outcome = match outcome {
            Err(error) if !error.is_rejection() => {
                tracing::warn!(%error, "could not tell the contact center the chat ended; it is told when it can be");
                self.shared.owe_end(&stamp.id);
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, "the contact center refused the end of the chat");
                Err(error)
            }
            Ok(()) => Ok(()),
        };
        self.shared.stop_tasks().await;
        outcome.map_err(Into::into)
    }

    /// The chat on screen as the page's renewal weighs it, asked before it is reset or
    /// wiped: how many lines its page shows and how long since the last of them.
    pub fn leaving(&self, kiosk: bool) -> LeftChat {
        let inner = self.shared.lock();
        let entries = inner.transcript.entries();
        let idle = LeftChat::idle_since(entries.last().map(|entry| entry.at), now_millis());
        LeftChat { kiosk, lines: entries.len(), idle }
    }

    /// Back to the pre-chat form after an ended chat.
    pub fn reset(&self) -> Result<(), ChatError> {
        self.back_to_idle()
    }

    /// The privacy wipe between two kiosk customers: back to the pre-chat form with
    /// nothing of the last chat left, neither in memory (transcript, session id, a
    /// captured screen) nor on disk (saved session, transcript files) nor in the
    /// cloud client (its cookies).
    pub fn wipe(&self) -> Result<(), ChatError> {
        self.back_to_idle()?;
        self.shared.cloud.forget_cookies();
        self.shared.store.wipe()?;
        tracing::info!("chat data wiped");
        Ok(())
    }

    fn back_to_idle(&self) -> Result<(), ChatError> {
        {
            let mut inner = self.shared.lock();
            if inner.state.is_live() || inner.state == SessionState::Starting {
                return Err(ChatError::AlreadyActive);
            }
            inner.state = SessionState::Idle;
            inner.transcript = Transcript::continuing_after(&inner.transcript);
            if let Some(mut live) = inner.live.take() {
                drop(live.stop());
            }
        }
        self.shared.events.emit(ChatEvent::State { state: SessionState::Idle });
        Ok(())
    }

    /// Stops background work without ending the chat, so the next run can resume it
    /// (or send the end it owes).
    pub async fn shutdown(&self) {
        self.shared.stop_tasks().await;
        let closing = self.shared.lock().closing.take();
        if let Some(closing) = closing {
            let _ = closing.stop().await;
        }
    }

    /// Whether background tasks are running (for tests and diagnostics).
    pub fn has_running_tasks(&self) -> bool {
        self.shared.lock().live.as_ref().is_some_and(Live::has_running_tasks)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep going with it.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Moves from `from` to `to`, if the state is still `from`; says whether it did.
    fn set_state_from(&self, from: &SessionState, to: SessionState) -> bool {
        {
            let mut inner = self.lock();
            if inner.state != *from {
                return false;
            }
            inner.state = to.clone();
        }
        self.events.emit(ChatEvent::State { state: to });
        true
    }

    /// Appends to the saved transcript and tells the UI. A disk failure is logged: the
    /// chat itself must go on.
    fn record(&self, session: &SessionId, entry: &Entry) {
        if let Err(error) = self.store.append_entry(session, entry) {
            tracing::error!(%error, "could not save a transcript entry");
        }
        self.events.emit(ChatEvent::Entry { entry: entry.clone() });
    }

    /// Stops the on-screen chat's tasks (if still running) and waits for them, so none
    /// outlives the chat.
    async fn stop_tasks(&self) {
        let handles = self.lock().live.as_mut().map(Live::stop).unwrap_or_default();
        for handle in handles {
            let _ = handle.await;
        }
    }
}

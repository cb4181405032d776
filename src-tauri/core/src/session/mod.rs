//! The customer's chat: [`Chat`], the API the shell uses.
//!
//! All state sits behind one mutex that is never held across an await: network calls
//! happen outside it, and their results are applied afterwards, only to the chat that
//! asked for them ([`live`]'s stamps). What one open chat owns is one value, `Live`;
//! applying server messages is [`inbound`], the consent flow is [`screenshot`].

mod inbound;
mod live;
mod screenshot;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;

use crate::cloud::{CloudClient, CloudError, CloudOptions};
use crate::config::AppConfig;
use crate::error::ChatError;
use crate::events::{ChatEvent, EventSink};
use crate::export::ExportFormat;
use crate::inbox::InboxOptions;
use crate::lifecycle::{Agent, EndReason, SessionState};
use crate::protocol::{Availability, ChatSession, SessionId, StartRequest};
use crate::store::SessionStore;
use crate::transcript::{Author, Delivery, Entry, Transcript};
use crate::wire_log::WireLog;
use live::{Live, Stamp};
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
}

impl ChatSettings {
    pub fn new(installation_id: impl Into<String>) -> Self {
        Self {
            installation_id: installation_id.into(),
            keepalive_every: Duration::from_secs(30),
            credentials_refresh: Duration::from_secs(300),
            inbox: InboxOptions::default(),
            screenshot_consent_timeout: Duration::from_secs(120),
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
}

struct Shared {
    cloud: CloudClient,
    settings: ChatSettings,
    store: SessionStore,
    events: Arc<dyn EventSink>,
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
                events,
                inner: Mutex::new(Inner {
                    state: SessionState::Idle,
                    transcript: Transcript::default(),
                    live: None,
                    generations: 0,
                    screenshot_requests: 0,
                }),
            }),
        }
    }

    /// A chat wired as the app's configuration says.
    pub fn from_config(config: &AppConfig, events: Arc<dyn EventSink>) -> Result<Self, CloudError> {
        let mut cloud = CloudClient::new(&config.base_url, CloudOptions::default())?;
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
        Ok(Chat::new(cloud, settings, SessionStore::new(config.data_dir()), events))
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

    pub fn export_transcript(&self, format: ExportFormat) -> String {
        format.render(&self.shared.lock().transcript)
    }

    /// At start-up: picks up a session saved by an earlier run if the cloud still has it
    /// and the customer has not started another chat meanwhile. Returns whether it did.
    /// A network failure keeps the saved session so a later call can try again.
    pub async fn resume(&self) -> Result<bool, ChatError> {
        let Some(saved) = self.shared.store.load_current()? else {
            return Ok(false);
        };
        if saved.installation_id != self.shared.settings.installation_id {
            tracing::info!("saved session belongs to another installation; not resuming");
            self.shared.store.clear_current()?;
            return Ok(false);
        }
        if let Some(cookies) = &saved.cookies {
            self.shared.cloud.restore_session_cookies(cookies);
        }
        let Some(session) = self.shared.cloud.check_session(&saved.session_id).await? else {
            tracing::info!("saved session has ended in the cloud");
            // Only if it is still the saved one: a chat started meanwhile saved its own.
            if self.shared.store.load_current()?.is_some_and(|now| now.session_id == saved.session_id) {
                self.shared.store.clear_current()?;
            }
            return Ok(false);
        };
        self.shared.store.remember_session_shape(session.shape);
        let transcript = self.shared.store.load_transcript(&saved.session_id)?;
        let state = resumed_state(&session, saved.state);
        let resumed = self.shared.begin(&SessionState::Idle, session, state, Some(transcript));
        if resumed {
            tracing::info!("resumed the saved session");
        } else {
            tracing::info!("a chat was started while the saved one was checked; not resuming");
        }
        Ok(resumed)
    }

    /// Enters the queue. Fails without side effects if the cloud refuses.
    pub async fn start(&self, request: StartRequest) -> Result<(), ChatError> {
        request.validate()?;
        {
            let mut inner = self.shared.lock();
            if inner.state.is_live() || inner.state == SessionState::Starting {
                return Err(ChatError::AlreadyActive);
            }
            inner.state = SessionState::Starting;
        }
        self.shared.events.emit(ChatEvent::State {
            state: SessionState::Starting,
        });
        self.shared.join_finished_tasks().await;
        match self.shared.cloud.start(&request).await {
            Ok(session) => {
                self.shared.store.remember_session_shape(session.shape);
                let details = &session.session_details;
                let state = match details.agent.as_deref() {
                    Some(agent) => SessionState::Chatting {
                        agent: Agent::from_wire(Some(agent), details.agent_image.as_deref()),
                    },
                    None => SessionState::Queued { estimated_wait: None },
                };
                if self.shared.begin(&SessionState::Starting, session, state, None) {
                    return Ok(());
                }
                // The customer cancelled while the cloud was answering: close what it opened.
                if let Err(error) = self.shared.cloud.end().await {
                    tracing::warn!(%error, "could not close a chat cancelled while starting");
                }
                Err(ChatError::Cancelled)
            }
            Err(error) if error.is_rejection() => {
                tracing::warn!(%error, "the contact center refused to start a chat");
                self.shared.set_state_from(&SessionState::Starting, SessionState::Idle);
                Err(error.into())
            }
            Err(error) => {
                // The cloud may have queued a chat whose answer never reached us (a
                // timeout, an answer we could not read): close it, or an agent picks up
                // a chat nobody is in. Its HTTP session cookie, if it set one, finds it.
                tracing::warn!(%error, "could not start a chat; closing whatever the cloud may have opened");
                if let Err(end_error) = self.shared.cloud.end().await {
                    tracing::debug!(%end_error, "nothing to close after the failed start");
                }
                self.shared.set_state_from(&SessionState::Starting, SessionState::Idle);
                Err(ChatError::StartFailed(error))
            }
        }
    }

    /// Whether `skill` has an agent ready. Never an error: a server without the
    /// (undocumented) availability endpoint, a failure or an odd answer is `Unknown`.
    pub async fn availability(&self, skill: &str) -> Availability {
        match self.shared.cloud.queue_status(&self.shared.settings.installation_id).await {
            Ok(Some(status)) => status.for_skill(skill),
            Ok(None) => Availability::Unknown,
            Err(error) => {
                tracing::debug!(%error, "agent availability unknown");
                Availability::Unknown
            }
        }
    }

    /// Sends one customer message. The entry shows `sending`, then `sent` or `failed`;
    /// a failed message is only sent again by [`Chat::retry`].
    pub async fn send(&self, text: &str) -> Result<Entry, ChatError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ChatError::InvalidInput("the message is empty".into()));
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            return Err(ChatError::InvalidInput(format!(
                "the message is longer than {MAX_MESSAGE_CHARS} characters"
            )));
        }
        let (stamp, entry) = {
            let mut inner = self.shared.lock();
            let stamp = inner.live_stamp()?;
            let entry = inner.transcript.append(Author::Customer, text, Some(Delivery::Sending));
            (stamp, entry)
        };
        self.shared.record(&stamp.id, &entry);
        self.deliver(stamp, entry).await
    }

    /// Sends a failed message again, at the customer's request.
    pub async fn retry(&self, entry_id: u64) -> Result<Entry, ChatError> {
        let (stamp, entry) = {
            let mut inner = self.shared.lock();
            let stamp = inner.live_stamp()?;
            match inner.transcript.get(entry_id) {
                Some(Entry {
                    author: Author::Customer,
                    delivery: Some(Delivery::Failed { .. }),
                    ..
                }) => {}
                Some(_) => return Err(ChatError::InvalidInput("only a failed message can be retried".into())),
                None => return Err(ChatError::UnknownMessage(entry_id)),
            }
            let entry = inner
                .transcript
                .set_delivery(entry_id, Delivery::Sending)
                .ok_or(ChatError::UnknownMessage(entry_id))?;
            (stamp, entry)
        };
        self.shared.record(&stamp.id, &entry);
        self.deliver(stamp, entry).await
    }

    async fn deliver(&self, stamp: Stamp, entry: Entry) -> Result<Entry, ChatError> {
        let outcome = self.shared.cloud.send_text(&stamp.id, &entry.text).await;
        let delivery = match &outcome {
            Ok(()) => Delivery::Sent,
            Err(error) => Delivery::Failed {
                reason: error.to_string(),
            },
        };
        let updated = {
            let mut inner = self.shared.lock();
            // After a wipe or a new chat, the entry is not ours to mark any more.
            match inner.current(&stamp) {
                Some(_) => inner.transcript.set_delivery(entry.id, delivery),
                None => None,
            }
        };
        if let Some(updated) = &updated {
            self.shared.record(&stamp.id, updated);
        }
        match outcome {
            Ok(()) => Ok(updated.unwrap_or(entry)),
            Err(error) => {
                tracing::warn!(%error, "message not delivered");
                Err(error.into())
            }
        }
    }

    /// Tells the agent whether the customer is typing. Repeats of the same state are
    /// not sent, so the UI may call this on every keystroke.
    pub async fn set_typing(&self, typing: bool) -> Result<(), ChatError> {
        let stamp = {
            let mut inner = self.shared.lock();
            let stamp = inner.live_stamp()?;
            let Some(live) = inner.current(&stamp) else { return Err(ChatError::NoActiveChat) };
            if live.typing_sent == Some(typing) {
                return Ok(());
            }
            live.typing_sent = Some(typing);
            stamp
        };
        let outcome = self.shared.cloud.typing(&stamp.id, typing).await;
        if outcome.is_err() {
            // Let the next call try again instead of believing the agent knows.
            if let Some(live) = self.shared.lock().current(&stamp) {
                live.typing_sent = None;
            }
        }
        outcome.map_err(Into::into)
    }

    /// The customer focused the message box: the agent sees their messages were read.
    pub async fn focus(&self) -> Result<(), ChatError> {
        let stamp = self.shared.lock().live_stamp()?;
        self.shared.cloud.focus(&stamp.id).await.map_err(Into::into)
    }

    /// Ends the chat at the customer's request (or cancels a start in flight). Ends
    /// locally even when the cloud cannot be told; the cloud then closes it once
    /// `still-here` stops.
    pub async fn end(&self) -> Result<(), ChatError> {
        let live = self.shared.lock().live_stamp();
        let stamp = match live {
            Ok(stamp) => stamp,
            Err(error) => {
                let cancelled = SessionState::Ended {
                    reason: EndReason::ByUser,
                };
                return match self.shared.set_state_from(&SessionState::Starting, cancelled) {
                    true => Ok(()),
                    false => Err(error),
                };
            }
        };
        let outcome = self.shared.cloud.end().await;
        if let Err(error) = &outcome {
            tracing::warn!(%error, "could not tell the contact center the chat ended");
        }
        self.shared.finish(&stamp, EndReason::ByUser);
        self.shared.join_finished_tasks().await;
        outcome.map_err(Into::into)
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
        self.shared.events.emit(ChatEvent::State {
            state: SessionState::Idle,
        });
        Ok(())
    }

    /// Stops background work without ending the chat, so the next run can resume it.
    pub async fn shutdown(&self) {
        let handles = self.shared.lock().live.as_mut().map(Live::stop).unwrap_or_default();
        for handle in handles {
            let _ = handle.await;
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

    /// Waits for the tasks of an ended chat, so none outlives it.
    async fn join_finished_tasks(&self) {
        let handles = self.lock().live.as_mut().map(Live::stop).unwrap_or_default();
        for handle in handles {
            let _ = handle.await;
        }
    }
}

/// What a resumed session looks like: the cloud's agent wins over what we saved.
fn resumed_state(session: &ChatSession, saved: SessionState) -> SessionState {
    let details = &session.session_details;
    match details.agent.as_deref() {
        Some(name) => SessionState::Chatting {
            agent: Agent::from_wire(Some(name), details.agent_image.as_deref()),
        },
        None if saved.is_live() => saved,
        None => SessionState::Queued { estimated_wait: None },
    }
}

//! The chat session: owns the lifecycle, the transcript, and the two background tasks
//! a live session needs (the SQS inbox and the `still-here` keepalive).
//!
//! All state sits behind one mutex that is never held across an await; network calls
//! happen outside it, and their results are applied afterwards. Background tasks have
//! one owner (the live session) and one cancellation token, so ending a chat, starting
//! another or shutting down stops them all.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use serde::Serialize;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::backoff::Backoff;
use crate::capture::{self, CaptureTarget};
use crate::cloud::CloudClient;
use crate::credentials::SqsCredentialSource;
use crate::error::ChatError;
use crate::events::{ChatEvent, EventSink};
use crate::export::ExportFormat;
use crate::inbox::{Dispatch, Inbox, InboxOptions, LinkHealth};
use crate::protocol::{Availability, ChatSession, ScreenshotAnswer, ServerMessage, SessionId, StartRequest};
use crate::state::{Agent, EndReason, SessionState};
use crate::store::{SavedSession, SessionStore};
use crate::transcript::{Author, Delivery, Entry, Transcript};

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
    pub link_up: bool,
    pub screenshot_pending: bool,
}

/// A captured screen the customer is looking at before deciding to send it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScreenshotPreview {
    /// A small PNG `data:` URL of exactly what would be sent.
    pub preview: String,
    pub width: u32,
    pub height: u32,
}

/// Where a TAKE_SCREENSHOT request stands.
#[derive(Debug, Default)]
enum ScreenshotFlow {
    #[default]
    None,
    /// The agent asked; `request` tells one request's timer from the next one's.
    Asked { request: u64 },
    /// Captured and shown to the customer, not sent.
    Previewed { request: u64, png: Vec<u8> },
}

impl ScreenshotFlow {
    fn request(&self) -> Option<u64> {
        match self {
            ScreenshotFlow::None => None,
            ScreenshotFlow::Asked { request } | ScreenshotFlow::Previewed { request, .. } => Some(*request),
        }
    }
}

/// The background work of one live session.
struct Tasks {
    cancel: CancellationToken,
    handles: Vec<JoinHandle<()>>,
}

#[derive(Default)]
struct Links {
    inbox_down: Option<String>,
    keepalive_down: Option<String>,
}

impl Links {
    fn up(&self) -> bool {
        self.inbox_down.is_none() && self.keepalive_down.is_none()
    }
}

struct Inner {
    state: SessionState,
    session: Option<SessionId>,
    transcript: Transcript,
    tasks: Option<Tasks>,
    agent_typing: bool,
    last_typing_sent: Option<bool>,
    links: Links,
    screenshot: ScreenshotFlow,
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
                    session: None,
                    transcript: Transcript::default(),
                    tasks: None,
                    agent_typing: false,
                    last_typing_sent: None,
                    links: Links::default(),
                    screenshot: ScreenshotFlow::None,
                    screenshot_requests: 0,
                }),
            }),
        }
    }

    pub fn cloud(&self) -> &CloudClient {
        &self.shared.cloud
    }

    pub fn settings(&self) -> &ChatSettings {
        &self.shared.settings
    }

    pub fn snapshot(&self) -> ChatSnapshot {
        let inner = self.shared.lock();
        ChatSnapshot {
            state: inner.state.clone(),
            session_id: inner.session.clone(),
            entries: inner.transcript.entries().to_vec(),
            agent_typing: inner.agent_typing,
            link_up: inner.links.up(),
            screenshot_pending: inner.screenshot.request().is_some(),
        }
    }

    pub fn state(&self) -> SessionState {
        self.shared.lock().state.clone()
    }

    pub fn export_transcript(&self, format: ExportFormat) -> String {
        format.render(&self.shared.lock().transcript)
    }

    /// At start-up: picks up a session saved by an earlier run if the cloud still has it.
    /// Returns whether a chat was resumed. A network failure keeps the saved session so
    /// a later call can try again.
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
        match self.shared.cloud.check_session(&saved.session_id).await? {
            None => {
                tracing::info!("saved session has ended in the cloud");
                self.shared.store.clear_current()?;
                Ok(false)
            }
            Some(session) => {
                self.shared.store.remember_session_shape(session.shape);
                let transcript = self.shared.store.load_transcript(&saved.session_id)?;
                let state = resumed_state(&session, saved.state);
                self.shared.begin(session, state, transcript)?;
                tracing::info!("resumed the saved session");
                Ok(true)
            }
        }
    }

    /// Enters the queue. Fails without side effects if the cloud refuses.
    pub async fn start(&self, request: StartRequest) -> Result<(), ChatError> {
        validate_start(&request)?;
        {
            let mut inner = self.shared.lock();
            if inner.state.is_live() || inner.state == SessionState::Starting {
                return Err(ChatError::AlreadyActive);
            }
            inner.state = SessionState::Starting;
            self.shared.events.emit(ChatEvent::State {
                state: SessionState::Starting,
            });
        }
        // Tasks of an ended chat are stopped already; make sure they are gone too.
        self.shared.join_finished_tasks().await;
        match self.shared.cloud.start(&request).await {
            Ok(_) if self.shared.lock().state != SessionState::Starting => {
                // The customer cancelled while the cloud was answering: close what it opened.
                if let Err(error) = self.shared.cloud.end().await {
                    tracing::warn!(%error, "could not close a chat cancelled while starting");
                }
                Err(ChatError::Cancelled)
            }
            Ok(session) => {
                self.shared.store.remember_session_shape(session.shape);
                let state = match session.session_details.agent.as_deref() {
                    Some(agent) => SessionState::Chatting {
                        agent: Agent::from_wire(Some(agent), session.session_details.agent_image.as_deref()),
                    },
                    None => SessionState::Queued { estimated_wait: None },
                };
                self.shared.begin(session, state, Transcript::default())
            }
            Err(error) if error.is_rejection() => {
                tracing::warn!(%error, "the contact center refused to start a chat");
                self.shared.set_state(SessionState::Idle);
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
                self.shared.set_state(SessionState::Idle);
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
        let (session, entry) = {
            let mut inner = self.shared.lock();
            let session = inner.live_session()?;
            let entry = inner.transcript.append(Author::Customer, text, Some(Delivery::Sending));
            (session, entry)
        };
        self.shared.record(&session, &entry);
        self.deliver(session, entry).await
    }

    /// Sends a failed message again, at the customer's request.
    pub async fn retry(&self, entry_id: u64) -> Result<Entry, ChatError> {
        let (session, entry) = {
            let mut inner = self.shared.lock();
            let session = inner.live_session()?;
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
            (session, entry)
        };
        self.shared.record(&session, &entry);
        self.deliver(session, entry).await
    }

    async fn deliver(&self, session: SessionId, entry: Entry) -> Result<Entry, ChatError> {
        let outcome = self.shared.cloud.send_text(&session, &entry.text).await;
        let delivery = match &outcome {
            Ok(()) => Delivery::Sent,
            Err(error) => Delivery::Failed {
                reason: error.to_string(),
            },
        };
        let updated = self.shared.lock().transcript.set_delivery(entry.id, delivery);
        if let Some(updated) = &updated {
            self.shared.record(&session, updated);
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
        let session = {
            let mut inner = self.shared.lock();
            let session = inner.live_session()?;
            if inner.last_typing_sent == Some(typing) {
                return Ok(());
            }
            inner.last_typing_sent = Some(typing);
            session
        };
        let outcome = self.shared.cloud.typing(&session, typing).await;
        if outcome.is_err() {
            // Let the next call try again instead of believing the agent knows.
            self.shared.lock().last_typing_sent = None;
        }
        outcome.map_err(Into::into)
    }

    /// The customer focused the message box: the agent sees their messages were read.
    pub async fn focus(&self) -> Result<(), ChatError> {
        let session = self.shared.lock().live_session()?;
        self.shared.cloud.focus(&session).await.map_err(Into::into)
    }

    /// Captures the screen for the consent dialog (off the async runtime). Nothing is
    /// sent yet. If capturing fails, the agent is told REJECTED and the chat goes on.
    pub async fn capture_screenshot(&self, target: CaptureTarget) -> Result<ScreenshotPreview, ChatError> {
        let request = {
            let inner = self.shared.lock();
            inner.live_session()?;
            inner.screenshot.request().ok_or(ChatError::NoScreenshotRequest)?
        };
        let captured = tokio::task::spawn_blocking(move || {
            let shot = capture::capture(target)?;
            let preview = capture::preview_data_url(&shot.png, 640)?;
            Ok::<_, capture::CaptureError>((shot, preview))
        })
        .await
        .unwrap_or_else(|join| Err(capture::CaptureError::Capture(join.to_string())));
        match captured {
            Ok((shot, preview)) => {
                let mut inner = self.shared.lock();
                if inner.screenshot.request() != Some(request) {
                    return Err(ChatError::NoScreenshotRequest);
                }
                inner.screenshot = ScreenshotFlow::Previewed { request, png: shot.png };
                Ok(ScreenshotPreview {
                    preview,
                    width: shot.width,
                    height: shot.height,
                })
            }
            Err(error) => {
                tracing::warn!(%error, "screen capture failed; declining the request");
                self.shared.decline_screenshot(request, "The screenshot could not be taken.").await;
                Err(error.into())
            }
        }
    }

    /// Answers TAKE_SCREENSHOT: `send` uploads the previewed PNG and notifies ACCEPTED
    /// with its uuid; otherwise REJECTED. A failed upload is reported as REJECTED.
    pub async fn answer_screenshot(&self, send: bool) -> Result<ScreenshotAnswer, ChatError> {
        let (session, flow) = {
            let mut inner = self.shared.lock();
            let session = inner.live_session()?;
            if send && !matches!(inner.screenshot, ScreenshotFlow::Previewed { .. }) {
                return Err(ChatError::NoScreenshotRequest);
            }
            (session, std::mem::take(&mut inner.screenshot))
        };
        let (answer, upload_error) = match flow {
            ScreenshotFlow::Previewed { png, .. } if send => match self.shared.cloud.upload_screenshot(&png).await {
                Ok(uuid) => (ScreenshotAnswer::Accepted { uuid }, None),
                Err(error) => {
                    tracing::warn!(%error, "screenshot upload failed; telling the agent it was not sent");
                    (ScreenshotAnswer::Rejected, Some(error))
                }
            },
            _ => (ScreenshotAnswer::Rejected, None),
        };
        self.shared.cloud.notify_screenshot(&session, &answer).await?;
        let line = match (&answer, &upload_error) {
            (ScreenshotAnswer::Accepted { .. }, _) => "You shared a screenshot.",
            (ScreenshotAnswer::Rejected, None) => "You declined to share a screenshot.",
            (ScreenshotAnswer::Rejected, Some(_)) => "The screenshot could not be sent.",
        };
        self.shared.system_line(&session, line);
        match upload_error {
            Some(error) => Err(error.into()),
            None => Ok(answer),
        }
    }

    /// Ends the chat at the customer's request. Ends locally even when the cloud cannot
    /// be told; the cloud then closes it once `still-here` stops.
    pub async fn end(&self) -> Result<(), ChatError> {
        let live = self.shared.lock().live_session();
        let outcome = match live {
            Ok(_) => self.shared.cloud.end().await,
            Err(_) if self.shared.lock().state == SessionState::Starting => Ok(()),
            Err(error) => return Err(error),
        };
        if let Err(error) = &outcome {
            tracing::warn!(%error, "could not tell the contact center the chat ended");
        }
        self.shared.finish(EndReason::ByUser);
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
        let mut inner = self.shared.lock();
        if inner.state.is_live() || inner.state == SessionState::Starting {
            return Err(ChatError::AlreadyActive);
        }
        inner.state = SessionState::Idle;
        inner.session = None;
        inner.transcript = Transcript::default();
        inner.agent_typing = false;
        inner.last_typing_sent = None;
        inner.screenshot = ScreenshotFlow::None;
        drop(inner);
        self.shared.events.emit(ChatEvent::State {
            state: SessionState::Idle,
        });
        Ok(())
    }

    /// Stops background work without ending the chat, so the next run can resume it.
    pub async fn shutdown(&self) {
        let tasks = self.shared.lock().tasks.take();
        if let Some(tasks) = tasks {
            tasks.cancel.cancel();
            for handle in tasks.handles {
                let _ = handle.await;
            }
        }
    }

    /// Whether background tasks are running (for tests and diagnostics).
    pub fn has_running_tasks(&self) -> bool {
        self.shared
            .lock()
            .tasks
            .as_ref()
            .is_some_and(|tasks| tasks.handles.iter().any(|handle| !handle.is_finished()))
    }
}

impl Inner {
    fn live_session(&self) -> Result<SessionId, ChatError> {
        match (&self.state, &self.session) {
            (state, Some(session)) if state.is_live() => Ok(session.clone()),
            _ => Err(ChatError::NoActiveChat),
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind; keep going with it.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn set_state(&self, state: SessionState) {
        self.lock().state = state.clone();
        self.events.emit(ChatEvent::State { state });
    }

    /// Appends to the saved transcript and tells the UI. A disk failure is logged: the
    /// chat itself must go on.
    fn record(&self, session: &SessionId, entry: &Entry) {
        if let Err(error) = self.store.append_entry(session, entry) {
            tracing::error!(%error, "could not save a transcript entry");
        }
        self.events.emit(ChatEvent::Entry { entry: entry.clone() });
    }

    fn system_line(&self, session: &SessionId, text: &str) {
        let entry = self.lock().transcript.append(Author::System, text, None);
        self.record(session, &entry);
    }

    fn save(&self, session: &SessionId, state: &SessionState) {
        let saved = SavedSession {
            session_id: session.clone(),
            installation_id: self.settings.installation_id.clone(),
            base_url: self.cloud.base_url().to_string(),
            state: state.clone(),
            cookies: self.cloud.session_cookies(),
        };
        if let Err(error) = self.store.save_current(&saved) {
            tracing::error!(%error, "could not save the session for resuming");
        }
    }

    /// Makes `session` the live one and starts its background tasks.
    fn begin(self: &Arc<Self>, session: ChatSession, state: SessionState, transcript: Transcript) -> Result<(), ChatError> {
        let details = session.session_details;
        let id = details.id.clone();
        self.save(&id, &state);
        let cancel = CancellationToken::new();
        {
            let mut inner = self.lock();
            inner.state = state.clone();
            inner.session = Some(id.clone());
            inner.transcript = transcript;
            inner.agent_typing = false;
            inner.last_typing_sent = None;
            inner.links = Links::default();
            inner.screenshot = ScreenshotFlow::None;
            let credentials = SqsCredentialSource::new(
                self.cloud.clone(),
                self.settings.installation_id.clone(),
                self.settings.credentials_refresh,
            );
            let inbox = Inbox::new(
                &details.server_to_client_queue,
                credentials,
                InboxOptions {
                    wire_log: self.cloud.wire_log().cloned(),
                    ..self.settings.inbox.clone()
                },
            );
            let dispatch: Arc<dyn Dispatch> = Arc::new(SessionDispatch {
                shared: Arc::downgrade(self),
                session: id.clone(),
            });
            let handles = vec![
                tokio::spawn(inbox.run(dispatch, cancel.clone())),
                tokio::spawn(keepalive(Arc::downgrade(self), id.clone(), cancel.clone())),
            ];
            inner.tasks = Some(Tasks { cancel, handles });
        }
        self.events.emit(ChatEvent::State { state });
        Ok(())
    }

    /// The chat is over: stop background work, forget the live session, keep the
    /// transcript. Idempotent.
    fn finish(&self, reason: EndReason) {
        let (session, tasks) = {
            let mut inner = self.lock();
            if !(inner.state.is_live() || inner.state == SessionState::Starting) {
                return;
            }
            inner.state = SessionState::Ended { reason };
            inner.agent_typing = false;
            inner.screenshot = ScreenshotFlow::None;
            (inner.session.clone(), inner.tasks.as_ref().map(|tasks| tasks.cancel.clone()))
        };
        if let Some(cancel) = tasks {
            cancel.cancel();
        }
        if let Err(error) = self.store.clear_current() {
            tracing::error!(%error, "could not clear the saved session");
        }
        if let Some(session) = &session {
            self.system_line(session, end_line(reason));
        }
        tracing::info!(?reason, "chat ended");
        self.events.emit(ChatEvent::State {
            state: SessionState::Ended { reason },
        });
    }

    async fn join_finished_tasks(&self) {
        let tasks = {
            let mut inner = self.lock();
            match &inner.tasks {
                Some(tasks) if tasks.cancel.is_cancelled() => inner.tasks.take(),
                _ => None,
            }
        };
        if let Some(tasks) = tasks {
            for handle in tasks.handles {
                let _ = handle.await;
            }
        }
    }

    /// Applies one inbound message of `session` (ignored if that chat is no longer live).
    fn on_message(self: &Arc<Self>, session: &SessionId, message: ServerMessage) {
        let (next, previous) = {
            let inner = self.lock();
            if inner.session.as_ref() != Some(session) || !inner.state.is_live() {
                tracing::debug!(kind = message.kind(), "message for a chat that is not live; ignored");
                return;
            }
            (inner.state.after(&message), inner.state.clone())
        };
        match message {
            ServerMessage::ChatText { text } => {
                let name = match &previous {
                    SessionState::Chatting { agent } => agent.name.clone(),
                    _ => "Agent".to_owned(),
                };
                let entry = {
                    let mut inner = self.lock();
                    inner.agent_typing = false;
                    inner.transcript.append(Author::Agent { name }, text, None)
                };
                self.record(session, &entry);
            }
            ServerMessage::AgentTyping { is_typing } => {
                self.lock().agent_typing = is_typing;
                self.events.emit(ChatEvent::AgentTyping { typing: is_typing });
            }
            ServerMessage::TakeScreenshot => self.screenshot_requested(session),
            ServerMessage::ChatEnded => self.finish(EndReason::ByAgent),
            ServerMessage::ForceClose => self.finish(EndReason::ForceClose),
            ServerMessage::MultimediaDown => self.finish(EndReason::ServerDown),
            ServerMessage::ChatStarted { .. } | ServerMessage::ChatTransferred { .. } => {
                if let Some(SessionState::Chatting { agent }) = &next {
                    let line = match &previous {
                        SessionState::Chatting { agent: before } if before.name != agent.name => {
                            format!("You were transferred to {}.", agent.name)
                        }
                        SessionState::Chatting { .. } => return self.enter(session, next),
                        _ => format!("{} joined the chat.", agent.name),
                    };
                    self.enter(session, next);
                    self.system_line(session, &line);
                }
            }
            ServerMessage::EstimatedWaitTime { .. } => self.enter(session, next),
            ServerMessage::Unknown { .. } => {}
        }
    }

    /// Opens the consent flow and arms its timeout: an unanswered request is declined.
    fn screenshot_requested(self: &Arc<Self>, session: &SessionId) {
        let (request, cancel) = {
            let mut inner = self.lock();
            inner.screenshot_requests += 1;
            let request = inner.screenshot_requests;
            inner.screenshot = ScreenshotFlow::Asked { request };
            (request, inner.tasks.as_ref().map(|tasks| tasks.cancel.clone()))
        };
        self.events.emit(ChatEvent::ScreenshotRequested);
        let Some(cancel) = cancel else { return };
        let timeout = self.settings.screenshot_consent_timeout;
        let shared = Arc::downgrade(self);
        let session = session.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = tokio::time::sleep(timeout) => {
                    if let Some(shared) = shared.upgrade() {
                        tracing::info!(%session, "screenshot request not answered in time; declining");
                        shared.decline_screenshot(request, "The screenshot request timed out.").await;
                    }
                }
            }
        });
    }

    /// Declines request `request` if it is still open, and closes the dialog.
    async fn decline_screenshot(&self, request: u64, line: &str) {
        let session = {
            let mut inner = self.lock();
            if inner.screenshot.request() != Some(request) {
                return;
            }
            inner.screenshot = ScreenshotFlow::None;
            match inner.live_session() {
                Ok(session) => session,
                Err(_) => return,
            }
        };
        self.events.emit(ChatEvent::ScreenshotClosed);
        if let Err(error) = self.cloud.notify_screenshot(&session, &ScreenshotAnswer::Rejected).await {
            tracing::warn!(%error, "could not tell the agent the screenshot was declined");
        }
        self.system_line(&session, line);
    }

    fn enter(&self, session: &SessionId, next: Option<SessionState>) {
        let Some(next) = next else { return };
        {
            let mut inner = self.lock();
            if inner.state == next {
                return;
            }
            inner.state = next.clone();
            if matches!(next, SessionState::Chatting { .. }) {
                inner.agent_typing = false;
            }
        }
        self.save(session, &next);
        self.events.emit(ChatEvent::State { state: next });
    }

    fn link_changed(&self, update: impl FnOnce(&mut Links)) {
        let (was_up, now_up, reason) = {
            let mut inner = self.lock();
            let was_up = inner.links.up();
            update(&mut inner.links);
            let reason = inner
                .links
                .inbox_down
                .clone()
                .or_else(|| inner.links.keepalive_down.clone());
            (was_up, inner.links.up(), reason)
        };
        if !(was_up && now_up) {
            self.events.emit(ChatEvent::Link { up: now_up, reason });
        }
    }
}

fn end_line(reason: EndReason) -> &'static str {
    match reason {
        EndReason::ByAgent => "The agent ended the chat.",
        EndReason::ForceClose => "The connection to the agent was lost. The chat has ended.",
        EndReason::ServerDown => "The contact center is offline. The chat has ended.",
        EndReason::ByUser => "You ended the chat.",
        EndReason::Expired => "The chat is no longer active.",
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

fn validate_start(request: &StartRequest) -> Result<(), ChatError> {
    let missing = |what: &str| Err(ChatError::InvalidInput(format!("{what} is required")));
    if request.installation_id.trim().is_empty() {
        return missing("the installation id");
    }
    if request.name.trim().is_empty() {
        return missing("your name");
    }
    if request.skill.trim().is_empty() {
        return missing("a skill");
    }
    let email = request.email.trim();
    let plausible = email
        .split_once('@')
        .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.') && !domain.ends_with('.'));
    if !plausible {
        return Err(ChatError::InvalidInput("the email address does not look right".into()));
    }
    match &request.auth {
        crate::protocol::StartAuth::ApiKey(key) if key.is_empty() => missing("an API key"),
        crate::protocol::StartAuth::Captcha(token) if token.is_empty() => missing("a captcha token"),
        _ => Ok(()),
    }
}

/// The inbox's view of the session it feeds.
struct SessionDispatch {
    shared: Weak<Shared>,
    session: SessionId,
}

impl Dispatch for SessionDispatch {
    fn deliver(&self, message: ServerMessage) {
        if let Some(shared) = self.shared.upgrade() {
            shared.on_message(&self.session, message);
        }
    }

    fn link(&self, health: LinkHealth) {
        let Some(shared) = self.shared.upgrade() else { return };
        shared.link_changed(|links| {
            links.inbox_down = match health {
                LinkHealth::Up => None,
                LinkHealth::Down { reason, .. } => Some(reason),
            }
        });
    }
}

/// Sends `still-here` at once and then every `keepalive_every` while the session lives
/// (at once, because a resumed chat may have been silent for a while). A refusal is not
/// taken at its word: the resume check decides, and only a session the cloud no longer
/// has ends the chat. A network failure is retried with backoff.
async fn keepalive(shared: Weak<Shared>, session: SessionId, cancel: CancellationToken) {
    let Some(every) = shared.upgrade().map(|shared| shared.settings.keepalive_every) else {
        return;
    };
    let mut backoff = Backoff::new(Duration::from_secs(1), every);
    let mut wait = Duration::ZERO;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        let Some(strong) = shared.upgrade() else { return };
        let cloud = strong.cloud.clone();
        drop(strong);
        let outcome = tokio::select! {
            _ = cancel.cancelled() => return,
            outcome = still_alive(&cloud, &session) => outcome,
        };
        let Some(shared) = shared.upgrade() else { return };
        match outcome {
            Ok(true) => {
                backoff.reset();
                wait = every;
                shared.link_changed(|links| links.keepalive_down = None);
            }
            Ok(false) => {
                tracing::warn!("the contact center no longer has this chat");
                shared.finish(EndReason::Expired);
                return;
            }
            Err(error) => {
                wait = backoff.next_delay().min(every);
                tracing::warn!(%error, ?wait, "still-here failed; trying again");
                shared.link_changed(|links| links.keepalive_down = Some(error.to_string()));
            }
        }
    }
}

/// One keepalive round: `Ok(false)` only when the cloud says the session is gone.
async fn still_alive(cloud: &CloudClient, session: &SessionId) -> Result<bool, crate::cloud::CloudError> {
    match cloud.still_here(session).await {
        Ok(()) => Ok(true),
        Err(refusal) if refusal.is_rejection() => {
            tracing::info!(%refusal, "still-here refused; asking whether the chat still exists");
            Ok(cloud.check_session(session).await?.is_some())
        }
        Err(error) => Err(error),
    }
}

impl Chat {
    /// A chat wired as the app's configuration says.
    pub fn from_config(config: &crate::config::AppConfig, events: Arc<dyn EventSink>) -> Result<Self, crate::cloud::CloudError> {
        let mut cloud = CloudClient::new(&config.base_url, crate::cloud::CloudOptions::default())?;
        if let Some(path) = &config.wire_log {
            match crate::wire_log::WireLog::open(path) {
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
}

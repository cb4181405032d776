//! One chat the cloud has open: everything it owns in one value, [`Live`], made by
//! [`Shared::begin`] and stopped by [`Shared::finish`], and the keepalive it runs.
//!
//! Every chat gets a new *generation*. Work that awaits (a delivery, an upload, a
//! still-here) carries a [`Stamp`] and applies its result only if the stamp still names
//! the chat on screen, so nothing late from an old chat reaches the next one.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::inbound::SessionDispatch;
use super::screenshot::ScreenshotFlow;
use super::{Inner, Shared};
use crate::backoff::Backoff;
use crate::cloud::{CloudClient, CloudError};
use crate::credentials::SqsCredentialSource;
use crate::error::ChatError;
use crate::events::ChatEvent;
use crate::inbox::{Dispatch, Inbox, InboxOptions};
use crate::lifecycle::{EndReason, SessionState};
use crate::protocol::{ChatSession, SessionId};
use crate::store::SavedSession;
use crate::transcript::{SystemLine, Transcript};

/// Which chat a piece of work belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stamp {
    pub id: SessionId,
    pub generation: u64,
}

/// The chat on screen, from `begin` until the form is shown again. Its tasks stop when
/// it ends; the value stays so the ended view still knows its id.
pub(super) struct Live {
    pub stamp: Stamp,
    tasks: Tasks,
    /// What the agent was last told about the customer typing.
    pub typing_sent: Option<bool>,
    pub agent_typing: bool,
    pub connection: Connection,
    pub screenshot: ScreenshotFlow,
}

impl Live {
    /// A child of the chat's cancellation token, for work that must stop with it.
    pub fn child_token(&self) -> CancellationToken {
        self.tasks.cancel.child_token()
    }

    pub fn has_running_tasks(&self) -> bool {
        self.tasks.handles.iter().any(|handle| !handle.is_finished())
    }

    /// Tells the chat's background work to stop; the tasks stay here, so whoever joins
    /// them later (and `has_running_tasks`) sees them until they are done.
    pub fn cancel(&mut self) {
        self.tasks.cancel.cancel();
        self.screenshot = ScreenshotFlow::None;
    }

    /// Stops the chat's background work and hands back the tasks to be awaited.
    pub fn stop(&mut self) -> Vec<JoinHandle<()>> {
        self.cancel();
        std::mem::take(&mut self.tasks.handles)
    }
}

/// The background work of one chat, under one cancellation token.
struct Tasks {
    cancel: CancellationToken,
    handles: Vec<JoinHandle<()>>,
}

/// Whether the chat can reach the cloud: the inbox and the keepalive each report.
#[derive(Debug, Default)]
pub(super) struct Connection {
    pub inbox_down: Option<String>,
    pub keepalive_down: Option<String>,
}

impl Connection {
    pub fn up(&self) -> bool {
        self.inbox_down.is_none() && self.keepalive_down.is_none()
    }
}

impl Inner {
    /// The live chat's stamp, or `NoActiveChat`.
    pub(super) fn live_stamp(&self) -> Result<Stamp, ChatError> {
        match &self.live {
            Some(live) if self.state.is_live() => Ok(live.stamp.clone()),
            _ => Err(ChatError::NoActiveChat),
        }
    }

    /// The chat `stamp` names, if it is still the one on screen (live or ended).
    pub(super) fn current(&mut self, stamp: &Stamp) -> Option<&mut Live> {
        self.live.as_mut().filter(|live| live.stamp == *stamp)
    }
}

impl Shared {
    /// Makes `session` the chat on screen and starts its inbox and keepalive, if the
    /// state is still `expected` (a customer may have started or ended a chat while the
    /// cloud was answering). Returns whether it did; tasks of an earlier chat are stopped.
    pub(super) fn begin(
        self: &Arc<Self>,
        expected: &SessionState,
        session: ChatSession,
        state: SessionState,
        transcript: Option<Transcript>,
    ) -> bool {
        let details = session.session_details;
        let replaced = {
            let mut inner = self.lock();
            if inner.state != *expected {
                return false;
            }
            inner.generations += 1;
            let stamp = Stamp {
                id: details.id.clone(),
                generation: inner.generations,
            };
            let cancel = CancellationToken::new();
            let credentials = SqsCredentialSource::new(
                self.cloud.clone(),
                self.settings.installation_id.clone(),
                self.settings.credentials_refresh,
            );
            // A resumed chat's lines are not shown again when SQS hands out a message
            // whose delete the run before did not get to do.
            let shown: Vec<String> = transcript.iter().flat_map(Transcript::message_ids).collect();
            let inbox = Inbox::new(
                &details.server_to_client_queue,
                credentials,
                InboxOptions {
                    wire_log: self.cloud.wire_log().cloned(),
                    ..self.settings.inbox.clone()
                },
                shown,
            );
            let dispatch: Arc<dyn Dispatch> = Arc::new(SessionDispatch::new(Arc::downgrade(self), stamp.clone()));
            let handles = vec![
                tokio::spawn(inbox.run(dispatch, cancel.clone())),
                tokio::spawn(keepalive(Arc::downgrade(self), stamp.clone(), cancel.clone())),
            ];
            inner.transcript = transcript.unwrap_or_else(|| Transcript::continuing_after(&inner.transcript));
            inner.state = state.clone();
            let replaced = inner.live.replace(Live {
                stamp,
                tasks: Tasks { cancel, handles },
                typing_sent: None,
                agent_typing: false,
                connection: Connection::default(),
                screenshot: ScreenshotFlow::None,
            });
            replaced.map(|mut old| old.stop())
        };
        if let Some(old) = replaced.filter(|handles| !handles.is_empty()) {
            tracing::debug!(tasks = old.len(), "stopped the tasks of the chat before");
        }
        self.save(&details.id, &state);
        self.events.emit(ChatEvent::State { state });
        true
    }

    /// Chat `stamp` is over: its tasks stop, the saved session goes, the transcript
    /// stays. Nothing happens if that chat is no longer the live one.
    pub(super) fn finish(&self, stamp: &Stamp, reason: EndReason) {
        {
            let mut inner = self.lock();
            if !inner.state.is_live() {
                return;
            }
            let Some(live) = inner.current(stamp) else { return };
            live.agent_typing = false;
            live.cancel();
            inner.state = SessionState::Ended { reason };
        }
        if let Err(error) = self.store.clear_current() {
            tracing::error!(%error, "could not clear the saved session");
        }
        self.system_line(stamp, SystemLine::Ended { reason });
        tracing::info!(?reason, "chat ended");
        self.events.emit(ChatEvent::State {
            state: SessionState::Ended { reason },
        });
    }

    /// Saves the session for resuming after a restart, with the cloud's cookies.
    pub(super) fn save(&self, id: &SessionId, state: &SessionState) {
        let saved = SavedSession {
            session_id: id.clone(),
            installation_id: self.settings.installation_id.clone(),
            base_url: self.cloud.base_url().to_string(),
            state: state.clone(),
            cookies: self.cloud.session_cookies(),
        };
        if let Err(error) = self.store.save_current(&saved) {
            tracing::error!(%error, "could not save the session for resuming");
        }
    }

    /// Adds a line of the app's own to chat `stamp`'s transcript, if it is still the one
    /// on screen.
    pub(super) fn system_line(&self, stamp: &Stamp, line: SystemLine) {
        let entry = {
            let mut inner = self.lock();
            if inner.current(stamp).is_none() {
                return;
            }
            inner.transcript.append_line(line)
        };
        self.record(&stamp.id, &entry);
    }

    pub(super) fn connection_changed(&self, stamp: &Stamp, update: impl FnOnce(&mut Connection)) {
        let (was_up, now_up, reason) = {
            let mut inner = self.lock();
            let Some(live) = inner.current(stamp) else { return };
            let was_up = live.connection.up();
            update(&mut live.connection);
            let reason = live.connection.inbox_down.clone().or_else(|| live.connection.keepalive_down.clone());
            (was_up, live.connection.up(), reason)
        };
        if !(was_up && now_up) {
            self.events.emit(ChatEvent::Connection { up: now_up, reason });
        }
    }
}

/// Sends `still-here` at once and then every `keepalive_every` while the chat lives
/// (at once, because a resumed chat may have been silent for a while). A refusal is not
/// taken at its word: the resume check decides, and only a chat the cloud no longer has
/// ends. A network failure is retried with backoff.
async fn keepalive(shared: Weak<Shared>, stamp: Stamp, cancel: CancellationToken) {
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
        let Some(cloud) = shared.upgrade().map(|shared| shared.cloud.clone()) else { return };
        let outcome = tokio::select! {
            _ = cancel.cancelled() => return,
            outcome = still_alive(&cloud, &stamp.id) => outcome,
        };
        let Some(shared) = shared.upgrade() else { return };
        match outcome {
            Ok(true) => {
                backoff.reset();
                wait = every;
                shared.connection_changed(&stamp, |connection| connection.keepalive_down = None);
            }
            Ok(false) => {
                tracing::warn!("the contact center no longer has this chat");
                shared.finish(&stamp, EndReason::Expired);
                return;
            }
            Err(error) => {
                wait = backoff.next_delay().min(every);
                tracing::warn!(%error, ?wait, "still-here failed; trying again");
                shared.connection_changed(&stamp, |connection| connection.keepalive_down = Some(error.to_string()));
            }
        }
    }
}

/// One keepalive round: `Ok(false)` only when the cloud says the chat is gone.
async fn still_alive(cloud: &CloudClient, session: &SessionId) -> Result<bool, CloudError> {
    match cloud.still_here(session).await {
        Ok(()) => Ok(true),
        Err(refusal) if refusal.is_rejection() => {
            tracing::info!(%refusal, "still-here refused; asking whether the chat still exists");
            Ok(cloud.check_session(session).await?.is_some())
        }
        Err(error) => Err(error),
    }
}

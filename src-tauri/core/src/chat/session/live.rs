//! One chat the cloud has open: everything it owns in one value, [`Live`], made by
//! [`Shared::begin`] and stopped by [`Shared::finish`], and the keepalive it runs.
//! Its work is stamped with it ([`Stamp`]), so nothing late reaches the next chat.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::inbound::SessionDispatch;
use super::screenshot::ScreenshotFlow;
use super::sending::{outbox, Outbox};
use super::stamp::Stamp;
use super::waking::watch_the_clocks;
use super::{Inner, Shared};
use crate::chat::events::ChatEvent;
use crate::chat::lifecycle::{EndReason, SessionState};
use crate::chat::store::{SavedQueue, SavedSession};
use crate::chat::transcript::now_millis;
use crate::chat::transcript::{SystemLine, Transcript};
use crate::device::clocks::{ClockMark, Waking};
use crate::error::ChatError;
use crate::wire::backoff::Backoff;
use crate::wire::cloud::{CloudClient, CloudError};
use crate::wire::credentials::SqsCredentialSource;
use crate::wire::inbox::{Dispatch, Inbox, InboxOptions};
use crate::wire::protocol::{ChatSession, SessionId};

/// The chat on screen, from `begin` until the form is shown again. Its tasks stop when
/// it ends; the value stays so the ended view still knows its id.
pub(super) struct Live {
    pub stamp: Stamp,
    /// The serverToClientQueue, saved with the session.
    pub queue: SavedQueue,
    tasks: Tasks,
    /// What the agent was last told about the customer typing.
    pub typing_sent: Option<bool>,
    pub agent_typing: bool,
    pub connection: Connection,
    pub screenshot: ScreenshotFlow,
    pub agents: AgentTimeline,
    pub outbox: Outbox,
    /// Tells the chat's tasks the computer woke.
    pub woke: watch::Sender<Option<Waking>>,
}

/// Who had the chat when: the cloud's SentTimestamp of each agent change read in this
/// run. SQS may hand a message out late (after a receive cut short, say), so a late line
/// is named after the agent who wrote it, and a late CHAT_STARTED does not undo a
/// transfer that came after it.
#[derive(Debug, Default)]
pub(super) struct AgentTimeline(Vec<(u64, String)>);

impl AgentTimeline {
    /// `name` took the chat at `sent`; whether that is the newest change (else it is a
    /// late one, kept only to name the lines of its time).
    pub fn took_over(&mut self, sent: u64, name: &str) -> bool {
        let newest = self.0.last().is_none_or(|(since, _)| *since <= sent);
        let place = self.0.partition_point(|(since, _)| *since <= sent);
        self.0.insert(place, (sent, name.to_owned()));
        newest
    }

    /// The agent who had the chat at `sent`, if a change before then was read.
    pub fn at(&self, sent: u64) -> Option<&str> {
        self.0.iter().rev().find(|(since, _)| *since <= sent).map(|(_, name)| name.as_str())
    }
}

impl Live {
    /// A token for work that must stop when the chat ends (or is cancelled).
    pub fn child_token(&self) -> CancellationToken {
        self.tasks.wind_down.child_token()
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

    /// The chat is over: the keepalive and the screenshot timer stop at once, the inbox
    /// after its last, short read of the queue.
    pub fn wind_down(&mut self) {
        self.tasks.wind_down.cancel();
        self.screenshot = ScreenshotFlow::None;
    }

    /// Stops the chat's background work and hands back the tasks to be awaited.
    pub fn stop(&mut self) -> Vec<JoinHandle<()>> {
        self.cancel();
        std::mem::take(&mut self.tasks.handles)
    }
}

/// The background work of one chat: `cancel` stops it all at once (a quit, a wipe,
/// the next chat); `wind_down`, its child, is the chat ending.
struct Tasks {
    cancel: CancellationToken,
    wind_down: CancellationToken,
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
    /// state is still `expected` and, with `began_before`, no chat has begun since that
    /// count (a customer may have started or ended a chat while the cloud was
    /// answering). Returns whether it did; tasks of an earlier chat are stopped.
    /// With an ended `state` (a saved chat the cloud says is gone) the chat is shown
    /// ended, and its inbox only reads once what the queue still holds: the agent's
    /// last words may be waiting there.
    pub(super) fn begin(
        self: &Arc<Self>,
        expected: &SessionState,
        began_before: Option<u64>,
        session: ChatSession,
        state: SessionState,
        transcript: Option<Transcript>,
    ) -> bool {
        let details = session.session_details;
        let (replaced, ended) = {
            let mut inner = self.lock();
            if inner.state != *expected || began_before.is_some_and(|count| count != inner.generations) {
                return false;
            }
            inner.generations += 1;
            let stamp = Stamp { id: details.id.clone(), generation: inner.generations };
            let cancel = CancellationToken::new();
            let wind_down = cancel.child_token();
            if !state.is_live() {
                wind_down.cancel();
            }
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
                InboxOptions { wire_log: self.cloud.wire_log().cloned(), ..self.settings.inbox.clone() },
                shown,
            );
            let dispatch: Arc<dyn Dispatch> = Arc::new(SessionDispatch::new(Arc::downgrade(self), stamp.clone()));
            let outbox_queue = Outbox::new();
            let (woke, _) = watch::channel(None);
            let inbox = inbox.woken_by(woke.subscribe());
            let mut handles = vec![tokio::spawn(inbox.run(dispatch, cancel.clone(), wind_down.clone()))];
            if state.is_live() {
                handles.extend([
                    tokio::spawn(keepalive(Arc::downgrade(self), stamp.clone(), woke.subscribe(), wind_down.clone())),
                    tokio::spawn(outbox(
                        Arc::downgrade(self),
                        stamp.clone(),
                        outbox_queue.wake.clone(),
                        wind_down.clone(),
                    )),
                    tokio::spawn(watch_the_clocks(
                        Arc::downgrade(self),
                        stamp.clone(),
                        self.settings.wake_gap,
                        wind_down.clone(),
                    )),
                ]);
            }
            inner.transcript = transcript.unwrap_or_else(|| Transcript::continuing_after(&inner.transcript));
            inner.state = state.clone();
            let ended = match &state {
                SessionState::Ended { reason } => {
                    Some(inner.transcript.append_line_at(SystemLine::Ended { reason: *reason }, now_millis()))
                }
                _ => None,
            };
            let queue = SavedQueue {
                url: details.server_to_client_queue.url.clone(),
                arn: details.server_to_client_queue.arn.clone(),
            };
            let replaced = inner.live.replace(Live {
                stamp,
                queue,
                tasks: Tasks { cancel, wind_down, handles },
                typing_sent: None,
                agent_typing: false,
                connection: Connection::default(),
                screenshot: ScreenshotFlow::None,
                agents: AgentTimeline::default(),
                outbox: outbox_queue,
                woke,
            });
            (replaced.map(|mut old| old.stop()), ended)
        };
        if let Some(old) = replaced.filter(|handles| !handles.is_empty()) {
            tracing::debug!(tasks = old.len(), "stopped the tasks of the chat before");
        }
        match ended {
            None => self.save(&details.id, &state),
            Some(line) => {
                if let Err(error) = self.store.clear_current() {
                    tracing::error!(%error, "could not clear the saved session");
                }
                self.record(&details.id, &line);
            }
        }
        self.events.emit(ChatEvent::State { state });
        true
    }

    /// Chat `stamp` is over: its tasks stop, the saved session goes, the transcript
    /// stays. Nothing happens if that chat is no longer the live one.
    /// `sent` is when the cloud said so (CHAT_ENDED's SentTimestamp), or now: a line
    /// the agent sent before then that is read after it takes its place before the
    /// line that says the chat ended.
    pub(super) fn finish(&self, stamp: &Stamp, reason: EndReason, sent: Option<u64>) {
        let (unsent, entry) = {
            let mut inner = self.lock();
            if !inner.state.is_live() {
                return;
            }
            let Some(live) = inner.current(stamp) else { return };
            live.agent_typing = false;
            live.wind_down();
            inner.state = SessionState::Ended { reason };
            let unsent = inner.transcript.waiting_to_failed();
            (unsent, inner.transcript.append_line_at(SystemLine::Ended { reason }, sent.unwrap_or_else(now_millis)))
        };
        if let Err(error) = self.store.clear_current() {
            tracing::error!(%error, "could not clear the saved session");
        }
        for entry in &unsent {
            self.record(&stamp.id, entry);
        }
        self.record(&stamp.id, &entry);
        tracing::info!(?reason, "chat ended");
        self.events.emit(ChatEvent::State { state: SessionState::Ended { reason } });
    }

    /// Saves the session for resuming after a restart, with the cloud's cookies.
    pub(super) fn save(&self, id: &SessionId, state: &SessionState) {
        let queue = self.lock().live.as_ref().filter(|live| live.stamp.id == *id).map(|live| live.queue.clone());
        let saved = SavedSession {
            queue,
            session_id: id.clone(),
            installation_id: self.settings.installation_id.clone(),
            base_url: self.cloud.base_url().to_string(),
            state: state.clone(),
            cookies: self.cloud.session_cookies(),
            end_unsent: false,
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
            let now_up = live.connection.up();
            if now_up && !was_up {
                // What waited for the network goes now rather than at its next retry.
                live.outbox.wake.now.notify_one();
            }
            (was_up, now_up, reason)
        };
        if !(was_up && now_up) {
            self.events.emit(ChatEvent::Connection { up: now_up, reason });
        }
    }
}

/// Sends `still-here` at once and then every `keepalive_every` while the chat lives
/// (at once, because a resumed chat may have been silent for a while), and at once on
/// waking. A refusal is not taken at its word: the resume check decides, and only a
/// chat the cloud no longer has ends. A network failure is retried with backoff.
async fn keepalive(
    shared: Weak<Shared>,
    stamp: Stamp,
    mut woke: watch::Receiver<Option<Waking>>,
    cancel: CancellationToken,
) {
    let Some((every, gap)) = shared.upgrade().map(|shared| (shared.settings.keepalive_every, shared.settings.wake_gap))
    else {
        return;
    };
    let mut backoff = Backoff::new(Duration::from_secs(1), every);
    let mut wait = Duration::ZERO;
    // Woken from a sleep, and not heard from the cloud since: a chat found gone now
    // ended while the computer slept.
    let mut slept = false;
    loop {
        let mark = ClockMark::now();
        tokio::select! {
            _ = cancel.cancelled() => return,
            // Its own wait overran by a sleep: the clock watch may not have said so yet.
            _ = tokio::time::sleep(wait) => slept |= mark.passed() > wait + gap,
            changed = woke.changed() => {
                if changed.is_err() {
                    return;
                }
                slept |= *woke.borrow_and_update() == Some(Waking::Slept);
                backoff.reset();
            }
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
                slept = false;
                shared.connection_changed(&stamp, |connection| connection.keepalive_down = None);
            }
            Ok(false) => {
                tracing::warn!(slept, "the contact center no longer has this chat");
                let reason = if slept { EndReason::WhileAsleep } else { EndReason::Expired };
                shared.finish(&stamp, reason, None);
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

#[cfg(test)]
mod tests {
    use super::AgentTimeline;

    #[test]
    fn a_late_agent_change_names_the_lines_of_its_time_and_changes_nothing_after() {
        let mut agents = AgentTimeline::default();
        assert!(agents.took_over(1_000, "Myles"));
        assert!(agents.took_over(5_000, "Dana"), "a transfer");
        assert!(!agents.took_over(2_000, "Myles"), "CHAT_STARTED handed out again, late");
        assert_eq!(agents.at(1_500), Some("Myles"));
        assert_eq!(agents.at(4_999), Some("Myles"));
        assert_eq!(agents.at(5_000), Some("Dana"));
        assert_eq!(agents.at(999), None);
    }
}

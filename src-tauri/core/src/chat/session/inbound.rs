//! Applying what the serverToClientQueue says to the chat it was read for.

use std::sync::{Arc, Weak};

use super::stamp::Stamp;
use super::Shared;
use crate::chat::events::ChatEvent;
use crate::chat::lifecycle::SessionState;
use crate::chat::transcript::SystemLine;
use crate::wire::inbox::{ConnectionHealth, Dispatch, Origin};
use crate::wire::protocol::ServerMessage;

/// The inbox's view of the chat it feeds: messages for any other chat are dropped.
pub(super) struct SessionDispatch {
    shared: Weak<Shared>,
    stamp: Stamp,
}

impl SessionDispatch {
    pub fn new(shared: Weak<Shared>, stamp: Stamp) -> Self {
        Self { shared, stamp }
    }
}

impl Dispatch for SessionDispatch {
    fn deliver(&self, message: ServerMessage, origin: Origin) {
        if let Some(shared) = self.shared.upgrade() {
            shared.on_message(&self.stamp, message, origin);
        }
    }

    /// The lines of one batch reach the UI as one event.
    fn deliver_batch(&self, messages: Vec<(ServerMessage, Origin)>) {
        let Some(shared) = self.shared.upgrade() else { return };
        let _together = shared.events.hold();
        for (message, origin) in messages {
            shared.on_message(&self.stamp, message, origin);
        }
    }

    fn connection(&self, health: ConnectionHealth) {
        let Some(shared) = self.shared.upgrade() else { return };
        shared.connection_changed(&self.stamp, |connection| {
            connection.inbox_down = match health {
                ConnectionHealth::Up => None,
                ConnectionHealth::Down { reason } => Some(reason),
            }
        });
    }
}

impl Shared {
    /// Applies one inbound message of chat `stamp` (ignored if that chat is not on
    /// screen, or has ended and the message is not one of its last lines).
    fn on_message(self: &Arc<Self>, stamp: &Stamp, message: ServerMessage, origin: Origin) {
        let (previous, next) = {
            let mut inner = self.lock();
            let state = inner.state.clone();
            if inner.current(stamp).is_none() {
                tracing::debug!(kind = message.kind(), "message for a chat that is not on screen; ignored");
                return;
            }
            // The inbox's last read of a chat that ended: its lines still belong to it,
            // and nothing else changes it any more.
            let last_words = matches!((&state, &message), (SessionState::Ended { .. }, ServerMessage::ChatText { .. }));
            if !state.is_live() && !last_words {
                tracing::debug!(kind = message.kind(), "message for a chat that is not live; ignored");
                return;
            }
            let next = state.after(&message);
            (state, next)
        };
        // What leaves no line is remembered by its MessageId all the same: a screenshot
        // request that SQS hands out again after a restart must not ask again. Typing
        // comes and goes too often to be worth a write, and repeating it is harmless.
        if !matches!(message, ServerMessage::ChatText { .. } | ServerMessage::AgentTyping { .. }) {
            if let Some(id) = &origin.id {
                self.applied(stamp, id);
            }
        }
        match (message, next) {
            (_, Some(SessionState::Ended { reason })) => self.finish(stamp, reason, origin.sent),
            (ServerMessage::ChatText { text }, _) => {
                let now = match &previous {
                    SessionState::Chatting { agent } => agent.name.clone(),
                    _ => "Agent".to_owned(),
                };
                let entry = {
                    let mut inner = self.lock();
                    let Some(live) = inner.current(stamp) else { return };
                    live.agent_typing = false;
                    let name = origin.sent.and_then(|sent| live.agents.at(sent)).map_or(now, str::to_owned);
                    inner.transcript.append_agent_line(name, text, origin)
                };
                self.record(&stamp.id, &entry);
            }
            (ServerMessage::AgentTyping { is_typing }, _) => {
                match self.lock().current(stamp) {
                    Some(live) => live.agent_typing = is_typing,
                    None => return,
                }
                self.events.emit(ChatEvent::AgentTyping { typing: is_typing });
            }
            (ServerMessage::TakeScreenshot, _) => self.screenshot_requested(stamp),
            (ServerMessage::ChatStarted { .. } | ServerMessage::ChatTransferred { .. }, Some(next)) => {
                let SessionState::Chatting { agent } = &next else { return };
                if let Some(sent) = origin.sent {
                    let newest = match self.lock().current(stamp) {
                        Some(live) => live.agents.took_over(sent, &agent.name),
                        None => return,
                    };
                    if !newest {
                        tracing::info!(
                            "an agent change sent before the last one, read late; the chat stays with the agent since"
                        );
                        return;
                    }
                }
                let line = match &previous {
                    SessionState::Chatting { agent: before } if before.name == agent.name => None,
                    SessionState::Chatting { .. } => Some(SystemLine::Transferred { agent: agent.name.clone() }),
                    _ => Some(SystemLine::AgentJoined { agent: agent.name.clone() }),
                };
                self.enter(stamp, next);
                if let Some(line) = line {
                    self.system_line(stamp, line);
                }
            }
            (ServerMessage::EstimatedWaitTime { .. }, Some(next)) => self.enter(stamp, next),
            _ => {}
        }
    }

    fn applied(&self, stamp: &Stamp, message: &str) {
        {
            let mut inner = self.lock();
            if inner.current(stamp).is_none() {
                return;
            }
            inner.transcript.applied(message.to_owned());
        }
        if let Err(error) = self.store.append_applied(&stamp.id, message) {
            tracing::error!(%error, "could not save that a message was applied");
        }
    }

    /// Moves chat `stamp` to `next` (saved, and told to the UI) unless it is there already.
    fn enter(&self, stamp: &Stamp, next: SessionState) {
        {
            let mut inner = self.lock();
            if inner.state == next || !inner.state.is_live() {
                return;
            }
            let Some(live) = inner.current(stamp) else { return };
            if matches!(next, SessionState::Chatting { .. }) {
                live.agent_typing = false;
            }
            inner.state = next.clone();
        }
        self.save(&stamp.id, &next);
        self.events.emit(ChatEvent::State { state: next });
    }
}

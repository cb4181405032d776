//! The chat's lifecycle as an explicit state machine.
//!
//! Idle → Starting → Queued{estimated wait} → Chatting{agent} (→ transferred) → Ended{why}.
//! Transitions are a pure function of the current state and an inbound message, so
//! they are tested without any network.

use serde::{Deserialize, Serialize};

use crate::chat::avatar::avatar_data_url;
use crate::wire::protocol::ServerMessage;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    pub name: String,
    /// A validated `data:` URL, or `None` when the cloud sent no usable picture.
    pub avatar: Option<String>,
}

impl Agent {
    pub fn from_wire(name: Option<&str>, image: Option<&str>) -> Self {
        Self {
            name: name.map(str::trim).filter(|name| !name.is_empty()).unwrap_or("Agent").to_owned(),
            avatar: image.and_then(avatar_data_url),
        }
    }
}

/// Why a chat ended; the UI words each one for the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EndReason {
    /// CHAT_ENDED: the agent closed the chat.
    ByAgent,
    /// FORCE_CLOSE: the agent was disconnected unexpectedly.
    ForceClose,
    /// MULTIMEDIA_DOWN: the contact center's own server went offline.
    ServerDown,
    /// The customer ended or cancelled.
    ByUser,
    /// The cloud no longer knows the session (still-here refused, resume check 204).
    Expired,
    /// The cloud ended it while this computer slept (or the app was stopped): found
    /// gone on waking, before anything was heard from it again.
    WhileAsleep,
}

impl EndReason {
    /// The line the transcript gets when a chat ends this way.
    pub fn line(self) -> &'static str {
        match self {
            EndReason::ByAgent => "The agent ended the chat.",
            EndReason::ForceClose => "The connection to the agent was lost. The chat has ended.",
            EndReason::ServerDown => "The contact center is offline. The chat has ended.",
            EndReason::ByUser => "You ended the chat.",
            EndReason::Expired => "The chat is no longer active.",
            EndReason::WhileAsleep => "The chat ended while this computer was asleep.",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum SessionState {
    Idle,
    Starting,
    Queued { estimated_wait: Option<String> },
    Chatting { agent: Agent },
    Ended { reason: EndReason },
}

impl SessionState {
    /// A session exists in the cloud: keepalive and polling run.
    pub fn is_live(&self) -> bool {
        matches!(self, SessionState::Queued { .. } | SessionState::Chatting { .. })
    }

    /// The state after `message`, or `None` when the message does not change it.
    pub fn after(&self, message: &ServerMessage) -> Option<SessionState> {
        if !self.is_live() && *self != SessionState::Starting {
            return None;
        }
        match message {
            ServerMessage::EstimatedWaitTime { estimated_wait } => match self {
                SessionState::Starting | SessionState::Queued { .. } => {
                    Some(SessionState::Queued { estimated_wait: estimated_wait.clone() })
                }
                _ => None,
            },
            ServerMessage::ChatStarted { agent, agent_image } => {
                Some(SessionState::Chatting { agent: Agent::from_wire(agent.as_deref(), agent_image.as_deref()) })
            }
            ServerMessage::ChatTransferred { new_agent, new_agent_image } => Some(SessionState::Chatting {
                agent: Agent::from_wire(new_agent.as_deref(), new_agent_image.as_deref()),
            }),
            ServerMessage::ChatEnded => Some(SessionState::Ended { reason: EndReason::ByAgent }),
            ServerMessage::ForceClose => Some(SessionState::Ended { reason: EndReason::ForceClose }),
            ServerMessage::MultimediaDown => Some(SessionState::Ended { reason: EndReason::ServerDown }),
            ServerMessage::ChatText { .. }
            | ServerMessage::AgentTyping { .. }
            | ServerMessage::TakeScreenshot
            | ServerMessage::Unknown { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued() -> SessionState {
        SessionState::Queued { estimated_wait: None }
    }

    #[test]
    fn a_wait_estimate_updates_the_queue_but_not_a_running_chat() {
        let wait = ServerMessage::EstimatedWaitTime { estimated_wait: Some("about 2 minutes".into()) };
        assert_eq!(
            queued().after(&wait),
            Some(SessionState::Queued { estimated_wait: Some("about 2 minutes".into()) })
        );
        let chatting = SessionState::Chatting { agent: Agent::from_wire(Some("Myles"), None) };
        assert_eq!(chatting.after(&wait), None);
    }

    #[test]
    fn chat_started_then_transfer_changes_the_agent() {
        let started =
            queued().after(&ServerMessage::ChatStarted { agent: Some("Myles".into()), agent_image: None }).unwrap();
        let moved = started
            .after(&ServerMessage::ChatTransferred {
                new_agent: Some("Shawn".into()),
                new_agent_image: Some("not an image".into()),
            })
            .unwrap();
        assert_eq!(moved, SessionState::Chatting { agent: Agent { name: "Shawn".into(), avatar: None } });
    }

    #[test]
    fn each_ending_message_names_its_reason() {
        for (message, reason) in [
            (ServerMessage::ChatEnded, EndReason::ByAgent),
            (ServerMessage::ForceClose, EndReason::ForceClose),
            (ServerMessage::MultimediaDown, EndReason::ServerDown),
        ] {
            assert_eq!(queued().after(&message), Some(SessionState::Ended { reason }));
        }
    }

    #[test]
    fn an_ended_chat_ignores_late_messages() {
        let ended = SessionState::Ended { reason: EndReason::ByUser };
        assert_eq!(ended.after(&ServerMessage::ChatStarted { agent: None, agent_image: None }), None);
        assert_eq!(SessionState::Idle.after(&ServerMessage::ChatEnded), None);
    }

    #[test]
    fn a_nameless_agent_is_still_an_agent() {
        assert_eq!(Agent::from_wire(Some("  "), None).name, "Agent");
    }
}

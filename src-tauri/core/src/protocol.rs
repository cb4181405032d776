//! The wire types of Xima's Web Chat Cloud API, exactly as the vendor's page gives them.
//!
//! Inbound types are lenient (see [`crate::lenient`]): unknown fields are ignored, absent
//! optional fields default, booleans may be strings. Outbound types serialise to exactly
//! the bodies the spec shows, including its string-typed `"true"`/`"false"` flags.

use serde::{Deserialize, Serialize, Serializer};

use crate::lenient;
use crate::secret::Secret;

/// A chat session id, as issued by the cloud.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub String);

impl SessionId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

// --------------------------------------------------------------------------- responses

/// The ChatSession object returned by the resume check and by both start endpoints.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatSession {
    pub session_details: SessionDetails,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionDetails {
    pub server_to_client_queue: QueueDescriptor,
    #[serde(default)]
    pub client_to_server_queue: Option<QueueDescriptor>,
    pub id: SessionId,
    #[serde(default)]
    pub installation_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::trimmed")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient::trimmed")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::trimmed")]
    pub agent: Option<String>,
    #[serde(default, deserialize_with = "lenient::trimmed")]
    pub agent_image: Option<String>,
    #[serde(default, deserialize_with = "lenient::trimmed")]
    pub skill: Option<String>,
    #[serde(default, deserialize_with = "lenient::trimmed")]
    pub created: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueDescriptor {
    pub url: String,
    #[serde(default, deserialize_with = "lenient::trimmed")]
    pub arn: Option<String>,
    #[serde(default, deserialize_with = "lenient::trimmed")]
    pub created: Option<String>,
    #[serde(default, deserialize_with = "lenient::trimmed")]
    pub last_used: Option<String>,
    #[serde(default)]
    pub chat_queue_type: Option<ChatQueueType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChatQueueType {
    #[serde(alias = "SERVERTOCLIENT")]
    ServerToClient,
    #[serde(alias = "CLIENTTOSERVER")]
    ClientToServer,
    #[serde(alias = "QUEUESTATUS")]
    QueueStatus,
    #[serde(other)]
    Other,
}

/// The answer of `GET /chat/queue/auth`: keys for reading the serverToClientQueue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqsCredentials {
    pub sqs_access_key: String,
    pub sqs_secret_key: Secret,
    pub sqs_region: String,
}

// --------------------------------------------------------------------------- requests

/// One `customChatInfo` entry: shown on the agent's screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomChatInfo {
    pub name: String,
    pub value: String,
}

/// How a start request proves it may enter the queue.
#[derive(Debug, Clone, PartialEq)]
pub enum StartAuth {
    /// `POST /chat/queue` with a token from a solved captcha.
    Captcha(Secret),
    /// `POST /chat/apiqueue` with the API key Xima issued.
    ApiKey(Secret),
}

/// The ClientChatSessionRequest, in domain form.
#[derive(Debug, Clone, PartialEq)]
pub struct StartRequest {
    pub installation_id: String,
    pub email: String,
    pub name: String,
    pub skill: String,
    pub auth: StartAuth,
    pub custom_chat_info: Vec<CustomChatInfo>,
}

impl StartRequest {
    /// The endpoint path this request goes to.
    pub fn path(&self) -> &'static str {
        match self.auth {
            StartAuth::Captcha(_) => "/chat/queue",
            StartAuth::ApiKey(_) => "/chat/apiqueue",
        }
    }

    /// The body in the spec's field order; the only place a start secret is exposed.
    pub fn to_wire(&self) -> serde_json::Value {
        let mut body = serde_json::Map::new();
        body.insert("installationId".into(), self.installation_id.clone().into());
        body.insert("email".into(), self.email.clone().into());
        body.insert("name".into(), self.name.clone().into());
        body.insert("skill".into(), self.skill.clone().into());
        match &self.auth {
            StartAuth::Captcha(token) => body.insert("recaptchaToken".into(), token.expose().into()),
            StartAuth::ApiKey(key) => body.insert("apiKey".into(), key.expose().into()),
        };
        let info = self
            .custom_chat_info
            .iter()
            .map(|entry| serde_json::json!({ "name": entry.name, "value": entry.value }))
            .collect();
        body.insert("customChatInfo".into(), serde_json::Value::Array(info));
        serde_json::Value::Object(body)
    }
}

/// The spec writes its flags as the strings `"true"` and `"false"`; so do we.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireFlag(pub bool);

impl Serialize for WireFlag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(if self.0 { "true" } else { "false" })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StillHere<'a> {
    pub chat_session_id: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatText<'a> {
    pub chat_session_id: &'a str,
    pub message: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Focus<'a> {
    pub chat_session_id: &'a str,
    /// Always `"true"`: the spec has no unfocus message.
    pub focused: WireFlag,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Typing<'a> {
    pub chat_session_id: &'a str,
    pub typing: WireFlag,
}

/// The customer's answer to TAKE_SCREENSHOT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScreenshotAnswer {
    Accepted { uuid: String },
    Rejected,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScreenshotNotify<'a> {
    pub chat_session_id: &'a str,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<&'a str>,
}

impl<'a> ScreenshotNotify<'a> {
    pub fn new(chat_session_id: &'a str, answer: &'a ScreenshotAnswer) -> Self {
        match answer {
            ScreenshotAnswer::Accepted { uuid } => Self {
                chat_session_id,
                status: "ACCEPTED",
                uuid: Some(uuid),
            },
            ScreenshotAnswer::Rejected => Self {
                chat_session_id,
                status: "REJECTED",
                uuid: None,
            },
        }
    }
}

/// The `POST /screenshot` body: the spec's prefix (with its `;`, not `,`) and the PNG.
pub fn screenshot_body(png: &[u8]) -> String {
    use base64::Engine as _;
    const PREFIX: &str = "data:image/png;base64;";
    let mut body = String::with_capacity(PREFIX.len() + png.len().div_ceil(3) * 4);
    body.push_str(PREFIX);
    base64::engine::general_purpose::STANDARD.encode_string(png, &mut body);
    body
}

// --------------------------------------------------------------------------- inbound

/// A message read from the serverToClientQueue.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage {
    EstimatedWaitTime { estimated_wait: Option<String> },
    ChatStarted { agent: Option<String>, agent_image: Option<String> },
    ChatTransferred { new_agent: Option<String>, new_agent_image: Option<String> },
    ChatText { text: String },
    AgentTyping { is_typing: bool },
    TakeScreenshot,
    ChatEnded,
    ForceClose,
    MultimediaDown,
    /// A type this client does not know: logged and skipped, never fatal.
    Unknown { kind: String },
}

/// Why an SQS body could not be read as a [`ServerMessage`].
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("message body is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("message has no \"type\" field")]
    MissingType,
    #[error("{kind} message is malformed: {source}")]
    BadFields {
        kind: String,
        #[source]
        source: serde_json::Error,
    },
}

impl ServerMessage {
    /// Reads one SQS message body.
    pub fn parse(body: &str) -> Result<Self, MessageError> {
        let value: serde_json::Value = lenient::from_str(body).map_err(MessageError::NotJson)?;
        let kind = value
            .get("type")
            .and_then(serde_json::Value::as_str)
            .map(|kind| kind.trim().to_ascii_uppercase())
            .ok_or(MessageError::MissingType)?;
        let fields = |source| MessageError::BadFields {
            kind: kind.clone(),
            source,
        };

        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wait {
            #[serde(default, deserialize_with = "lenient::trimmed")]
            estimated_wait: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Started {
            #[serde(default, deserialize_with = "lenient::trimmed")]
            agent: Option<String>,
            #[serde(default, deserialize_with = "lenient::trimmed")]
            agent_base64_image: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Transferred {
            #[serde(default, deserialize_with = "lenient::trimmed")]
            new_agent: Option<String>,
            #[serde(default, deserialize_with = "lenient::trimmed")]
            new_agent_image: Option<String>,
        }
        #[derive(Deserialize)]
        struct Text {
            text: String,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct TypingFlag {
            #[serde(deserialize_with = "lenient::flag")]
            is_typing: bool,
        }

        Ok(match kind.as_str() {
            "ESTIMATED_WAIT_TIME" => {
                let wait: Wait = serde_json::from_value(value).map_err(fields)?;
                ServerMessage::EstimatedWaitTime {
                    estimated_wait: wait.estimated_wait,
                }
            }
            "CHAT_STARTED" => {
                let started: Started = serde_json::from_value(value).map_err(fields)?;
                ServerMessage::ChatStarted {
                    agent: started.agent,
                    agent_image: started.agent_base64_image,
                }
            }
            "CHAT_TRANSFERRED" => {
                let moved: Transferred = serde_json::from_value(value).map_err(fields)?;
                ServerMessage::ChatTransferred {
                    new_agent: moved.new_agent,
                    new_agent_image: moved.new_agent_image,
                }
            }
            "CHAT_TEXT" => {
                let text: Text = serde_json::from_value(value).map_err(fields)?;
                ServerMessage::ChatText { text: text.text }
            }
            "AGENT_TYPING" => {
                let typing: TypingFlag = serde_json::from_value(value).map_err(fields)?;
                ServerMessage::AgentTyping {
                    is_typing: typing.is_typing,
                }
            }
            "TAKE_SCREENSHOT" => ServerMessage::TakeScreenshot,
            "CHAT_ENDED" => ServerMessage::ChatEnded,
            "FORCE_CLOSE" => ServerMessage::ForceClose,
            "MULTIMEDIA_DOWN" => ServerMessage::MultimediaDown,
            _ => ServerMessage::Unknown { kind },
        })
    }

    /// The name used in logs: the wire type, never the content.
    pub fn kind(&self) -> &str {
        match self {
            ServerMessage::EstimatedWaitTime { .. } => "ESTIMATED_WAIT_TIME",
            ServerMessage::ChatStarted { .. } => "CHAT_STARTED",
            ServerMessage::ChatTransferred { .. } => "CHAT_TRANSFERRED",
            ServerMessage::ChatText { .. } => "CHAT_TEXT",
            ServerMessage::AgentTyping { .. } => "AGENT_TYPING",
            ServerMessage::TakeScreenshot => "TAKE_SCREENSHOT",
            ServerMessage::ChatEnded => "CHAT_ENDED",
            ServerMessage::ForceClose => "FORCE_CLOSE",
            ServerMessage::MultimediaDown => "MULTIMEDIA_DOWN",
            ServerMessage::Unknown { kind } => kind,
        }
    }
}

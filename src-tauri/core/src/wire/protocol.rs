//! The wire types of Xima's Web Chat Cloud API, exactly as the vendor's page gives them.
//!
//! Inbound types are lenient (see [`crate::wire::lenient`]): unknown fields are ignored, absent
//! optional fields default, booleans may be strings. Outbound types serialise to exactly
//! the bodies the spec shows, including its string-typed `"true"`/`"false"` flags.

use serde::{Deserialize, Serialize, Serializer};

use crate::device::secret::Secret;
use crate::wire::lenient;

/// A chat session id, as issued by the cloud.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
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
///
/// The vendor's page wraps it (`{"sessionDetails": {...}}`); code that ran against the
/// production server reads it flat (`{"id": ..., "serverToClientQueue": ...}`). Both
/// are read, and only `id` and `serverToClientQueue.url` are required: every other
/// field is informational and may come as text, a number, a boolean, null or not at all.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatSession {
    pub session_details: SessionDetails,
    /// Which of the two forms the cloud used (for diagnosis, `doctor`).
    pub shape: SessionShape,
}

/// How the cloud wrapped a ChatSession answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionShape {
    /// `{"sessionDetails": {...}}`, as the vendor's page shows.
    Wrapped,
    /// The details without the wrapper.
    Flat,
}

impl ChatSession {
    /// The session a saved one describes, as the cloud would if it could be asked.
    pub(crate) fn saved(id: SessionId, queue: QueueDescriptor) -> Self {
        Self { session_details: SessionDetails::saved(id, queue), shape: SessionShape::Wrapped }
    }

    /// Reads a ChatSession answer. `Ok(None)` means the cloud said "no session" in one of
    /// the ways a server says it: `null`, `{}`, `{"sessionDetails": null}`.
    pub fn from_answer(value: serde_json::Value) -> Result<Option<Self>, serde_json::Error> {
        use serde::de::Error as _;
        let (details, shape) = match value {
            serde_json::Value::Null => return Ok(None),
            serde_json::Value::Object(mut fields) => match fields.remove("sessionDetails") {
                Some(serde_json::Value::Null) => return Ok(None),
                Some(details) => (details, SessionShape::Wrapped),
                None if fields.is_empty() => return Ok(None),
                None => (serde_json::Value::Object(fields), SessionShape::Flat),
            },
            other => {
                return Err(serde_json::Error::custom(format!(
                    "a chat session must be a JSON object, not {}",
                    lenient::json_kind(&other)
                )))
            }
        };
        let session_details = serde_json::from_value(details)?;
        Ok(Some(Self { session_details, shape }))
    }
}

impl<'de> Deserialize<'de> for ChatSession {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(deserializer)?;
        ChatSession::from_answer(value)
            .map_err(D::Error::custom)?
            .ok_or_else(|| D::Error::custom("the answer holds no chat session"))
    }
}

impl SessionDetails {
    /// A session as a saved one knows it (its id and its queue), for a chat that goes
    /// on while the cloud cannot be asked.
    pub(crate) fn saved(id: SessionId, queue: QueueDescriptor) -> Self {
        Self {
            server_to_client_queue: queue,
            client_to_server_queue: None,
            id,
            installation_id: None,
            email: None,
            name: None,
            agent: None,
            agent_image: None,
            skill: None,
            created: None,
        }
    }
}

impl QueueDescriptor {
    pub(crate) fn at(url: String, arn: Option<String>) -> Self {
        Self { url, arn, created: None, last_used: None, chat_queue_type: None }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionDetails {
    pub server_to_client_queue: QueueDescriptor,
    #[serde(default, deserialize_with = "lenient::optional")]
    pub client_to_server_queue: Option<QueueDescriptor>,
    pub id: SessionId,
    #[serde(default, deserialize_with = "lenient::text")]
    pub installation_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub agent: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub agent_image: Option<String>,
    #[serde(default, deserialize_with = "lenient::text")]
    pub skill: Option<String>,
    #[serde(default, deserialize_with = "lenient::timestamp")]
    pub created: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueDescriptor {
    #[serde(deserialize_with = "lenient::required_text")]
    pub url: String,
    #[serde(default, deserialize_with = "lenient::text")]
    pub arn: Option<String>,
    #[serde(default, deserialize_with = "lenient::timestamp")]
    pub created: Option<String>,
    #[serde(default, deserialize_with = "lenient::timestamp")]
    pub last_used: Option<String>,
    #[serde(default, deserialize_with = "ChatQueueType::lenient")]
    pub chat_queue_type: Option<ChatQueueType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatQueueType {
    ServerToClient,
    ClientToServer,
    QueueStatus,
    Other,
}

impl ChatQueueType {
    /// `SERVERTOCLIENT`, `SERVER_TO_CLIENT`, `serverToClient`: spelled any way, or absent.
    fn lenient<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Self>, D::Error> {
        let text = lenient::text(deserializer)?;
        Ok(text.map(|text| {
            let squashed: String =
                text.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect();
            match squashed.as_str() {
                "SERVERTOCLIENT" => ChatQueueType::ServerToClient,
                "CLIENTTOSERVER" => ChatQueueType::ClientToServer,
                "QUEUESTATUS" => ChatQueueType::QueueStatus,
                _ => ChatQueueType::Other,
            }
        }))
    }
}

impl<'de> Deserialize<'de> for SessionId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        lenient::required_text(deserializer).map(SessionId)
    }
}

/// The answer of `GET /chat/queue/auth`: keys for reading the serverToClientQueue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqsCredentials {
    #[serde(deserialize_with = "lenient::required_text")]
    pub sqs_access_key: String,
    pub sqs_secret_key: Secret,
    #[serde(default, deserialize_with = "lenient::text")]
    pub sqs_region: Option<String>,
}

impl SqsCredentials {
    /// The region as AWS spells it: `US_EAST_1` and ` us-east-1 ` are `us-east-1`.
    pub fn region(&self) -> Option<String> {
        self.sqs_region.as_deref().and_then(normalise_region)
    }
}

/// An AWS region name from the ways a server may write it; `None` if it is not one.
pub fn normalise_region(text: &str) -> Option<String> {
    let region = text.trim().to_ascii_lowercase().replace('_', "-");
    let plausible = !region.is_empty()
        && region.len() <= 32
        && region.contains('-')
        && region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    plausible.then_some(region)
}

/// The region a queue lives in, from its ARN (`arn:aws:sqs:REGION:…`) or its URL
/// (`https://sqs.REGION.amazonaws.com/…`, `https://REGION.queue.amazonaws.com/…`).
pub fn queue_region(queue: &QueueDescriptor) -> Option<String> {
    let from_arn = queue.arn.as_deref().and_then(|arn| {
        let mut parts = arn.split(':');
        (parts.next() == Some("arn") && parts.nth(1) == Some("sqs"))
            .then(|| parts.next())
            .flatten()
            .and_then(normalise_region)
    });
    from_arn.or_else(|| {
        let host = url::Url::parse(&queue.url).ok()?.host_str()?.to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        match labels.as_slice() {
            ["sqs", region, "amazonaws", ..] => normalise_region(region),
            [region, "queue", "amazonaws", ..] => normalise_region(region),
            _ => None,
        }
    })
}

/// Whether a skill has an agent ready, as far as the cloud says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Availability {
    Ready,
    NoneReady,
    /// The server has no availability endpoint, failed, or said nothing of this skill.
    Unknown,
}

/// The answer of the undocumented `GET /queue/status?installation-id=…`:
/// `{"<skill>": {"thereAreAgentsReady": true|false}, …}`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueueStatus {
    skills: Vec<(String, Option<bool>)>,
}

impl QueueStatus {
    /// `None` if the answer is not an object of skills at all.
    pub fn from_answer(value: &serde_json::Value) -> Option<Self> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Skill {
            #[serde(deserialize_with = "lenient::flag")]
            there_are_agents_ready: bool,
        }
        let skills = value
            .as_object()?
            .iter()
            .map(|(skill, status)| {
                let ready =
                    serde_json::from_value::<Skill>(status.clone()).ok().map(|status| status.there_are_agents_ready);
                (skill.trim().to_owned(), ready)
            })
            .collect();
        Some(Self { skills })
    }

    /// The skill's availability; its name is matched exactly, else ignoring case.
    pub fn for_skill(&self, skill: &str) -> Availability {
        let skill = skill.trim();
        let found = self
            .skills
            .iter()
            .find(|(name, _)| name == skill)
            .or_else(|| self.skills.iter().find(|(name, _)| name.eq_ignore_ascii_case(skill)));
        match found {
            Some((_, Some(true))) => Availability::Ready,
            Some((_, Some(false))) => Availability::NoneReady,
            _ => Availability::Unknown,
        }
    }

    /// Every skill the answer named, for `doctor`.
    pub fn skills(&self) -> impl Iterator<Item = &str> {
        self.skills.iter().map(|(name, _)| name.as_str())
    }
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

/// A request the cloud would refuse, found before anything is sent: what is wrong, in
/// words for the customer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidRequest(pub String);

impl StartRequest {
    /// Refuses a form the cloud would refuse, before anything is sent.
    pub fn validate(&self) -> Result<(), InvalidRequest> {
        let missing = |what: &str| Err(InvalidRequest(format!("{what} is required")));
        if self.installation_id.trim().is_empty() {
            return missing("the installation id");
        }
        if self.name.trim().is_empty() {
            return missing("your name");
        }
        if self.skill.trim().is_empty() {
            return missing("a skill");
        }
        let email = self.email.trim();
        let plausible = email
            .split_once('@')
            .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.') && !domain.ends_with('.'));
        if !plausible {
            return Err(InvalidRequest("the email address does not look right".into()));
        }
        self.validate_lengths()?;
        match &self.auth {
            StartAuth::ApiKey(key) if key.is_empty() => missing("an API key"),
            StartAuth::Captcha(token) if token.is_empty() => missing("a captcha token"),
            _ => Ok(()),
        }
    }

    /// What the agent's screen shows stays within what the form lets a customer type,
    /// without control characters, whoever built the request.
    fn validate_lengths(&self) -> Result<(), InvalidRequest> {
        const MAX_FIELDS: usize = 20;
        let check = |what: &str, text: &str, limit: usize| {
            if text.chars().count() > limit {
                return Err(InvalidRequest(format!("{what} is longer than {limit} characters")));
            }
            if text.chars().any(char::is_control) {
                return Err(InvalidRequest(format!("{what} has characters that cannot be sent")));
            }
            Ok(())
        };
        check("your name", &self.name, 100)?;
        check("the email address", &self.email, 200)?;
        check("the skill", &self.skill, 200)?;
        if self.custom_chat_info.len() > MAX_FIELDS {
            return Err(InvalidRequest(format!("more than {MAX_FIELDS} extra fields")));
        }
        for field in &self.custom_chat_info {
            if field.name.trim().is_empty() {
                return Err(InvalidRequest("an extra field has no name".into()));
            }
            check("an extra field's name", &field.name, 100)?;
            check(&format!("the field {:?}", field.name), &field.value, 200)?;
        }
        Ok(())
    }

    /// The endpoint path this request goes to.
    pub fn path(&self) -> &'static str {
        match self.auth {
            StartAuth::Captcha(_) => "/chat/queue",
            StartAuth::ApiKey(_) => "/chat/apiqueue",
        }
    }

    /// The body, in the spec's field order; the only place a start secret is exposed.
    pub fn to_wire(&self) -> StartBody<'_> {
        let (recaptcha_token, api_key) = match &self.auth {
            StartAuth::Captcha(token) => (Some(token.expose()), None),
            StartAuth::ApiKey(key) => (None, Some(key.expose())),
        };
        StartBody {
            installation_id: &self.installation_id,
            email: &self.email,
            name: &self.name,
            skill: &self.skill,
            recaptcha_token,
            api_key,
            custom_chat_info: &self.custom_chat_info,
        }
    }
}

/// The ClientChatSessionRequest as it goes out: fields in the page's order.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartBody<'a> {
    installation_id: &'a str,
    email: &'a str,
    name: &'a str,
    skill: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recaptcha_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a str>,
    custom_chat_info: &'a [CustomChatInfo],
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
            ScreenshotAnswer::Accepted { uuid } => Self { chat_session_id, status: "ACCEPTED", uuid: Some(uuid) },
            ScreenshotAnswer::Rejected => Self { chat_session_id, status: "REJECTED", uuid: None },
        }
    }
}

/// The spec's screenshot body turned into a standard data URL (`base64,`), for a server
/// that refuses the page's `base64;`.
pub fn standard_data_url(spec_body: String) -> String {
    spec_body.replacen(";base64;", ";base64,", 1)
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
    EstimatedWaitTime {
        estimated_wait: Option<String>,
    },
    ChatStarted {
        agent: Option<String>,
        agent_image: Option<String>,
    },
    ChatTransferred {
        new_agent: Option<String>,
        new_agent_image: Option<String>,
    },
    ChatText {
        text: String,
    },
    AgentTyping {
        is_typing: bool,
    },
    TakeScreenshot,
    ChatEnded,
    ForceClose,
    MultimediaDown,
    /// A type this client does not know: logged and skipped, never fatal.
    Unknown {
        kind: String,
    },
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

/// The message inside whatever the body came in: plain JSON (the page's form), a JSON
/// string holding the JSON, an SNS notification (`{"Type": "Notification", "Message":
/// "…"}`, what a queue subscribed to a topic receives), or base64 of any of these.
fn unwrap_envelopes(body: &str) -> Result<serde_json::Value, MessageError> {
    let mut value = read_json_or_base64(body).map_err(MessageError::NotJson)?;
    // An envelope inside an envelope is plausible; a deeper pile is not a message.
    for _ in 0..4 {
        let inner = match &value {
            serde_json::Value::String(text) => text,
            serde_json::Value::Object(fields) if !fields.contains_key("type") => {
                match fields.get("Message").or_else(|| fields.get("message")) {
                    Some(serde_json::Value::String(text)) => text,
                    Some(nested @ serde_json::Value::Object(_)) => {
                        value = nested.clone();
                        continue;
                    }
                    _ => break,
                }
            }
            _ => break,
        };
        value = read_json_or_base64(inner).map_err(MessageError::NotJson)?;
    }
    Ok(value)
}

fn read_json_or_base64(text: &str) -> serde_json::Result<serde_json::Value> {
    use base64::Engine as _;
    lenient::from_str(text).or_else(|error| {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .filter(|decoded| decoded.trim_start().starts_with(['{', '"']))
            .and_then(|decoded| lenient::from_str(&decoded).ok())
            .ok_or(error)
    })
}

impl ServerMessage {
    /// Reads one SQS message body.
    pub fn parse(body: &str) -> Result<Self, MessageError> {
        let value = unwrap_envelopes(body)?;
        let kind = value
            .get("type")
            .and_then(serde_json::Value::as_str)
            .map(|kind| kind.trim().to_ascii_uppercase())
            .ok_or(MessageError::MissingType)?;
        let fields = |source| MessageError::BadFields { kind: kind.clone(), source };

        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wait {
            #[serde(default, deserialize_with = "lenient::text")]
            estimated_wait: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Started {
            #[serde(default, deserialize_with = "lenient::text")]
            agent: Option<String>,
            #[serde(default, deserialize_with = "lenient::text")]
            agent_base64_image: Option<String>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Transferred {
            #[serde(default, deserialize_with = "lenient::text")]
            new_agent: Option<String>,
            #[serde(default, deserialize_with = "lenient::text")]
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
                ServerMessage::EstimatedWaitTime { estimated_wait: wait.estimated_wait }
            }
            "CHAT_STARTED" => {
                let started: Started = serde_json::from_value(value).map_err(fields)?;
                ServerMessage::ChatStarted { agent: started.agent, agent_image: started.agent_base64_image }
            }
            "CHAT_TRANSFERRED" => {
                let moved: Transferred = serde_json::from_value(value).map_err(fields)?;
                ServerMessage::ChatTransferred { new_agent: moved.new_agent, new_agent_image: moved.new_agent_image }
            }
            "CHAT_TEXT" => {
                let text: Text = serde_json::from_value(value).map_err(fields)?;
                ServerMessage::ChatText { text: text.text }
            }
            "AGENT_TYPING" => {
                let typing: TypingFlag = serde_json::from_value(value).map_err(fields)?;
                ServerMessage::AgentTyping { is_typing: typing.is_typing }
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

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn start_request(name: &str, custom: Vec<CustomChatInfo>) -> StartRequest {
        StartRequest {
            installation_id: "i".into(),
            email: "ann@example.com".into(),
            name: name.into(),
            skill: "Support".into(),
            auth: StartAuth::ApiKey(crate::device::secret::Secret::new("k")),
            custom_chat_info: custom,
        }
    }

    #[test]
    fn a_start_request_stays_within_what_the_form_lets_a_customer_type() {
        let field = |name: &str, value: &str| CustomChatInfo { name: name.into(), value: value.into() };
        assert!(start_request("Ann", vec![field("Order", "24601")]).validate().is_ok());
        assert!(start_request(&"A".repeat(101), vec![]).validate().is_err(), "name too long");
        assert!(start_request("Ann\u{1b}[2J", vec![]).validate().is_err(), "terminal escape");
        assert!(start_request("Ann", vec![field("Order", &"9".repeat(201))]).validate().is_err());
        assert!(start_request("Ann", vec![field(" ", "x")]).validate().is_err(), "a field without a name");
        assert!(start_request("Ann", vec![field("Note", "line\nbreak")]).validate().is_err());
        assert!(start_request("Ann", (0..21).map(|n| field(&format!("F{n}"), "x")).collect()).validate().is_err());
    }

    const DETAILS: &str = r#"{"serverToClientQueue": {"url": "https://sqs.us-east-2.amazonaws.com/1/q"}, "id": "abc"}"#;

    #[test]
    fn a_session_answer_is_read_wrapped_or_flat() {
        let flat: serde_json::Value = serde_json::from_str(DETAILS).unwrap();
        let wrapped = serde_json::json!({ "sessionDetails": flat.clone() });
        let flat = ChatSession::from_answer(flat).unwrap().unwrap();
        let wrapped = ChatSession::from_answer(wrapped).unwrap().unwrap();
        assert_eq!(flat.session_details, wrapped.session_details);
        assert_eq!((flat.shape, wrapped.shape), (SessionShape::Flat, SessionShape::Wrapped));
        assert_eq!(flat.session_details.id.as_str(), "abc");
    }

    #[test]
    fn no_session_is_said_in_several_ways() {
        for answer in ["null", "{}", r#"{"sessionDetails": null}"#] {
            let value: serde_json::Value = serde_json::from_str(answer).unwrap();
            assert_eq!(ChatSession::from_answer(value).unwrap(), None, "{answer}");
        }
        assert!(ChatSession::from_answer(serde_json::json!([1])).is_err());
        assert!(ChatSession::from_answer(serde_json::json!("x")).is_err());
    }

    #[test]
    fn only_the_id_and_the_queue_url_are_required() {
        let answer = serde_json::json!({
            "id": 12345, "serverToClientQueue": {"url": "u", "created": 1335205543511i64, "lastUsed": 1335205543,
            "chatQueueType": 7}, "clientToServerQueue": "gone", "agent": null, "email": false, "created": " 2012-04-23T18:25:43.511Z",
        });
        let session = ChatSession::from_answer(answer).unwrap().unwrap().session_details;
        assert_eq!(session.id.as_str(), "12345");
        assert_eq!(session.server_to_client_queue.created.as_deref(), Some("2012-04-23T18:25:43.511Z"));
        assert_eq!(session.server_to_client_queue.last_used.as_deref(), Some("2012-04-23T18:25:43.000Z"));
        assert_eq!(session.server_to_client_queue.chat_queue_type, Some(ChatQueueType::Other));
        assert_eq!(session.client_to_server_queue, None);
        assert_eq!(session.agent, None);
        assert_eq!(session.created.as_deref(), Some("2012-04-23T18:25:43.511Z"));
        let no_id = serde_json::json!({"sessionDetails": {"serverToClientQueue": {"url": "u"}}});
        assert!(ChatSession::from_answer(no_id).is_err());
        let no_url = serde_json::json!({"id": "a", "serverToClientQueue": {"arn": "x"}});
        assert!(ChatSession::from_answer(no_url).is_err());
    }

    #[test]
    fn regions_are_normalised_and_the_queue_names_its_own() {
        assert_eq!(normalise_region(" US_EAST_1 ").as_deref(), Some("us-east-1"));
        assert_eq!(normalise_region("eu-west-2").as_deref(), Some("eu-west-2"));
        assert_eq!(normalise_region("<sqs aws region>"), None);
        assert_eq!(normalise_region(""), None);
        let queue = |url: &str, arn: Option<&str>| QueueDescriptor {
            url: url.into(),
            arn: arn.map(Into::into),
            created: None,
            last_used: None,
            chat_queue_type: None,
        };
        assert_eq!(
            queue_region(&queue("http://127.0.0.1:1/1/q", Some("arn:aws:sqs:us-west-2:1:q"))).as_deref(),
            Some("us-west-2")
        );
        assert_eq!(
            queue_region(&queue("https://sqs.eu-central-1.amazonaws.com/1/q", None)).as_deref(),
            Some("eu-central-1")
        );
        assert_eq!(
            queue_region(&queue("https://ap-south-1.queue.amazonaws.com/1/q", None)).as_deref(),
            Some("ap-south-1")
        );
        assert_eq!(queue_region(&queue("http://127.0.0.1:1/1/q", None)), None);
        assert_eq!(queue_region(&queue("http://127.0.0.1:1/1/q", Some("nonsense"))), None);
    }

    #[test]
    fn envelopes_around_a_message_are_opened() {
        let plain = r#"{"type": "CHAT_TEXT", "text": "hi"}"#;
        let expected = ServerMessage::ChatText { text: "hi".into() };
        let in_string = serde_json::to_string(plain).unwrap();
        let sns = serde_json::json!({"Type": "Notification", "MessageId": "m", "Message": plain}).to_string();
        let base64 = base64::engine::general_purpose::STANDARD.encode(plain);
        let base64_sns = base64::engine::general_purpose::STANDARD.encode(&sns);
        for body in [plain, &in_string, &sns, &base64, &base64_sns] {
            assert_eq!(ServerMessage::parse(body).unwrap(), expected, "{body}");
        }
        assert!(matches!(ServerMessage::parse("\"just text\""), Err(MessageError::NotJson(_))));
        assert!(matches!(ServerMessage::parse("{\"text\": \"no type\"}"), Err(MessageError::MissingType)));
        assert!(matches!(ServerMessage::parse("bm90IGpzb24="), Err(MessageError::NotJson(_))));
    }

    #[test]
    fn availability_is_read_per_skill_and_anything_odd_is_unknown() {
        let answer = serde_json::json!({
            "Support": {"thereAreAgentsReady": true}, "Billing": {"thereAreAgentsReady": "False"},
            "Sales": {"other": 1}, "Lobby": "yes",
        });
        let status = QueueStatus::from_answer(&answer).unwrap();
        assert_eq!(status.for_skill("Support"), Availability::Ready);
        assert_eq!(status.for_skill(" support "), Availability::Ready);
        assert_eq!(status.for_skill("Billing"), Availability::NoneReady);
        assert_eq!(status.for_skill("Sales"), Availability::Unknown);
        assert_eq!(status.for_skill("Lobby"), Availability::Unknown);
        assert_eq!(status.for_skill("Nobody"), Availability::Unknown);
        assert_eq!(QueueStatus::from_answer(&serde_json::json!([1, 2])), None);
    }

    #[test]
    fn a_wait_estimate_may_be_a_number() {
        let wait = ServerMessage::parse(r#"{"type": "ESTIMATED_WAIT_TIME", "estimatedWait": 3}"#).unwrap();
        assert_eq!(wait, ServerMessage::EstimatedWaitTime { estimated_wait: Some("3".into()) });
    }
}

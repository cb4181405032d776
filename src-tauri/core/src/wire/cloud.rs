//! The HTTP side of the Web Chat Cloud API: one client for every endpoint.
//!
//! One `reqwest::Client` with a cookie store, because `POST /chat/end` has no body and
//! finds the chat through the HTTP session the start request opened. Calls that cannot
//! duplicate anything the agent sees (the resume check, credentials, still-here, typing,
//! focus) are retried with backoff; a chat message, a start, an upload or an end is
//! never retried here: the user decides.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::cookie::CookieStore as _;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use url::Url;

use crate::device::secret::Secret;
use crate::network::Chain;
use crate::network::{Network, NetworkError, NetworkFailure, Route};
use crate::wire::backoff::Backoff;
use crate::wire::cookies::ForgetfulJar;
use crate::wire::lenient;
use crate::wire::protocol::{
    ChatSession, ChatText, Focus, QueueStatus, ScreenshotAnswer, ScreenshotNotify, SessionId, SqsCredentials,
    StartRequest, StillHere, Typing, WireFlag,
};
use crate::wire::wire_log::{self, WireLog};

/// The production endpoint. Breaking API changes go to mm-v2, mm-v3 …, so it is
/// configurable rather than baked in.
pub const DEFAULT_BASE_URL: &str = "https://mm-v1.ximasoftware.com";

/// What went wrong talking to the cloud, with the endpoint it concerned.
#[derive(Debug, thiserror::Error)]
pub enum CloudError {
    #[error("the base URL {0:?} is not a valid http(s) URL")]
    BadBaseUrl(String),
    #[error("the base URL {0:?} is not https: the API key is sent only over https (plain http only to this computer, for testing)")]
    InsecureBaseUrl(String),
    #[error("the contact center's answer to {endpoint} is larger than {limit} bytes")]
    TooLarge { endpoint: &'static str, limit: usize },
    #[error("could not reach the contact center ({endpoint}) {route}: {cause}; {}", Chain(.source))]
    Network {
        endpoint: &'static str,
        cause: NetworkFailure,
        /// The way the request went, as `doctor` prints it (boxed: errors stay small).
        route: Box<Route>,
        #[source]
        source: reqwest::Error,
    },
    #[error("the network could not be set up: {0}")]
    Setup(#[from] NetworkError),
    #[error("the contact center did not answer in time ({endpoint})")]
    Timeout { endpoint: &'static str },
    #[error("the contact center refused {endpoint}: {status}{}", detail_suffix(.detail))]
    Status { endpoint: &'static str, status: StatusCode, detail: Option<String> },
    #[error("the contact center's answer to {endpoint} could not be read: {reason}")]
    Decode { endpoint: &'static str, reason: String },
}

fn detail_suffix(detail: &Option<String>) -> String {
    detail.as_ref().map(|d| format!(" ({d})")).unwrap_or_default()
}

impl CloudError {
    /// The HTTP status, when the cloud answered at all.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            CloudError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Worth trying again later: the network or the server failed, not the request.
    pub fn is_transient(&self) -> bool {
        match self {
            CloudError::Network { cause, .. } => cause.may_pass(),
            CloudError::Timeout { .. } => true,
            CloudError::Status { status, .. } => {
                status.is_server_error()
                    || *status == StatusCode::TOO_MANY_REQUESTS
                    || *status == StatusCode::REQUEST_TIMEOUT
            }
            CloudError::BadBaseUrl(_)
            | CloudError::InsecureBaseUrl(_)
            | CloudError::Setup(_)
            | CloudError::TooLarge { .. }
            | CloudError::Decode { .. } => false,
        }
    }

    /// The request never left this computer: the connection (the name, TCP, the proxy's
    /// tunnel, TLS) failed before a byte of it was written, so sending it again cannot
    /// repeat it. Told by the error's kind, never by its words.
    pub fn never_left(&self) -> bool {
        matches!(self, CloudError::Network { source, .. } if source.is_connect())
    }

    /// The request was understood and refused: the key, the token or the session is wrong.
    pub fn is_rejection(&self) -> bool {
        matches!(self.status(), Some(status) if status.is_client_error() && !self.is_transient())
    }
}

/// Timeouts for the cloud client.
#[derive(Debug, Clone)]
pub struct CloudOptions {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Uploads of a 4K PNG can take longer than a chat line.
    pub upload_timeout: Duration,
    /// Attempts for the calls that are safe to repeat.
    pub idempotent_attempts: u32,
    pub retry_base: Duration,
    /// How this computer reaches the cloud (and SQS); the computer's own settings when
    /// `None`, with none of the app's.
    pub network: Option<Network>,
}

impl Default for CloudOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            upload_timeout: Duration::from_secs(60),
            idempotent_attempts: 3,
            retry_base: Duration::from_millis(300),
            network: None,
        }
    }
}

/// Whether a call may be repeated without the agent seeing it twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Safe,
    Never,
}

#[derive(Debug, Clone)]
pub struct CloudClient {
    http: reqwest::Client,
    network: Network,
    cookies: Arc<ForgetfulJar>,
    base: Url,
    options: CloudOptions,
    wire_log: Option<Arc<WireLog>>,
}

/// A whole answer. Every answer of this API is small (JSON, a uuid or nothing), so it
/// is read at once; the wire log and the callers then look at the same bytes.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

impl CloudClient {
    pub fn new(base_url: &str, mut options: CloudOptions) -> Result<Self, CloudError> {
        let base = checked_base_url(base_url)?;
        let network = match options.network.clone() {
            Some(network) => network,
            None => Network::of_this_computer()?,
        };
        options.network = Some(network.clone());
        let cookies = Arc::new(ForgetfulJar::default());
        let http = network
            .http_client_builder()
            .cookie_provider(cookies.clone())
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            // The API key goes in a body: a redirect must not carry it anywhere else.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("XimaChatDesktop/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| CloudError::Setup(NetworkError::Client(source.to_string())))?;
        Ok(Self { http, network, cookies, base, options, wire_log: None })
    }

    /// A client for the same cloud with a cookie jar of its own.
    pub fn detached(&self) -> Result<CloudClient, CloudError> {
        let client = CloudClient::new(self.base.as_str(), self.options.clone())?;
        Ok(match &self.wire_log {
            Some(log) => client.with_wire_log(log.clone()),
            None => client,
        })
    }

    /// Records the shape of every exchange in `log` (see [`crate::wire::wire_log`]).
    pub fn with_wire_log(mut self, log: Arc<WireLog>) -> Self {
        self.wire_log = Some(log);
        self
    }

    pub fn wire_log(&self) -> Option<&Arc<WireLog>> {
        self.wire_log.as_ref()
    }

    /// Drops every cookie the cloud has set (its session cookie among them).
    pub fn forget_cookies(&self) {
        self.cookies.forget();
    }

    /// The cookies the cloud set, as one `Cookie` header value, to keep with a saved
    /// session: `POST /chat/end` finds the chat only through them.
    pub fn session_cookies(&self) -> Option<Secret> {
        self.cookies.cookies(&self.base).and_then(|header| header.to_str().ok().map(Secret::new))
    }

    /// Puts back cookies saved by [`CloudClient::session_cookies`] in an earlier run.
    pub fn restore_session_cookies(&self, saved: &Secret) {
        self.cookies.restore(&self.base, saved.expose());
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// How this client reaches the outside; SQS goes the same way.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Decides the route to the cloud off the async threads (a PAC file may have to be
    /// fetched), before the first request of a chat.
    pub async fn prepare_route(&self) -> Route {
        self.network.prepare(&self.base).await
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}{}", self.base.path().trim_end_matches('/'), path));
        url
    }

    /// `GET /chat/queue?existingChatSessionId=…`: the session if it still lives. `None`
    /// when the cloud says it is gone in any of the ways servers say it: 204, 404, 410,
    /// an empty body, `null`, `{}` or `{"sessionDetails": null}`.
    pub async fn check_session(&self, id: &SessionId) -> Result<Option<ChatSession>, CloudError> {
        const ENDPOINT: &str = "GET /chat/queue";
        let mut url = self.url("/chat/queue");
        url.query_pairs_mut().append_pair("existingChatSessionId", id.as_str());
        let answer = match self.send_with_retry(ENDPOINT, Repeat::Safe, || self.http.get(url.clone())).await {
            Err(CloudError::Status { status: StatusCode::NOT_FOUND | StatusCode::GONE, .. }) => return Ok(None),
            other => other?,
        };
        if answer.status == StatusCode::NO_CONTENT || answer.text().trim().is_empty() {
            return Ok(None);
        }
        let value = decode::<serde_json::Value>(ENDPOINT, &answer.text())?;
        ChatSession::from_answer(value).map_err(|error| decode_error(ENDPOINT, error))
    }

    /// `POST /chat/queue` (captcha) or `POST /chat/apiqueue` (API key).
    pub async fn start(&self, request: &StartRequest) -> Result<ChatSession, CloudError> {
        let endpoint = match request.path() {
            "/chat/queue" => "POST /chat/queue",
            _ => "POST /chat/apiqueue",
        };
        let body = serde_json::to_vec(&request.to_wire()).map_err(|error| decode_error(endpoint, error))?;
        let url = self.url(request.path());
        let answer = self.send_with_retry(endpoint, Repeat::Never, || json_post(&self.http, &url, &body)).await?;
        decode(endpoint, &answer.text())
    }

    /// `GET /chat/queue/auth?installation-id=…`.
    pub async fn sqs_credentials(&self, installation_id: &str) -> Result<SqsCredentials, CloudError> {
        const ENDPOINT: &str = "GET /chat/queue/auth";
        let mut url = self.url("/chat/queue/auth");
        url.query_pairs_mut().append_pair("installation-id", installation_id);
        let answer = self.send_with_retry(ENDPOINT, Repeat::Safe, || self.http.get(url.clone())).await?;
        decode(ENDPOINT, &answer.text())
    }

    /// `GET /queue/status?installation-id=…`: which skills have an agent ready. Not on
    /// the vendor's page (code that ran against production calls it), so `Ok(None)`
    /// means this server has no such endpoint.
    pub async fn queue_status(&self, installation_id: &str) -> Result<Option<QueueStatus>, CloudError> {
        const ENDPOINT: &str = "GET /queue/status";
        let mut url = self.url("/queue/status");
        url.query_pairs_mut().append_pair("installation-id", installation_id);
        match self.send_with_retry(ENDPOINT, Repeat::Safe, || self.http.get(url.clone())).await {
            Ok(answer) => {
                let value = decode::<serde_json::Value>(ENDPOINT, &answer.text())?;
                QueueStatus::from_answer(&value).map(Some).ok_or_else(|| CloudError::Decode {
                    endpoint: ENDPOINT,
                    reason: format!("expected an object of skills, got {}", lenient::json_kind(&value)),
                })
            }
            Err(CloudError::Status { status: StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `POST /chat/still-here`.
    pub async fn still_here(&self, id: &SessionId) -> Result<(), CloudError> {
        let body = StillHere { chat_session_id: id.as_str() };
        self.post_json("POST /chat/still-here", "/chat/still-here", &body, Repeat::Safe).await
    }

    /// `POST /chat`: one message from the customer. Never retried here.
    pub async fn send_text(&self, id: &SessionId, text: &str) -> Result<(), CloudError> {
        let body = ChatText { chat_session_id: id.as_str(), message: text };
        self.post_json("POST /chat", "/chat", &body, Repeat::Never).await
    }

    /// `POST /chat/focus`.
    pub async fn focus(&self, id: &SessionId) -> Result<(), CloudError> {
        let body = Focus { chat_session_id: id.as_str(), focused: WireFlag(true) };
        self.post_json("POST /chat/focus", "/chat/focus", &body, Repeat::Safe).await
    }

    /// `POST /chat/typing`.
    pub async fn typing(&self, id: &SessionId, typing: bool) -> Result<(), CloudError> {
        let body = Typing { chat_session_id: id.as_str(), typing: WireFlag(typing) };
        self.post_json("POST /chat/typing", "/chat/typing", &body, Repeat::Safe).await
    }

    /// `POST /screenshot` with a PNG; returns the screenshot's uuid.
    ///
    /// The body carries the page's `data:image/png;base64;` prefix. A server that
    /// refuses it (a 4xx) gets the standard `data:image/png;base64,` once: nothing
    /// reaches the agent before `/screenshot/notify`, so a second upload is harmless.
    pub async fn upload_screenshot(&self, png: &[u8]) -> Result<String, CloudError> {
        const ENDPOINT: &str = "POST /screenshot";
        let spec_body = crate::wire::protocol::screenshot_body(png);
        let answer = match self.upload(ENDPOINT, spec_body.clone()).await {
            Err(error) if error.is_rejection() => {
                tracing::info!(%error, "the spec's screenshot prefix was refused; sending the standard data URL prefix");
                self.upload(ENDPOINT, crate::wire::protocol::standard_data_url(spec_body)).await?
            }
            other => other?,
        };
        let location = answer.headers.get(reqwest::header::LOCATION).and_then(|value| value.to_str().ok());
        screenshot_uuid(&answer.text(), location)
            .ok_or_else(|| CloudError::Decode { endpoint: ENDPOINT, reason: "no screenshot uuid in the answer".into() })
    }

    async fn upload(&self, endpoint: &'static str, body: String) -> Result<Answer, CloudError> {
        let url = self.url("/screenshot");
        let timeout = self.options.upload_timeout;
        self.send_with_retry(endpoint, Repeat::Never, || {
            self.http
                .post(url.clone())
                .timeout(timeout)
                .header(reqwest::header::CONTENT_TYPE, "text/plain")
                .body(body.clone())
        })
        .await
    }

    /// `POST /screenshot/notify`.
    pub async fn notify_screenshot(&self, id: &SessionId, answer: &ScreenshotAnswer) -> Result<(), CloudError> {
        let body = ScreenshotNotify::new(id.as_str(), answer);
        self.post_json("POST /screenshot/notify", "/screenshot/notify", &body, Repeat::Never).await
    }

    /// `POST /chat/end`: no body; the cloud finds the chat through the HTTP session.
    pub async fn end(&self) -> Result<(), CloudError> {
        const ENDPOINT: &str = "POST /chat/end";
        let url = self.url("/chat/end");
        self.send_with_retry(ENDPOINT, Repeat::Never, || self.http.post(url.clone())).await.map(drop)
    }

    async fn post_json<B: Serialize>(
        &self,
        endpoint: &'static str,
        path: &str,
        body: &B,
        repeat: Repeat,
    ) -> Result<(), CloudError> {
        let url = self.url(path);
        let bytes = serde_json::to_vec(body).map_err(|error| decode_error(endpoint, error))?;
        self.send_with_retry(endpoint, repeat, || json_post(&self.http, &url, &bytes)).await.map(drop)
    }

    async fn send_with_retry(
        &self,
        endpoint: &'static str,
        repeat: Repeat,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer, CloudError> {
        let attempts = match repeat {
            Repeat::Safe => self.options.idempotent_attempts.max(1),
            Repeat::Never => 1,
        };
        let mut backoff = Backoff::new(self.options.retry_base, Duration::from_secs(5));
        let mut attempt = 1;
        loop {
            let outcome = self.send_once(endpoint, build()).await;
            match outcome {
                Err(error) if error.is_transient() && attempt < attempts => {
                    let delay = backoff.next_delay();
                    tracing::debug!(endpoint, attempt, ?delay, %error, "retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    async fn send_once(&self, endpoint: &'static str, request: reqwest::RequestBuilder) -> Result<Answer, CloudError> {
        let network = |source: reqwest::Error| self.network_error(endpoint, source);
        let request = request.build().map_err(network)?;
        let began = Instant::now();
        let record = self.wire_log.as_ref().map(|_| RequestRecord::of(&request));
        let outcome = async {
            let response = self.http.execute(request).await.map_err(network)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = self.capped_body(endpoint, response).await?;
            Ok::<_, CloudError>(Answer { status, headers, body })
        }
        .await;
        if let (Some(log), Some(record)) = (&self.wire_log, record) {
            record.write(log, outcome.as_ref().ok(), began.elapsed());
        }
        let answer = outcome?;
        tracing::debug!(endpoint, status = %answer.status, "cloud answered");
        if answer.status.is_success() {
            return Ok(answer);
        }
        let detail = Some(error_detail(&answer.text())).filter(|detail| !detail.is_empty());
        Err(CloudError::Status { endpoint, status: answer.status, detail })
    }
}

/// The largest answer read from the cloud. Its answers are small JSON (an avatar in a
/// session answer is the largest thing seen); a server that streams more is broken or
/// hostile, and must not fill the customer's memory.
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

impl CloudClient {
    /// Reads a response's body, refusing one larger than [`MAX_ANSWER_BYTES`] before it
    /// is all in memory.
    async fn capped_body(
        &self,
        endpoint: &'static str,
        mut response: reqwest::Response,
    ) -> Result<bytes::Bytes, CloudError> {
        let too_large = CloudError::TooLarge { endpoint, limit: MAX_ANSWER_BYTES };
        if response.content_length().is_some_and(|length| length > MAX_ANSWER_BYTES as u64) {
            return Err(too_large);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|source| self.network_error(endpoint, source))? {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.into())
    }

    /// A failed exchange, with its cause and the route it took. A failure may mean
    /// the computer moved to another network: the desktop's route is asked again.
    fn network_error(&self, endpoint: &'static str, source: reqwest::Error) -> CloudError {
        // A connect timeout is both: it never left, which matters more than how long
        // it took to find out.
        if source.is_timeout() && !source.is_connect() {
            return CloudError::Timeout { endpoint };
        }
        let url = source.url().cloned().unwrap_or_else(|| self.base.clone());
        let route = Box::new(self.network.route(&url));
        let cause = NetworkFailure::of(&source, self.network.sends_proxy_credentials(&url));
        self.network.forget_routes();
        // reqwest names the URL, which holds the session id: the endpoint says enough.
        CloudError::Network { endpoint, cause, route, source: source.without_url() }
    }
}

/// Where the API key may go: the base URL, which must be https, or plain http to this
/// computer (the tests and the demo run the simulator there). Anything else is refused
/// before a client exists that could send the key to it.
pub fn checked_base_url(base_url: &str) -> Result<Url, CloudError> {
    let mut base = Url::parse(base_url.trim()).map_err(|_| CloudError::BadBaseUrl(base_url.to_owned()))?;
    if base.cannot_be_a_base() || base.host().is_none() || !base.username().is_empty() || base.password().is_some() {
        return Err(CloudError::BadBaseUrl(base_url.to_owned()));
    }
    match base.scheme() {
        "https" => {}
        "http" if crate::network::is_loopback(&base) => {}
        "http" => return Err(CloudError::InsecureBaseUrl(base_url.trim().to_owned())),
        _ => return Err(CloudError::BadBaseUrl(base_url.to_owned())),
    }
    base.set_query(None);
    base.set_fragment(None);
    Ok(base)
}

fn json_post(http: &reqwest::Client, url: &Url, body: &[u8]) -> reqwest::RequestBuilder {
    http.request(Method::POST, url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_vec())
}

/// What the wire log keeps of a request until its answer comes: names, never values.
struct RequestRecord {
    method: String,
    path: String,
    query: Vec<String>,
    headers: Vec<String>,
    body: serde_json::Value,
}

impl RequestRecord {
    fn of(request: &reqwest::Request) -> Self {
        Self {
            method: request.method().to_string(),
            path: request.url().path().to_owned(),
            query: request.url().query_pairs().map(|(name, _)| name.into_owned()).collect(),
            headers: header_names(request.headers()),
            body: request
                .body()
                .and_then(reqwest::Body::as_bytes)
                .map_or(serde_json::json!("empty"), wire_log::shape_of_text),
        }
    }

    fn write(self, log: &WireLog, answer: Option<&Answer>, took: Duration) {
        log.exchange(&wire_log::Exchange {
            method: &self.method,
            path: &self.path,
            query: self.query,
            request_headers: self.headers,
            request_body: self.body,
            status: answer.map(|answer| answer.status.as_u16()),
            response_headers: answer.map(|answer| header_names(&answer.headers)).unwrap_or_default(),
            response_body: answer
                .map_or(serde_json::json!("no answer"), |answer| wire_log::shape_of_text(&answer.body)),
            millis: took.as_millis(),
        });
    }
}

fn header_names(headers: &HeaderMap) -> Vec<String> {
    headers.keys().map(|name| name.as_str().to_owned()).collect()
}

/// A short, single-line reason from an error body: `{"error": "…"}` or plain text.
fn error_detail(body: &str) -> String {
    let from_json = lenient::from_str::<serde_json::Value>(body).ok().and_then(|value| {
        ["error", "message", "reason"]
            .iter()
            .find_map(|key| value.get(*key).and_then(|v| v.as_str()).map(str::to_owned))
    });
    let text = from_json.unwrap_or_else(|| body.trim().to_owned());
    let line = text.lines().next().unwrap_or_default();
    line.chars().take(200).collect()
}

fn decode<T: DeserializeOwned>(endpoint: &'static str, text: &str) -> Result<T, CloudError> {
    lenient::from_str(text).map_err(|error| decode_error(endpoint, error))
}

fn decode_error(endpoint: &'static str, error: serde_json::Error) -> CloudError {
    CloudError::Decode { endpoint, reason: error.to_string() }
}

/// The spec says only "a screenshot UUID is returned": accept it bare, quoted, as a
/// number, as a JSON object with `uuid`, `id` or `screenshotId`, or as the last part
/// of a `Location` header when the body has none.
fn screenshot_uuid(text: &str, location: Option<&str>) -> Option<String> {
    from_body(text).or_else(|| {
        let path = location?.split(['?', '#']).next()?;
        plausible_id(path.trim_end_matches('/').rsplit('/').next()?)
    })
}

fn from_body(text: &str) -> Option<String> {
    let text = text.trim();
    if let Ok(value) = lenient::from_str::<serde_json::Value>(text) {
        let found = match &value {
            serde_json::Value::String(uuid) => Some(uuid.clone()),
            serde_json::Value::Number(number) => Some(number.to_string()),
            serde_json::Value::Object(fields) => {
                ["uuid", "id", "screenshotId"].iter().find_map(|key| match fields.get(*key) {
                    Some(serde_json::Value::String(uuid)) => Some(uuid.clone()),
                    Some(serde_json::Value::Number(number)) => Some(number.to_string()),
                    _ => None,
                })
            }
            _ => None,
        };
        return found.and_then(|uuid| plausible_id(uuid.trim()));
    }
    plausible_id(text.trim_matches('"'))
}

fn plausible_id(text: &str) -> Option<String> {
    let plausible = !text.is_empty()
        && text.len() <= 128
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    plausible.then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that answers every request with `chunks` chunks of 64 KiB of spaces and
    /// no length: only reading can tell how large the answer is.
    async fn endless_answer(chunks: usize) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut request = [0u8; 8192];
            let _ = socket.read(&mut request).await;
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = [b"10000\r\n".as_slice(), &[b' '; 0x10000], b"\r\n"].concat();
            for _ in 0..chunks {
                if socket.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            let _ = socket.write_all(b"0\r\n\r\n").await;
        });
        url
    }

    #[tokio::test]
    async fn an_answer_larger_than_any_the_cloud_gives_is_refused_while_it_is_read() {
        let cloud = CloudClient::new(&endless_answer(100).await, CloudOptions::default()).unwrap();
        let error = cloud.check_session(&SessionId("s".into())).await.unwrap_err();
        assert!(matches!(error, CloudError::TooLarge { .. }), "{error}");
        assert!(!error.is_transient(), "not worth asking again");
    }

    #[test]
    fn screenshot_uuid_is_read_in_any_reasonable_shape() {
        let id = "9c108bb3-8924-4234-a53c-be9ab284d4e3";
        assert_eq!(screenshot_uuid(id, None).as_deref(), Some(id));
        assert_eq!(screenshot_uuid(&format!("\"{id}\"\n"), None).as_deref(), Some(id));
        assert_eq!(screenshot_uuid(&format!("{{\"uuid\": \"{id}\"}}"), None).as_deref(), Some(id));
        assert_eq!(screenshot_uuid(&format!("{{\"screenshotId\": \"{id}\"}}"), None).as_deref(), Some(id));
        assert_eq!(screenshot_uuid("{\"id\": 4711}", None).as_deref(), Some("4711"));
        assert_eq!(screenshot_uuid("4711", None).as_deref(), Some("4711"));
        assert_eq!(screenshot_uuid("", Some(&format!("/screenshot/{id}"))).as_deref(), Some(id));
        assert_eq!(
            screenshot_uuid("", Some(&format!("https://mm-v1.ximasoftware.com/screenshot/{id}?x=1"))).as_deref(),
            Some(id)
        );
        assert_eq!(screenshot_uuid("<html>oops</html>", None), None);
        assert_eq!(screenshot_uuid("", None), None);
        assert_eq!(screenshot_uuid("{\"uuid\": \"<b>\"}", None), None);
    }

    #[test]
    fn base_url_keeps_a_path_prefix_and_rejects_other_schemes() {
        let client = CloudClient::new("https://proxy.example/xima/", CloudOptions::default()).unwrap();
        assert_eq!(client.url("/chat/end").as_str(), "https://proxy.example/xima/chat/end");
        let plain = CloudClient::new(DEFAULT_BASE_URL, CloudOptions::default()).unwrap();
        assert_eq!(plain.url("/chat").as_str(), "https://mm-v1.ximasoftware.com/chat");
        assert!(CloudClient::new("ftp://x", CloudOptions::default()).is_err());
        assert!(CloudClient::new("not a url", CloudOptions::default()).is_err());
    }

    #[test]
    fn errors_say_which_ones_are_worth_retrying() {
        let server = CloudError::Status { endpoint: "POST /chat", status: StatusCode::BAD_GATEWAY, detail: None };
        let refused = CloudError::Status {
            endpoint: "POST /chat/apiqueue",
            status: StatusCode::UNAUTHORIZED,
            detail: Some("invalid API key".into()),
        };
        assert!(server.is_transient() && !server.is_rejection());
        assert!(refused.is_rejection() && !refused.is_transient());
        assert_eq!(
            refused.to_string(),
            "the contact center refused POST /chat/apiqueue: 401 Unauthorized (invalid API key)"
        );
    }
}

//! Shared parts of the integration tests: the cloud simulator and moto, started by
//! `tests/harness/services.py` (which `tests/run.sh` uses), and a chat wired to them.
#![allow(dead_code)]

pub mod proxy;
pub mod screen;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use xima_chat_core::InboxOptions;
use xima_chat_core::Network;
use xima_chat_core::SessionStore;
use xima_chat_core::WireLog;
use xima_chat_core::{
    Chat, ChatEvent, ChatSettings, CloudClient, CloudOptions, CustomChatInfo, EventSink, Secret, SessionId,
    SessionState, StartAuth, StartRequest,
};

pub const API_KEY: &str = "demo-api-key";
pub const CAPTCHA_TOKEN: &str = "demo-captcha-token";
const WAIT: Duration = Duration::from_secs(15);

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests through tests/run.sh (or tests/harness/services.py), which starts moto and the simulator")
    })
}

/// The simulator's admin side: drive the agent, inject faults, read what the client sent.
#[derive(Clone)]
pub struct Simulator {
    pub url: String,
    http: reqwest::Client,
}

impl Simulator {
    pub fn from_env() -> Self {
        Self { url: env("XIMA_SIM_URL"), http: reqwest::Client::new() }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let response =
            self.http.post(format!("{}{path}", self.url)).json(&body).send().await.expect("simulator reachable");
        assert!(response.status().is_success(), "simulator refused {path}: {}", response.status());
        response.json().await.unwrap_or(Value::Null)
    }

    async fn get_text(&self, path: &str) -> String {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("simulator reachable")
            .text()
            .await
            .expect("simulator answers")
    }

    async fn get(&self, path: &str) -> Value {
        serde_json::from_str(&self.get_text(path).await).expect("simulator answers JSON")
    }

    /// The agent side sends `message` on the session's serverToClientQueue.
    pub async fn agent_sends(&self, session: &SessionId, message: Value) -> Value {
        self.post(&format!("/_sim/sessions/{session}/messages"), message).await
    }

    /// Puts `body` on the queue verbatim, valid JSON or not.
    pub async fn agent_sends_raw(&self, session: &SessionId, body: &str) {
        self.post(&format!("/_sim/sessions/{session}/messages"), json!({ "raw": body })).await;
    }

    pub async fn requests(&self, path: &str) -> Vec<Value> {
        let all = self.get(&format!("/_sim/requests?path={path}")).await;
        all.as_array().cloned().unwrap_or_default()
    }

    pub async fn requests_for(&self, path: &str, session: &SessionId) -> Vec<Value> {
        let all = self.get(&format!("/_sim/requests?path={path}&session={session}")).await;
        all.as_array().cloned().unwrap_or_default()
    }

    /// The base64 PNG uploaded as screenshot `uuid`.
    pub async fn screenshot(&self, uuid: &str) -> String {
        self.get_text(&format!("/_sim/screenshots/{uuid}")).await
    }

    pub async fn session(&self, session: &SessionId) -> Value {
        self.get(&format!("/_sim/sessions/{session}")).await
    }

    /// The next `count` requests to `path` that mention `scope` (a session or
    /// installation id) are answered with `status`.
    pub async fn fail_next(&self, path: &str, scope: &str, status: u16, count: u32) {
        self.post("/_sim/faults", json!({ "path": path, "status": status, "count": count, "match": scope })).await;
    }

    /// Any fault the simulator knows (see `/_sim/faults` in xima_sim.py).
    pub async fn add_fault(&self, fault: Value) {
        self.post("/_sim/faults", fault).await;
    }

    pub async fn rotate_credentials(&self, installation: &str) {
        self.post(&format!("/_sim/installations/{installation}/rotate-credentials"), json!({})).await;
    }

    pub async fn deny_sqs(&self, installation: &str, actions: &[&str]) {
        self.post(&format!("/_sim/installations/{installation}/deny"), json!({ "actions": actions })).await;
    }

    pub async fn configure(&self, installation: &str, settings: Value) {
        self.post(&format!("/_sim/installations/{installation}/settings"), settings).await;
    }

    /// Every dialect the simulator speaks (`GET /_sim/dialects`).
    pub async fn dialects(&self) -> Vec<String> {
        serde_json::from_value(self.get("/_sim/dialects").await).expect("a list of dialect names")
    }

    /// The chats the simulator opened for `installation`.
    pub async fn sessions_of(&self, installation: &str) -> Vec<SessionId> {
        let ids: Vec<String> =
            serde_json::from_value(self.get(&format!("/_sim/sessions?installation={installation}")).await)
                .expect("a list of session ids");
        ids.into_iter().map(SessionId).collect()
    }

    pub async fn forget_session(&self, session: &SessionId) {
        self.post(&format!("/_sim/sessions/{session}/drop"), json!({})).await;
    }

    /// Messages still on the session's queue (visible or in flight).
    pub async fn queue_depth(&self, session: &SessionId) -> u64 {
        let depth = &self.session(session).await["queueDepth"];
        depth["visible"].as_u64().unwrap_or(0) + depth["inFlight"].as_u64().unwrap_or(0)
    }
}

/// A chat against the simulator, with its own installation id and data dir, and the
/// events it emits collected for assertions.
pub struct TestChat {
    pub chat: Chat,
    pub events: UnboundedReceiver<ChatEvent>,
    pub seen: Vec<ChatEvent>,
    pub installation: String,
    pub data_dir: PathBuf,
    pub sim: Simulator,
    /// With `Options::events_read_the_chat`: events the chat emitted while locked.
    pub emitted_under_lock: Arc<AtomicUsize>,
}

/// An event sink that reads the chat back from another thread before passing each event
/// on, and counts the events during which it could not: those were emitted while the
/// chat was locked. (Read from the emitting thread, they would deadlock the test instead
/// of failing it.)
struct ReadingTheChat {
    chat: OnceLock<Chat>,
    then: UnboundedSender<ChatEvent>,
    emitted_under_lock: Arc<AtomicUsize>,
}

impl EventSink for ReadingTheChat {
    fn emit(&self, event: ChatEvent) {
        if let Some(chat) = self.chat.get().cloned() {
            let (read, done) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = chat.snapshot();
                let _ = read.send(());
            });
            if done.recv_timeout(Duration::from_secs(2)).is_err() {
                self.emitted_under_lock.fetch_add(1, Ordering::SeqCst);
            }
        }
        self.then.emit(event);
    }
}

pub struct Options {
    pub keepalive: Duration,
    pub credentials_refresh: Duration,
    pub screenshot_timeout: Duration,
    /// How long the cloud client waits for an answer.
    pub request_timeout: Duration,
    /// Field diagnosis: the shape of every exchange goes to this file.
    pub wire_log: Option<PathBuf>,
    /// Where the chat reaches the cloud and SQS instead of the simulator and moto
    /// themselves, e.g. a proxy in between; by default straight to them.
    pub cloud_url: Option<String>,
    pub sqs_endpoint: Option<String>,
    /// Each event, as it is emitted, reads the chat back (as the window does when an
    /// event arrives): an event emitted under the chat's lock then deadlocks the test.
    pub events_read_the_chat: bool,
    /// How long a received message stays hidden from the next receive.
    pub hold: Duration,
    /// How the chat reaches the outside; the computer's own way by default.
    pub network: Option<Network>,
    /// Time that passed without the app beyond this is a waking.
    pub wake_gap: Duration,
    /// How long one receive waits on the queue (the app's own is 20 s).
    pub poll_wait: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            keepalive: Duration::from_secs(30),
            credentials_refresh: Duration::from_secs(300),
            screenshot_timeout: Duration::from_secs(120),
            request_timeout: CloudOptions::default().request_timeout,
            wire_log: None,
            cloud_url: None,
            // moto: the app's own default is AWS (tests/harness/services.py sets this).
            sqs_endpoint: std::env::var("XIMA_SQS_ENDPOINT").ok(),
            events_read_the_chat: false,
            hold: InboxOptions::default().hold,
            network: None,
            wake_gap: ChatSettings::new("").wake_gap,
            poll_wait: Duration::from_secs(5),
        }
    }
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}-{:x}", std::process::id(), fastrand_u64())
}

fn fastrand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    hasher.finish()
}

impl TestChat {
    pub fn new(options: Options) -> Self {
        let installation = unique("inst");
        let data_dir = std::env::temp_dir().join(unique("xima-chat-test"));
        Self::with(installation, data_dir, options)
    }

    /// A chat of `installation`, which the test has set up in the simulator first.
    pub fn of_installation(installation: &str, options: Options) -> Self {
        Self::with(installation.to_owned(), std::env::temp_dir().join(unique("xima-chat-test")), options)
    }

    /// Another run of the app: same installation and data dir, fresh process state.
    pub fn restart(&self, options: Options) -> Self {
        Self::with(self.installation.clone(), self.data_dir.clone(), options)
    }

    fn with(installation: String, data_dir: PathBuf, options: Options) -> Self {
        let sim = Simulator::from_env();
        let cloud = CloudClient::new(
            options.cloud_url.as_deref().unwrap_or(&sim.url),
            CloudOptions {
                request_timeout: options.request_timeout,
                network: options.network.clone(),
                ..CloudOptions::default()
            },
        )
        .expect("simulator URL is valid");
        let cloud = match &options.wire_log {
            Some(path) => cloud.with_wire_log(Arc::new(WireLog::open(path).expect("the wire log opens"))),
            None => cloud,
        };
        let mut settings = ChatSettings::new(installation.clone());
        settings.keepalive_every = options.keepalive;
        settings.credentials_refresh = options.credentials_refresh;
        settings.screenshot_consent_timeout = options.screenshot_timeout;
        settings.wake_gap = options.wake_gap;
        settings.inbox = InboxOptions {
            wait_time: options.poll_wait,
            backoff_base: Duration::from_millis(200),
            backoff_cap: Duration::from_secs(2),
            endpoint: options.sqs_endpoint.clone(),
            hold: options.hold,
            ..InboxOptions::default()
        };
        let (sender, events) = unbounded_channel();
        let emitted_under_lock = Arc::new(AtomicUsize::new(0));
        let chat = if options.events_read_the_chat {
            let sink = Arc::new(ReadingTheChat {
                chat: OnceLock::new(),
                then: sender,
                emitted_under_lock: emitted_under_lock.clone(),
            });
            let chat = Chat::new(cloud, settings, SessionStore::new(&data_dir), sink.clone());
            let _ = sink.chat.set(chat.clone());
            chat
        } else {
            Chat::new(cloud, settings, SessionStore::new(&data_dir), Arc::new(sender))
        };
        Self { chat, events, seen: Vec::new(), installation, data_dir, sim, emitted_under_lock }
    }

    pub fn request(&self, auth: StartAuth) -> StartRequest {
        StartRequest {
            installation_id: self.installation.clone(),
            email: "ann.lee@example.com".into(),
            name: "Ann Lee".into(),
            skill: "Support".into(),
            auth,
            custom_chat_info: vec![CustomChatInfo { name: "Order".into(), value: "24601".into() }],
        }
    }

    /// Starts with the API key and returns the session id.
    pub async fn start(&mut self) -> SessionId {
        self.chat
            .start(self.request(StartAuth::ApiKey(Secret::new(API_KEY))))
            .await
            .expect("the simulator accepts the demo API key");
        self.session()
    }

    pub fn session(&self) -> SessionId {
        self.chat.snapshot().session_id.expect("a live session")
    }

    /// Waits until an event matches, keeping every event seen.
    pub async fn until(&mut self, what: &str, mut matches: impl FnMut(&ChatEvent) -> bool) -> ChatEvent {
        if let Some(found) = self.seen.iter().find(|event| matches(event)) {
            return found.clone();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.events.recv()).await {
                Ok(Some(event)) => {
                    let mut found = None;
                    for event in one_by_one(event) {
                        if found.is_none() && matches(&event) {
                            found = Some(event.clone());
                        }
                        self.seen.push(event);
                    }
                    if let Some(event) = found {
                        return event;
                    }
                }
                Ok(None) => panic!("event stream closed while waiting for {what}"),
                Err(_) => panic!("no event for {what} within {WAIT:?}; saw {:#?}", self.seen),
            }
        }
    }

    pub async fn until_state(&mut self, what: &str, matches: impl Fn(&SessionState) -> bool) -> SessionState {
        match self.until(what, |event| matches!(event, ChatEvent::State { state } if matches(state))).await {
            ChatEvent::State { state } => state,
            _ => unreachable!(),
        }
    }

    pub async fn until_agent_says(&mut self, text: &str) {
        let wanted = text.to_owned();
        self.until(&format!("agent text {text:?}"), |event| {
            matches!(event, ChatEvent::Entry { entry } if entry.text == wanted
                && matches!(entry.author, xima_chat_core::Author::Agent { .. }))
        })
        .await;
    }

    /// Drains events that arrive within `quiet`, for "nothing more happens" checks.
    pub async fn settle(&mut self, quiet: Duration) {
        while let Ok(Some(event)) = tokio::time::timeout(quiet, self.events.recv()).await {
            self.seen.extend(one_by_one(event));
        }
    }

    /// Waits until the chat's background tasks have all finished.
    pub async fn until_tasks_stopped(&self) {
        eventually("the background tasks to stop", || {
            let running = self.chat.has_running_tasks();
            async move { !running }
        })
        .await;
    }

    /// Waits for the keepalive's first `still-here` of `session`, which goes at once.
    pub async fn until_still_here(&self, session: &SessionId) {
        eventually("a still-here", || async { !self.sim.requests_for("/chat/still-here", session).await.is_empty() })
            .await;
    }

    /// Waits until the session's queue holds nothing, visible or in flight.
    pub async fn until_queue_empty(&self, session: &SessionId) {
        eventually("the queue to be empty", || async { self.sim.queue_depth(session).await == 0 }).await;
    }

    pub fn agent_lines(&self, text: &str) -> usize {
        self.chat.snapshot().entries.iter().filter(|entry| entry.text == text).count()
    }
}

/// Polls `check` until it is true or the wait runs out.
/// The events as the chat made them: the entries of one queue read travel together
/// (`ChatEvent::Entries`); the tests look at them one by one.
pub fn one_by_one(event: ChatEvent) -> Vec<ChatEvent> {
    match event {
        ChatEvent::Entries { entries } => entries.into_iter().map(|entry| ChatEvent::Entry { entry }).collect(),
        event => vec![event],
    }
}

pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within {WAIT:?}");
}

pub fn body(request: &Value) -> Value {
    serde_json::from_str(request["body"].as_str().unwrap_or_default()).unwrap_or(Value::Null)
}

//! The serverToClientQueue reader: long-polls SQS, hands each new message to the session
//! in the order the cloud sent it, then deletes the batch.
//!
//! At-least-once delivery is absorbed here: duplicates (same MessageId) are deleted and
//! not shown again, bodies that cannot be read are logged and deleted so they cannot
//! block the queue, and every failure backs off with jitter while the session is told
//! the link is down. Rejected keys are dropped and refetched at once.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::config::{BehaviorVersion, IdentityCache, Region, StalledStreamProtectionConfig};
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::device::clocks::Waking;
use crate::network::NetworkFailure;
use crate::wire::backoff::Backoff;
use crate::wire::credentials::SqsCredentialSource;
use crate::wire::dedupe::SeenMessages;
use crate::wire::protocol::{queue_region, QueueDescriptor, ServerMessage};
use crate::wire::wire_log::WireLog;

/// Where the inbox's work goes: the session implements this.
pub trait Dispatch: Send + Sync + 'static {
    /// A new message, in SentTimestamp order. Called before the message is deleted.
    fn deliver(&self, message: ServerMessage, origin: Origin);
    /// What one receive brought, in SentTimestamp order: each message delivered in turn
    /// unless the dispatch takes them together.
    fn deliver_batch(&self, messages: Vec<(ServerMessage, Origin)>) {
        for (message, origin) in messages {
            self.deliver(message, origin);
        }
    }
    /// The queue could (`Up`) or could not (`Down`) be read.
    fn connection(&self, health: ConnectionHealth);
}

#[derive(Debug, Clone, PartialEq)]
pub enum ConnectionHealth {
    Up,
    Down { reason: String },
}

#[derive(Debug, Clone)]
pub struct InboxOptions {
    /// Long-poll wait; 20 s is SQS's maximum and the cheapest when idle.
    pub wait_time: Duration,
    pub max_messages: i32,
    /// Overrides the SQS endpoint; by default it is AWS's own for the queue's region.
    pub endpoint: Option<String>,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// How long what one receive takes stays hidden from the next (SQS's visibility
    /// timeout, per receive): long enough to show it and delete it, short enough that
    /// what a receive cut short took off the queue (the app quit or was killed while
    /// the answer was on its way) comes back to the next start within seconds, not
    /// after the queue's own timeout.
    pub hold: Duration,
    pub remembered_ids: usize,
    /// Where the shape of every body read goes, when field diagnosis is on.
    pub wire_log: Option<Arc<WireLog>>,
}

impl Default for InboxOptions {
    fn default() -> Self {
        Self {
            wait_time: Duration::from_secs(20),
            max_messages: 10,
            endpoint: None,
            backoff_base: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(10),
            hold: Duration::from_secs(5),
            remembered_ids: 4096,
            wire_log: None,
        }
    }
}

/// Why one poll failed, as far as the inbox needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PollFailure {
    /// The keys were refused: fetch new ones.
    Credentials(String),
    /// The queue is gone; the session has probably ended.
    QueueMissing(String),
    /// Network, throttling, a 5xx, or anything else worth waiting out.
    Transient(String),
}

impl PollFailure {
    fn reason(&self) -> &str {
        match self {
            PollFailure::Credentials(reason) | PollFailure::QueueMissing(reason) | PollFailure::Transient(reason) => {
                reason
            }
        }
    }
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(error: &SdkError<E, HttpResponse>) -> PollFailure {
    let code = error.code().unwrap_or_default().to_owned();
    let status = error.raw_response().map(|response| response.status().as_u16());
    let reason = match (&status, code.is_empty()) {
        (Some(status), false) => format!("SQS answered {status} {code}"),
        (Some(status), true) => format!("SQS answered {status}"),
        (None, _) => format!(
            "SQS unreachable ({}): {}",
            NetworkFailure::of(error, false),
            aws_sdk_sqs::error::DisplayErrorContext(error)
        ),
    };
    const AUTH_CODES: &[&str] = &[
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "UnrecognizedClientException",
        "AccessDenied",
        "AccessDeniedException",
        "InvalidSecurity",
        "MissingAuthenticationToken",
    ];
    const MISSING_CODES: &[&str] =
        &["AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", "NonExistentQueue"];
    if AUTH_CODES.contains(&code.as_str()) || matches!(status, Some(401 | 403)) {
        PollFailure::Credentials(reason)
    } else if MISSING_CODES.contains(&code.as_str()) {
        PollFailure::QueueMissing(reason)
    } else {
        PollFailure::Transient(reason)
    }
}

/// How long the last read of a chat that ended may take.
const DRAIN_FOR: Duration = Duration::from_secs(3);

/// How long each receive of that last read waits for a message.
const DRAIN_WAIT: Duration = Duration::from_secs(1);

/// AWS's own SQS endpoint for a region. The queue URL comes in the contact center's
/// answer; taking the endpoint from it would let a broken or hostile answer have the
/// customer's signed requests, and every message of the chat, go anywhere. Only an
/// explicit `sqs-endpoint` (tests, the demo, a private endpoint) goes elsewhere.
/// The endpoint SQS is reached at: the `sqs-endpoint` setting, else AWS's own for the
/// region (`doctor` asks it of the credentials' region).
pub fn sqs_endpoint(setting: Option<&str>, region: Option<&str>) -> Option<String> {
    setting.map(str::to_owned).or_else(|| aws_endpoint(region?))
}

fn aws_endpoint(region: &str) -> Option<String> {
    let is_region =
        !region.is_empty() && region.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let domain = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
    is_region.then(|| format!("https://sqs.{region}.{domain}"))
}

/// Where a delivered message came from, as SQS told it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// SQS's MessageId: a message kept in the transcript is known by it after a restart,
    /// when SQS hands it out again because its delete did not happen.
    pub id: Option<String>,
    /// When the cloud sent it (SentTimestamp, milliseconds since 1970).
    pub sent: Option<u64>,
}

/// A message received and read, waiting to be dispatched.
#[derive(Debug)]
struct Received {
    sent_at: u64,
    order: usize,
    id: String,
    message: ServerMessage,
}

/// Reads one received batch: new messages in the order the cloud sent them (a batch can
/// arrive out of order), and every receipt handle, so duplicates and unreadable bodies
/// are deleted along with the rest.
fn read_batch(seen: &mut SeenMessages, messages: &[Message]) -> (Vec<(ServerMessage, Origin)>, Vec<String>) {
    let mut fresh = Vec::with_capacity(messages.len());
    let mut receipts = Vec::with_capacity(messages.len());
    for (order, raw) in messages.iter().enumerate() {
        if let Some(receipt) = raw.receipt_handle() {
            receipts.push(receipt.to_owned());
        }
        if let Some(received) = read_one(seen, order, raw) {
            fresh.push(received);
        }
    }
    fresh.sort_by_key(|received| (received.sent_at, received.order));
    let origin = |received: &Received| Origin {
        id: (!received.id.is_empty()).then(|| received.id.clone()),
        sent: (received.sent_at != u64::MAX).then_some(received.sent_at),
    };
    (
        fresh
            .into_iter()
            .map(|received| (origin(&received), received))
            .map(|(origin, received)| (received.message, origin))
            .collect(),
        receipts,
    )
}

fn read_one(seen: &mut SeenMessages, order: usize, raw: &Message) -> Option<Received> {
    let id = raw.message_id().unwrap_or_default();
    if !id.is_empty() && !seen.first_time(id) {
        tracing::debug!(message_id = id, "duplicate delivery dropped");
        return None;
    }
    let sent_at = raw
        .attributes()
        .and_then(|attributes| attributes.get(&MessageSystemAttributeName::SentTimestamp))
        .and_then(|stamp| stamp.parse().ok())
        .unwrap_or(u64::MAX);
    match ServerMessage::parse(raw.body().unwrap_or_default()) {
        Ok(ServerMessage::Unknown { kind }) => {
            tracing::warn!(message_id = id, kind, "unknown message type skipped");
            None
        }
        Ok(message) => Some(Received { sent_at, order, id: id.to_owned(), message }),
        Err(error) => {
            tracing::warn!(message_id = id, %error, "unreadable message deleted");
            None
        }
    }
}

/// The region of the vendor's own examples, for a cloud that names none at all.
const FALLBACK_REGION: &str = "us-east-1";

pub struct Inbox {
    queue_url: String,
    /// The region the queue's URL or ARN names, if any.
    queue_region: Option<String>,
    region_mismatch_logged: bool,
    credentials: SqsCredentialSource,
    options: InboxOptions,
    seen: SeenMessages,
    client: Option<(aws_sdk_sqs::Client, String)>,
    /// Ticks when the computer wakes (see `session/waking.rs`).
    woke: Option<watch::Receiver<Option<Waking>>>,
}

impl Inbox {
    /// `already_seen`: the ids of messages this chat has already shown (from its saved
    /// transcript), so none of them is shown again when SQS redelivers it.
    pub fn new(
        queue: &QueueDescriptor,
        credentials: SqsCredentialSource,
        options: InboxOptions,
        already_seen: impl IntoIterator<Item = String>,
    ) -> Self {
        let mut seen = SeenMessages::new(options.remembered_ids);
        for id in already_seen {
            seen.first_time(&id);
        }
        Self {
            queue_url: queue.url.clone(),
            queue_region: queue_region(queue),
            region_mismatch_logged: false,
            credentials,
            options,
            seen,
            client: None,
            woke: None,
        }
    }

    /// Polls until `cancel` fires, or until `drain` does: then, once the chat is over,
    /// what is left on the queue is read for a few seconds more (the agent's last words
    /// may be behind the CHAT_ENDED that ended it). Never returns early on error: it
    /// reports and retries. `drain` is a child of `cancel`, so cancelling stops both.
    pub async fn run(mut self, dispatch: Arc<dyn Dispatch>, cancel: CancellationToken, drain: CancellationToken) {
        let mut backoff = Backoff::new(self.options.backoff_base, self.options.backoff_cap);
        let mut down = false;
        let wait = self.options.wait_time;
        let mut woke = self.woke.take();
        while !drain.is_cancelled() {
            let received = tokio::select! {
                biased;
                _ = drain.cancelled() => break,
                () = woken(&mut woke) => {
                    self.start_over_after_waking().await;
                    backoff.reset();
                    continue;
                }
                received = self.receive(wait) => received,
            };
            // What was received is applied and deleted whatever `drain` does meanwhile
            // (applying it may be what ended the chat); only `cancel` cuts it short.
            let outcome = match received {
                Ok(received) => {
                    // A sleep during the delete leaves it hanging on the old network: it
                    // is let go (what it deletes comes again and is known by its id).
                    let applied = tokio::select! {
                        _ = cancel.cancelled() => break,
                        () = self.apply(dispatch.as_ref(), received) => true,
                        () = woken(&mut woke) => false,
                    };
                    if !applied {
                        self.start_over_after_waking().await;
                    }
                    Ok(())
                }
                Err(failure) => Err(failure),
            };
            match outcome {
                Ok(()) => {
                    if down {
                        tracing::info!("serverToClientQueue readable again");
                        dispatch.connection(ConnectionHealth::Up);
                        down = false;
                    }
                    backoff.reset();
                }
                Err(failure) => {
                    let first_credential_failure =
                        matches!(failure, PollFailure::Credentials(_)) && backoff.attempts() == 0;
                    if matches!(failure, PollFailure::Credentials(_)) {
                        self.credentials.invalidate().await;
                        self.client = None;
                    }
                    let retry_in = if first_credential_failure {
                        // Rotated keys are the common case: retry at once with fresh ones.
                        backoff.next_delay();
                        Duration::ZERO
                    } else {
                        backoff.next_delay()
                    };
                    tracing::warn!(
                        reason = failure.reason(),
                        attempt = backoff.attempts(),
                        ?retry_in,
                        "polling failed"
                    );
                    if !first_credential_failure {
                        down = true;
                        dispatch.connection(ConnectionHealth::Down { reason: failure.reason().to_owned() });
                    }
                    tokio::select! {
                        _ = drain.cancelled() => break,
                        () = woken(&mut woke) => {
                            self.start_over_after_waking().await;
                            backoff.reset();
                        }
                        _ = tokio::time::sleep(retry_in) => {}
                    }
                }
            }
        }
        if !cancel.is_cancelled() {
            self.drain(dispatch.as_ref(), &cancel).await;
        }
        tracing::debug!("inbox stopped");
    }

    /// Has the run listen for the computer waking (`woke` ticks): a long poll held open
    /// across a sleep may be on a network the computer has since left.
    pub fn woken_by(mut self, woke: watch::Receiver<Option<Waking>>) -> Self {
        self.woke = Some(woke);
        self
    }

    /// After a sleep the long poll's connection is dropped (the receive in flight was),
    /// and the credentials are asked for again: they may have expired meanwhile, and
    /// their age is counted on a clock that stood still.
    async fn start_over_after_waking(&mut self) {
        tracing::info!("the computer woke: reading the queue again over a new connection");
        self.credentials.invalidate().await;
        self.client = None;
    }

    /// Reads what is on the queue, batch after batch, until a receive comes back empty
    /// or [`DRAIN_FOR`] is over. Each receive waits a second (SQS's shortest long poll):
    /// the agent's last line may be sent a moment after the CHAT_ENDED that ended the
    /// chat, and a receive that does not wait would miss it.
    async fn drain(&mut self, dispatch: &dyn Dispatch, cancel: &CancellationToken) {
        let read_all = async {
            let mut read = 0;
            loop {
                match self.receive(DRAIN_WAIT).await {
                    Ok(received) if received.is_empty() => break,
                    Ok(received) => {
                        read += received.len();
                        self.apply(dispatch, received).await;
                    }
                    Err(failure) => {
                        tracing::info!(reason = failure.reason(), "the queue could not be read to its end");
                        break;
                    }
                }
            }
            read
        };
        tokio::select! {
            _ = cancel.cancelled() => {}
            read = tokio::time::timeout(DRAIN_FOR, read_all) => match read {
                Ok(read) => tracing::debug!(read, "read the queue to its end"),
                Err(_) => tracing::info!("the queue was still not empty when the chat's last read ended"),
            },
        }
    }

    async fn client(&mut self) -> Result<aws_sdk_sqs::Client, PollFailure> {
        let (_, issued_region) = self
            .credentials
            .current()
            .await
            .map_err(|error| PollFailure::Transient(format!("no SQS credentials: {error}")))?;
        let region = self.signing_region(issued_region);
        if let Some((client, client_region)) = &self.client {
            if *client_region == region {
                return Ok(client.clone());
            }
        }
        let endpoint = self
            .options
            .endpoint
            .clone()
            .or_else(|| aws_endpoint(&region))
            .ok_or_else(|| PollFailure::QueueMissing(format!("no SQS endpoint for the region {region:?}")))?;
        let timeouts = aws_sdk_sqs::config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            // A long poll holds the connection for `wait_time`; more than that means the
            // link is dead, not slow.
            .operation_attempt_timeout(self.options.wait_time + Duration::from_secs(10))
            .build();
        let network = self.credentials.network();
        if let Ok(url) = url::Url::parse(&endpoint) {
            let route = network.prepare(&url).await;
            tracing::info!(%route, "SQS route");
        }
        let http = network
            .sqs_http_client()
            .map_err(|error| PollFailure::Transient(format!("the SQS client could not be built: {error}")))?;
        let shared = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http)
            .region(Region::new(region.clone()))
            .credentials_provider(self.credentials.clone())
            .endpoint_url(endpoint)
            .timeout_config(timeouts)
            // Our loop owns retries, so the link state it reports is the truth.
            .retry_config(aws_sdk_sqs::config::retry::RetryConfig::disabled())
            .load()
            .await;
        let config = aws_sdk_sqs::config::Builder::from(&shared)
            .identity_cache(IdentityCache::no_cache())
            // The SDK's stalled-stream protection checks a request's upload rate every
            // 100 ms until its answer comes; a long poll waits for its answer all the
            // time, so an idle chat woke the runtime ten times a second. The attempt
            // timeout above already catches a dead link, and SQS bodies are small.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
            .build();
        let client = aws_sdk_sqs::Client::from_conf(config);
        self.client = Some((client.clone(), region));
        Ok(client)
    }

    /// The region requests are signed for: the queue's own when its URL or ARN names
    /// one (a request signed for another region is refused), else the credentials'.
    fn signing_region(&mut self, issued: Option<String>) -> String {
        match (&self.queue_region, issued) {
            (Some(queue), Some(issued)) => {
                if *queue != issued && !self.region_mismatch_logged {
                    self.region_mismatch_logged = true;
                    tracing::warn!(queue_region = %queue, sqs_region = %issued, "sqsRegion differs from the queue's region; signing for the queue's");
                }
                queue.clone()
            }
            (Some(queue), None) => queue.clone(),
            (None, Some(issued)) => issued,
            (None, None) => {
                if !self.region_mismatch_logged {
                    self.region_mismatch_logged = true;
                    tracing::warn!(fallback = FALLBACK_REGION, "no SQS region from the cloud or the queue");
                }
                FALLBACK_REGION.to_owned()
            }
        }
    }

    /// One receive, waiting up to `wait` for something to come.
    async fn receive(&mut self, wait: Duration) -> Result<Vec<Message>, PollFailure> {
        let client = self.client().await?;
        let wait = i32::try_from(wait.as_secs()).unwrap_or(20).clamp(0, 20);
        let hold = i32::try_from(self.options.hold.as_secs()).unwrap_or(5).clamp(1, 43_200);
        let output = client
            .receive_message()
            .queue_url(&self.queue_url)
            .wait_time_seconds(wait)
            .visibility_timeout(hold)
            .max_number_of_messages(self.options.max_messages.clamp(1, 10))
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
            .map_err(|error| classify(&error))?;
        Ok(output.messages.unwrap_or_default())
    }

    /// Reads, dedupes, orders and dispatches what one receive brought, then deletes it.
    async fn apply(&mut self, dispatch: &dyn Dispatch, messages: Vec<Message>) {
        if messages.is_empty() {
            return;
        }
        if let Some(log) = &self.options.wire_log {
            for message in &messages {
                log.sqs_body(message.body().unwrap_or_default());
            }
        }
        let (fresh, receipts) = read_batch(&mut self.seen, &messages);
        tracing::debug!(count = fresh.len(), "dispatching a batch");
        dispatch.deliver_batch(fresh);
        // The client exists: the receive that brought these made it.
        if let Some((client, _)) = &self.client {
            let client = client.clone();
            self.delete(&client, receipts).await;
        }
    }

    /// Deletes what was handled. A failure only means redelivery, which dedupe absorbs.
    async fn delete(&self, client: &aws_sdk_sqs::Client, receipts: Vec<String>) {
        let entries: Vec<_> = receipts
            .into_iter()
            .enumerate()
            .filter_map(|(index, receipt)| {
                DeleteMessageBatchRequestEntry::builder().id(index.to_string()).receipt_handle(receipt).build().ok()
            })
            .collect();
        if entries.is_empty() {
            return;
        }
        match client.delete_message_batch().queue_url(&self.queue_url).set_entries(Some(entries)).send().await {
            Ok(output) if !output.failed().is_empty() => {
                tracing::warn!(
                    failed = output.failed().len(),
                    "some deletes failed; those messages will be redelivered"
                );
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(reason = classify(&error).reason(), "delete failed; messages will be redelivered");
            }
        }
    }
}

/// Returns when `woke` ticks; never without one (or once its sender is gone).
async fn woken(woke: &mut Option<watch::Receiver<Option<Waking>>>) {
    let gone = match woke {
        Some(receiver) => receiver.changed().await.is_err(),
        None => true,
    };
    if gone {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqs_message(id: &str, sent_at: u64, body: &str) -> Message {
        Message::builder()
            .message_id(id)
            .receipt_handle(format!("receipt-{id}"))
            .body(body)
            .attributes(MessageSystemAttributeName::SentTimestamp, sent_at.to_string())
            .build()
    }

    fn text(text: &str) -> String {
        format!(r#"{{"type": "CHAT_TEXT", "text": "{text}"}}"#)
    }

    #[test]
    fn a_batch_is_shown_in_sent_order_without_duplicates_or_poison() {
        let mut seen = SeenMessages::new(16);
        let batch = [
            sqs_message("c", 300, &text("third")),
            sqs_message("a", 100, &text("first")),
            sqs_message("x", 150, "{not json"),
            sqs_message("b", 200, &text("second")),
            sqs_message("a", 100, &text("first")),
        ];
        let (messages, receipts) = read_batch(&mut seen, &batch);
        let texts: Vec<_> = messages
            .iter()
            .map(|(message, origin)| match message {
                ServerMessage::ChatText { text } => (text.as_str(), origin.id.as_deref(), origin.sent),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [("first", Some("a"), Some(100)), ("second", Some("b"), Some(200)), ("third", Some("c"), Some(300))],
            "with where they came from"
        );
        assert_eq!(receipts.len(), 5, "duplicates and poison are deleted too");

        let (again, _) = read_batch(&mut seen, &[sqs_message("b", 200, &text("second"))]);
        assert!(again.is_empty(), "a redelivery in a later batch is dropped");
    }

    #[test]
    fn sqs_is_reached_at_aws_own_endpoint_whatever_the_queue_url_says() {
        assert_eq!(aws_endpoint("us-east-1").as_deref(), Some("https://sqs.us-east-1.amazonaws.com"));
        assert_eq!(aws_endpoint("cn-north-1").as_deref(), Some("https://sqs.cn-north-1.amazonaws.com.cn"));
        assert_eq!(aws_endpoint("evil.example/x"), None);
        assert_eq!(aws_endpoint("us-east-1.evil.example"), None);
        assert_eq!(aws_endpoint(""), None);
    }
}

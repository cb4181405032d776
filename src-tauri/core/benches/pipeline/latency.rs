//! Agent message latency: from just before SQS SendMessage to the moment the core's
//! EventSink receives the transcript entry, one message at a time; then a burst of 1000.
//!
//! The same measurement is first made with a bare aws-sdk-sqs long poll and no app code,
//! so the share that is moto's long-poll wake-up (plus the SDK round trip) can be told
//! apart from what the core adds.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, SendMessageBatchRequestEntry};
use serde_json::json;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio_util::sync::CancellationToken;
use xima_chat_core::Author;
use xima_chat_core::SessionStore;
use xima_chat_core::{Chat, ChatEvent, ChatSettings, CloudClient, Secret, SessionState, StartAuth, StartRequest};

use crate::services::{chat_text, Services};
use crate::{ms, progress, report, summary};

const MESSAGES: usize = 200;
const WARM_UP: usize = 5;
const BURST: usize = 1000;
/// Between messages, so the reader is parked in its long poll when the next one comes:
/// an agent's messages reach an idle client, not one busy with the previous message.
const PAUSE: Duration = Duration::from_millis(50);
const WAIT: Duration = Duration::from_secs(30);

/// A message seen by the reader under test, and when.
struct Arrival {
    at: Instant,
    text: String,
}

type Arrivals = UnboundedReceiver<Arrival>;

pub async fn run() {
    let services = Services::from_env();
    let installation = format!("bench-{}", std::process::id());
    let cloud = services.cloud();
    let sqs = services.sqs_for(&cloud, &installation).await;

    progress("bare long-poll baseline (aws-sdk-sqs against moto, no app code)");
    let (baseline, baseline_burst) = long_poll_baseline(&sqs, &installation).await;
    report("longpoll_baseline", baseline);
    report("longpoll_burst", baseline_burst);

    progress("core latency: 200 messages one at a time");
    let data_dir = std::env::temp_dir().join(format!("xima-bench-{}", std::process::id()));
    let (chat, mut arrivals) = live_chat(&cloud, &installation, &data_dir, &sqs, &services).await;
    let session = chat.snapshot().session_id.expect("a live session");
    let queue = services.queue_url(&session).await;
    report("core_latency", one_at_a_time(&sqs, &queue, &mut arrivals).await);

    progress("core burst: 1000 messages");
    report("core_burst", burst(&sqs, &queue, &mut arrivals).await);

    chat.end().await.expect("the chat ends");
    chat.shutdown().await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// Sends `MESSAGES` one at a time (after `WARM_UP` unmeasured ones) and times each from
/// just before SendMessage to its arrival. Also reports how long SendMessage itself took,
/// since the message is visible to a waiting reader before that call returns.
async fn one_at_a_time(sqs: &aws_sdk_sqs::Client, queue: &str, arrivals: &mut Arrivals) -> serde_json::Value {
    let mut latencies = Vec::with_capacity(MESSAGES);
    let mut sends = Vec::with_capacity(MESSAGES);
    for index in 0..WARM_UP + MESSAGES {
        let text = format!("latency {index:03}");
        tokio::time::sleep(PAUSE).await;
        let sent = Instant::now();
        sqs.send_message().queue_url(queue).message_body(chat_text(&text)).send().await.expect("SendMessage");
        let send_took = sent.elapsed();
        let arrived = until_arrival(arrivals, &text).await;
        if index >= WARM_UP {
            latencies.push(arrived - sent);
            sends.push(send_took);
        }
    }
    let mut values = summary(&latencies);
    values["send_message_p50_ms"] = summary(&sends)["p50_ms"].clone();
    values
}

/// 1000 messages in 100 SendMessageBatch calls, as fast as one sender goes; then how long
/// until the last was seen, and whether all were seen once each, in the order sent.
async fn burst(sqs: &aws_sdk_sqs::Client, queue: &str, arrivals: &mut Arrivals) -> serde_json::Value {
    let texts: Vec<String> = (0..BURST).map(|index| format!("burst {index:04}")).collect();
    let started = Instant::now();
    for (batch, chunk) in texts.chunks(10).enumerate() {
        let entries = chunk
            .iter()
            .enumerate()
            .map(|(index, text)| {
                SendMessageBatchRequestEntry::builder()
                    .id(format!("{batch}-{index}"))
                    .message_body(chat_text(text))
                    .build()
                    .expect("a batch entry")
            })
            .collect();
        let output = sqs
            .send_message_batch()
            .queue_url(queue)
            .set_entries(Some(entries))
            .send()
            .await
            .expect("SendMessageBatch");
        assert!(output.failed().is_empty(), "moto refused part of a batch: {:?}", output.failed());
    }
    let all_sent = started.elapsed();

    let mut seen = Vec::with_capacity(BURST);
    let mut last = started;
    let deadline = Instant::now() + Duration::from_secs(120);
    while seen.len() < BURST && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_secs(5), arrivals.recv()).await {
            Ok(Some(arrival)) => {
                last = arrival.at;
                seen.push(arrival.text);
            }
            Ok(None) => break,
            Err(_) => {}
        }
    }
    // Anything arriving after all 1000 would be a duplicate: give it a moment to show.
    while let Ok(Some(arrival)) = tokio::time::timeout(Duration::from_secs(2), arrivals.recv()).await {
        seen.push(arrival.text);
    }
    let unique: std::collections::HashSet<&String> = seen.iter().collect();
    let lost = texts.iter().filter(|text| !unique.contains(text)).count();
    json!({
        "n": BURST,
        "send_ms": ms(all_sent),
        "all_shown_ms": ms(last - started),
        "lost": lost,
        "duplicates": seen.len() - unique.len(),
        "in_order": seen == texts,
    })
}

/// A chat picked up by an agent, with the app's real inbox settings (20 s long poll),
/// and a channel of the agent lines its EventSink receives, stamped on receipt.
async fn live_chat(
    cloud: &CloudClient,
    installation: &str,
    data_dir: &PathBuf,
    sqs: &aws_sdk_sqs::Client,
    services: &Services,
) -> (Chat, Arrivals) {
    let (sender, arrivals) = unbounded_channel();
    let (states, mut state_events) = unbounded_channel();
    let sink = move |event: ChatEvent| match event {
        ChatEvent::Entry { entry } if matches!(entry.author, Author::Agent { .. }) => {
            let _ = sender.send(Arrival { at: Instant::now(), text: entry.text });
        }
        // A batch's lines arrive together, at one instant.
        ChatEvent::Entries { entries } => {
            let at = Instant::now();
            for entry in entries.into_iter().filter(|entry| matches!(entry.author, Author::Agent { .. })) {
                let _ = sender.send(Arrival { at, text: entry.text });
            }
        }
        ChatEvent::State { state } => {
            let _ = states.send(state);
        }
        _ => {}
    };
    // The core signs for AWS's own endpoint unless told otherwise (docs/security.md, "SQS at AWS's
    // own endpoint"): here it is moto's.
    let mut settings = ChatSettings::new(installation);
    settings.inbox.endpoint = Some(services.sqs_endpoint.clone());
    let chat = Chat::new(cloud.clone(), settings, SessionStore::new(data_dir), Arc::new(sink));
    chat.start(StartRequest {
        installation_id: installation.to_owned(),
        email: "ann.lee@example.com".into(),
        name: "Ann Lee".into(),
        skill: "Support".into(),
        auth: StartAuth::ApiKey(Secret::new("demo-api-key")),
        custom_chat_info: Vec::new(),
    })
    .await
    .expect("the simulator starts a chat");
    let session = chat.snapshot().session_id.expect("a live session");
    let queue = services.queue_url(&session).await;
    sqs.send_message()
        .queue_url(&queue)
        .message_body(json!({"type": "CHAT_STARTED", "agent": "Myles"}).to_string())
        .send()
        .await
        .expect("SendMessage");
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, state_events.recv()).await {
            Ok(Some(SessionState::Chatting { .. })) => break,
            Ok(Some(_)) => {}
            _ => panic!("the agent did not pick up the chat"),
        }
    }
    (chat, arrivals)
}

/// The same measurements against a bare long-poll loop on a queue of its own: what moto
/// and the SDK cost before any app code runs.
async fn long_poll_baseline(sqs: &aws_sdk_sqs::Client, installation: &str) -> (serde_json::Value, serde_json::Value) {
    let queue = sqs
        .create_queue()
        .queue_name(format!("bench-baseline-{installation}"))
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("a queue URL");
    let (sender, mut arrivals) = unbounded_channel();
    let stop = CancellationToken::new();
    let reader = tokio::spawn(bare_reader(sqs.clone(), queue.clone(), sender, stop.clone()));
    let one_by_one = one_at_a_time(sqs, &queue, &mut arrivals).await;
    let burst = burst(sqs, &queue, &mut arrivals).await;
    stop.cancel();
    let _ = reader.await;
    let _ = sqs.delete_queue().queue_url(&queue).send().await;
    (one_by_one, burst)
}

/// Receive (20 s long poll), stamp, delete: the least any SQS reader can do.
async fn bare_reader(
    sqs: aws_sdk_sqs::Client,
    queue: String,
    arrivals: UnboundedSender<Arrival>,
    stop: CancellationToken,
) {
    loop {
        let received = tokio::select! {
            _ = stop.cancelled() => return,
            received = sqs
                .receive_message()
                .queue_url(&queue)
                .wait_time_seconds(20)
                .max_number_of_messages(10)
                .send() => received,
        };
        let output = received.expect("ReceiveMessage");
        let at = Instant::now();
        let mut deletes = Vec::new();
        for (index, message) in output.messages().iter().enumerate() {
            let body: serde_json::Value = serde_json::from_str(message.body().unwrap_or_default()).unwrap_or_default();
            let text = body["text"].as_str().unwrap_or_default().to_owned();
            let _ = arrivals.send(Arrival { at, text });
            if let Some(receipt) = message.receipt_handle() {
                deletes.push(
                    DeleteMessageBatchRequestEntry::builder()
                        .id(index.to_string())
                        .receipt_handle(receipt)
                        .build()
                        .expect("a delete entry"),
                );
            }
        }
        if !deletes.is_empty() {
            sqs.delete_message_batch()
                .queue_url(&queue)
                .set_entries(Some(deletes))
                .send()
                .await
                .expect("DeleteMessageBatch");
        }
    }
}

/// When `text` arrived; anything else arriving first is a bug in the pipeline.
async fn until_arrival(arrivals: &mut Arrivals, text: &str) -> Instant {
    match tokio::time::timeout(WAIT, arrivals.recv()).await {
        Ok(Some(arrival)) if arrival.text == text => arrival.at,
        Ok(Some(other)) => panic!("expected {text:?}, got {:?}", other.text),
        Ok(None) => panic!("the reader stopped"),
        Err(_) => panic!("{text:?} did not arrive within {WAIT:?}"),
    }
}

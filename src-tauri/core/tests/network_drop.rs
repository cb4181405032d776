//! The network between the app and the cloud (HTTP and SQS) goes away for a while
//! during a chat, then comes back.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::support::proxy::CuttableProxy;
use crate::support::{eventually, Options, Simulator, TestChat};
use serde_json::json;
use xima_chat_core::{Author, Delivery};
use xima_chat_core::{ChatEvent, Secret, SessionState, StartAuth};

/// How long the network stays down: 60 s as the issue asks, shorter when iterating.
fn outage() -> Duration {
    let seconds = std::env::var("XIMA_OUTAGE_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    Duration::from_secs(seconds)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_outage_shows_reconnecting_and_every_message_arrives_once_in_order() {
    let sim = Simulator::from_env();
    let sqs = std::env::var("XIMA_SQS_ENDPOINT").expect("tests/run.sh sets XIMA_SQS_ENDPOINT");
    let cloud_proxy = CuttableProxy::start(&sim.url).await;
    let sqs_proxy = CuttableProxy::start(&sqs).await;
    let mut t = TestChat::new(Options {
        keepalive: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        cloud_url: Some(cloud_proxy.url.clone()),
        sqs_endpoint: Some(sqs_proxy.url.clone()),
        ..Options::default()
    });
    let session = t.start().await;
    sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    t.until_state("the chat to start", |state| matches!(state, SessionState::Chatting { .. })).await;

    // The cable is pulled.
    cloud_proxy.cut();
    sqs_proxy.cut();
    let mut connection_lost = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !connection_lost {
        match tokio::time::timeout_at(deadline, t.events.recv()).await {
            Ok(Some(ChatEvent::Connection { up: false, .. })) => connection_lost = true,
            Ok(Some(_)) => {}
            _ => panic!("no reconnecting state within 20 s"),
        }
    }
    assert!(!t.chat.snapshot().connected);

    // Meanwhile the agent writes, and the customer tries to.
    let sent: Vec<String> = (1..=5).map(|n| format!("while you were away {n}")).collect();
    for text in &sent {
        sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": text})).await;
    }
    let error = t.chat.send("can you hear me?").await.unwrap_err();
    assert_eq!(error.code(), "cloud_unreachable");
    tokio::time::sleep(outage()).await;
    let attempts = cloud_proxy.refused.load(Ordering::SeqCst) + sqs_proxy.refused.load(Ordering::SeqCst);
    assert!(attempts >= 3, "the app kept trying ({attempts} attempts)");
    assert!(attempts < 400, "and backed off instead of hammering ({attempts} attempts)");

    // The cable is back: everything the agent sent appears, once, in order.
    cloud_proxy.restore();
    sqs_proxy.restore();
    let expected = sent.len();
    eventually("the agent's messages to arrive", || {
        let count = t.chat.snapshot().entries.iter().filter(|e| e.text.starts_with("while you were away")).count();
        async move { count == expected }
    })
    .await;
    eventually("the connection to be up again", || {
        let up = t.chat.snapshot().connected;
        async move { up }
    })
    .await;
    let shown: Vec<String> = t
        .chat
        .snapshot()
        .entries
        .iter()
        .filter(|entry| matches!(entry.author, Author::Agent { .. }))
        .map(|entry| entry.text.clone())
        .collect();
    assert_eq!(shown, sent, "all shown, in order, none twice");
    assert!(t.chat.state().is_live(), "the chat survived the outage");

    // The line cut off after it was written is sent once, when the customer retries.
    let failed = t.chat.snapshot().entries.into_iter().find(|entry| entry.text == "can you hear me?").unwrap();
    assert!(matches!(failed.delivery, Some(Delivery::Uncertain { .. })), "{:?}", failed.delivery);
    t.chat.retry(failed.id).await.unwrap();
    let delivered = sim.requests_for("/chat", &session).await;
    assert_eq!(delivered.iter().filter(|r| r["status"] == 204).count(), 1);
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_chat_started_while_the_cloud_is_unreachable_goes_on_and_picks_up_when_it_is_back() {
    let sim = Simulator::from_env();
    let cloud_proxy = CuttableProxy::start(&sim.url).await;
    let options = || through(&cloud_proxy);
    let mut first = TestChat::new(options());
    let session = first.start().await;
    sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    first.until_state("the agent", |state| matches!(state, SessionState::Chatting { .. })).await;
    sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "before the laptop slept"})).await;
    first.until_agent_says("before the laptop slept").await;
    first.chat.shutdown().await;

    // The app starts at login, before the network is up.
    cloud_proxy.cut();
    let mut second = first.restart(options());
    assert!(second.chat.resume().await.unwrap(), "the saved chat goes on, not the pre-chat form");
    assert!(matches!(second.chat.state(), SessionState::Chatting { .. }), "{:?}", second.chat.state());
    assert_eq!(second.agent_lines("before the laptop slept"), 1);
    second.until("the reconnecting banner", |event| matches!(event, ChatEvent::Connection { up: false, .. })).await;
    assert!(!second.chat.snapshot().connected);
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(second.chat.state().is_live(), "nothing but the cloud's answer ends it");

    // The network comes up: the same chat goes on, and nothing was started anew.
    cloud_proxy.restore();
    sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "are you still there?"})).await;
    second.until_agent_says("are you still there?").await;
    second.until("the connection back", |event| matches!(event, ChatEvent::Connection { up: true, .. })).await;
    assert_eq!(sim.sessions_of(&second.installation).await, vec![session]);
    second.chat.end().await.unwrap();
}

/// A chat that reaches the cloud through `proxy`, with a short keepalive and patience.
fn through(proxy: &CuttableProxy) -> Options {
    Options {
        keepalive: Duration::from_secs(2),
        request_timeout: Duration::from_secs(3),
        cloud_url: Some(proxy.url.clone()),
        ..Options::default()
    }
}

/// The customer's messages as the cloud received them, in order.
async fn delivered(sim: &Simulator, session: &xima_chat_core::SessionId) -> Vec<String> {
    sim.requests_for("/chat", session)
        .await
        .iter()
        .filter(|request| request["status"] == 204)
        .map(|request| crate::support::body(request)["message"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_typed_with_no_network_wait_and_go_by_themselves_once_in_order_when_it_is_back() {
    let sim = Simulator::from_env();
    let cloud_proxy = CuttableProxy::start(&sim.url).await;
    let mut t = TestChat::new(through(&cloud_proxy));
    let session = t.start().await;

    // The laptop leaves the Wi-Fi: nothing can even connect.
    cloud_proxy.unplug().await;
    let first = t.chat.send("typed on the train").await.expect("a message that never left is not an error");
    assert_eq!(first.delivery, Some(Delivery::Waiting));
    let second = t.chat.send("and this one after it").await.unwrap();
    assert_eq!(second.delivery, Some(Delivery::Waiting), "it waits behind the first");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(delivered(&sim, &session).await.is_empty());

    cloud_proxy.plug().await;
    eventually("both messages to be sent", || {
        let sent = t.chat.snapshot().entries.iter().filter(|entry| entry.delivery == Some(Delivery::Sent)).count();
        async move { sent == 2 }
    })
    .await;
    assert_eq!(delivered(&sim, &session).await, ["typed on the train", "and this one after it"]);
    let third = t.chat.send("back online").await.unwrap();
    assert_eq!(third.delivery, Some(Delivery::Sent));
    assert_eq!(delivered(&sim, &session).await.len(), 3, "each once");
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_whose_answer_never_came_may_not_have_been_delivered_and_is_never_resent_by_itself() {
    let sim = Simulator::from_env();
    let cloud_proxy = CuttableProxy::start(&sim.url).await;
    let mut t = TestChat::new(Options {
        keepalive: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        cloud_url: Some(cloud_proxy.url.clone()),
        ..Options::default()
    });
    let session = t.start().await;

    // The request reaches the cloud; its answer is lost on the way back.
    cloud_proxy.deafen();
    let error = t.chat.send("did you get my order number?").await.unwrap_err();
    assert_eq!(error.code(), "cloud_unreachable");
    let entry = t.chat.snapshot().entries.last().cloned().unwrap();
    assert!(matches!(entry.delivery, Some(Delivery::Uncertain { .. })), "{:?}", entry.delivery);
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(delivered(&sim, &session).await, ["did you get my order number?"], "the cloud has it once");
    assert_eq!(sim.requests_for("/chat", &session).await.len(), 1, "never sent again by itself");
    let entry = t.chat.snapshot().entries.into_iter().find(|line| line.id == entry.id).unwrap();
    assert!(matches!(entry.delivery, Some(Delivery::Uncertain { .. })), "the customer decides");
    t.chat.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_waiting_when_the_app_quit_goes_by_itself_after_the_restart() {
    let sim = Simulator::from_env();
    let cloud_proxy = CuttableProxy::start(&sim.url).await;
    let options = || through(&cloud_proxy);
    let mut first = TestChat::new(options());
    let session = first.start().await;
    cloud_proxy.unplug().await;
    assert_eq!(first.chat.send("sent from the plane").await.unwrap().delivery, Some(Delivery::Waiting));
    first.chat.shutdown().await;

    cloud_proxy.plug().await;
    let second = first.restart(options());
    assert!(second.chat.resume().await.unwrap());
    eventually("the waiting message to be sent", || {
        let sent = second.chat.snapshot().entries.iter().any(|entry| entry.delivery == Some(Delivery::Sent));
        async move { sent }
    })
    .await;
    assert_eq!(delivered(&sim, &session).await, ["sent from the plane"]);
    second.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_ended_with_no_network_is_ended_in_the_cloud_once_it_is_back() {
    let sim = Simulator::from_env();
    let cloud_proxy = CuttableProxy::start(&sim.url).await;
    let mut t = TestChat::new(through(&cloud_proxy));
    let session = t.start().await;
    cloud_proxy.unplug().await;
    t.chat.end().await.expect("the chat ends on screen even when the cloud cannot hear it");
    assert!(matches!(t.chat.state(), SessionState::Ended { .. }));
    assert_eq!(sim.session(&session).await["ended"], false, "the cloud has not heard yet");

    cloud_proxy.plug().await;
    eventually("the cloud to hear the end", || {
        let sim = sim.clone();
        let session = session.clone();
        async move { sim.session(&session).await["ended"] == true }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_new_chat_starts_before_the_one_ended_offline_is_ended_in_the_cloud_even_after_a_restart() {
    let sim = Simulator::from_env();
    let cloud_proxy = CuttableProxy::start(&sim.url).await;
    let options = || through(&cloud_proxy);
    let mut first = TestChat::new(options());
    let session = first.start().await;
    cloud_proxy.unplug().await;
    first.chat.end().await.unwrap();
    first.chat.reset().unwrap();
    let refused = first.chat.start(first.request(StartAuth::ApiKey(Secret::new(crate::support::API_KEY)))).await;
    assert!(refused.is_err(), "no second chat while the first is not ended in the cloud");
    first.chat.shutdown().await;

    // The next run, still offline: nothing to resume, an end still owed.
    let mut second = first.restart(options());
    assert!(!second.chat.resume().await.unwrap(), "an ended chat is not resumed");
    assert_eq!(second.chat.state(), SessionState::Idle);
    cloud_proxy.plug().await;
    second.start().await;
    assert_eq!(sim.session(&session).await["ended"], true, "the old chat was ended before the new one began");
    let sessions = sim.sessions_of(&second.installation).await;
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0], session);
    second.chat.end().await.unwrap();
}

//! What real networks and servers do to a chat: duplicate deliveries, unreadable
//! messages, rotated credentials, 500s, a restart, a cloud that forgot the session.

use std::time::Duration;

use crate::support::proxy::CuttableProxy;
use crate::support::{eventually, Options, Simulator, TestChat, API_KEY};
use serde_json::json;
use xima_chat_core::Delivery;
use xima_chat_core::{ChatEvent, EndReason, Secret, SessionId, SessionState, StartAuth};

/// A receive the customer's quit cut short had already taken the agent's line off the
/// queue, and SQS hides what it hands out: the next start gets the line within seconds
/// (the receive's own hold), not after the queue's 30 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_receive_cut_short_by_a_quit_took_reaches_the_next_start_within_seconds() {
    let sim = Simulator::from_env();
    let sqs = std::env::var("XIMA_SQS_ENDPOINT").expect("tests/run.sh sets XIMA_SQS_ENDPOINT");
    let sqs_proxy = CuttableProxy::start(&sqs).await;
    let mut first = TestChat::new(Options { sqs_endpoint: Some(sqs_proxy.url.clone()), ..Options::default() });
    let session = first.start().await;
    sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    first.until_state("the chat", |state| matches!(state, SessionState::Chatting { .. })).await;

    // SQS's answer to the receive in flight will never reach the app, as when it quits
    // while the answer is on its way.
    sqs_proxy.deafen();
    sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "sent as you quit"})).await;
    eventually("a receive to take the line off the queue", || {
        let (sim, session) = (sim.clone(), session.clone());
        async move { sim.session(&session).await["queueDepth"]["inFlight"].as_u64() == Some(1) }
    })
    .await;
    first.chat.shutdown().await;
    assert_eq!(first.agent_lines("sent as you quit"), 0, "the app that quit never saw it");

    let mut second = first.restart(Options::default());
    assert!(second.chat.resume().await.unwrap());
    tokio::time::timeout(Duration::from_secs(10), second.until_agent_says("sent as you quit"))
        .await
        .expect("the line within seconds of the start, not after the queue's 30");
    assert_eq!(second.agent_lines("sent as you quit"), 1);
    second.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_delivered_twice_is_shown_once() {
    // Deletes fail and messages come back after 1 s: SQS's at-least-once, for real.
    let mut t = TestChat::new(Options { hold: Duration::from_secs(1), ..Options::default() });
    t.sim.deny_sqs(&t.installation, &["sqs:DeleteMessage", "sqs:DeleteMessageBatch"]).await;
    let session = t.start().await;

    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "only once"})).await;
    t.until_agent_says("only once").await;
    // Several visibility timeouts pass; the message is still on the queue, so the
    // client has been handed it again and again.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(t.sim.queue_depth(&session).await, 1, "the undeleted message is still queued");
    assert_eq!(t.agent_lines("only once"), 1);

    // Deleting works again: the queue drains and the line is still shown once.
    t.sim.deny_sqs(&t.installation, &[]).await;
    t.until_queue_empty(&session).await;
    assert_eq!(t.agent_lines("only once"), 1);
    t.chat.end().await.unwrap();
}

/// What SQS hands out again and again, once a second: the deletes of `t`'s chat are
/// refused.
fn redelivering() -> Options {
    Options { hold: Duration::from_secs(1), ..Options::default() }
}

async fn a_chat_whose_deletes_are_refused() -> (TestChat, SessionId) {
    let mut first = TestChat::new(redelivering());
    first.sim.deny_sqs(&first.installation, &["sqs:DeleteMessage", "sqs:DeleteMessageBatch"]).await;
    let session = first.start().await;
    (first, session)
}

/// The next run of `first`, resumed, after SQS has handed out again for four seconds
/// what the run before did not get to delete.
async fn the_next_run_while_sqs_hands_it_out_again(first: TestChat) -> TestChat {
    first.chat.shutdown().await;
    let second = first.restart(redelivering());
    assert!(second.chat.resume().await.unwrap());
    tokio::time::sleep(Duration::from_secs(4)).await;
    second
}

async fn deletes_allowed_again(t: &TestChat, session: &SessionId) {
    t.sim.deny_sqs(&t.installation, &[]).await;
    t.until_queue_empty(session).await;
}

/// A line the run before showed and saved, but whose delete never happened (denied,
/// or the app quit first), is handed out again after a restart: it is known by its SQS
/// message id from the saved transcript, not shown twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_shown_before_a_restart_is_not_shown_again_when_sqs_hands_it_out_again() {
    let (mut first, session) = a_chat_whose_deletes_are_refused().await;
    first.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "kept once"})).await;
    first.until_agent_says("kept once").await;

    let second = the_next_run_while_sqs_hands_it_out_again(first).await;
    assert_eq!(second.agent_lines("kept once"), 1);
    deletes_allowed_again(&second, &session).await;
    assert_eq!(second.agent_lines("kept once"), 1);
    second.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screenshot_request_answered_before_a_restart_is_not_asked_again_when_sqs_hands_it_out_again() {
    let (mut first, session) = a_chat_whose_deletes_are_refused().await;
    first.sim.agent_sends(&session, json!({"type": "TAKE_SCREENSHOT"})).await;
    first.until("the screenshot request", |event| *event == ChatEvent::ScreenshotRequested).await;
    first.chat.answer_screenshot(false).await.unwrap();

    let second = the_next_run_while_sqs_hands_it_out_again(first).await;
    assert!(!second.chat.snapshot().screenshot_pending, "the customer already declined it");
    deletes_allowed_again(&second, &session).await;
    assert!(!second.chat.snapshot().screenshot_pending);
    second.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_agent_sends_behind_chat_ended_is_still_shown_and_then_the_inbox_stops() {
    let mut t = TestChat::new(Options::default());
    let session = t.start().await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    t.until_state("the agent", |state| matches!(state, SessionState::Chatting { .. })).await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_ENDED"})).await;
    // The agent's console sends its last line a moment after the end.
    tokio::time::sleep(Duration::from_millis(300)).await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "Your ticket is INC-4211."})).await;
    t.until_state("the end", |state| matches!(state, SessionState::Ended { .. })).await;
    eventually("the line sent behind CHAT_ENDED", || {
        let shown = t.agent_lines("Your ticket is INC-4211.");
        async move { shown == 1 }
    })
    .await;
    t.until_tasks_stopped().await;
    t.until_queue_empty(&session).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_still_sending_when_the_app_quit_comes_back_as_maybe_not_delivered_and_only_a_retry_sends_it() {
    let mut first = TestChat::new(Options::default());
    let session = first.start().await;
    first.sim.add_fault(json!({"path": "/chat", "match": session.as_str(), "delay": 3})).await;
    let sending = tokio::spawn({
        let chat = first.chat.clone();
        async move { chat.send("did this reach you?").await }
    });
    eventually("the message shown as sending", || {
        let sending = first.chat.snapshot().entries.iter().any(|entry| entry.delivery == Some(Delivery::Sending));
        async move { sending }
    })
    .await;
    // The app quits (the process ends) while the cloud has not answered.
    sending.abort();
    first.chat.shutdown().await;

    let second = first.restart(Options::default());
    assert!(second.chat.resume().await.unwrap());
    let entry = second.chat.snapshot().entries.into_iter().find(|entry| entry.text == "did this reach you?").unwrap();
    assert!(matches!(entry.delivery, Some(Delivery::Uncertain { .. })), "{:?}", entry.delivery);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let before = second.sim.requests_for("/chat", &session).await.len();
    let retried = second.chat.retry(entry.id).await.unwrap();
    assert_eq!(retried.delivery, Some(Delivery::Sent));
    assert_eq!(second.sim.requests_for("/chat", &session).await.len(), before + 1);
    second.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_messages_are_dropped_and_the_chat_goes_on() {
    let mut t = TestChat::new(Options::default());
    let session = t.start().await;
    t.sim.agent_sends_raw(&session, "{not json").await;
    t.sim.agent_sends_raw(&session, r#"{"type": "CHAT_TEXT"}"#).await;
    t.sim.agent_sends_raw(&session, r#"{"text": "no type"}"#).await;
    t.sim.agent_sends_raw(&session, r#"{"type": "SOMETHING_NEW", "x": 1}"#).await;
    t.sim.agent_sends_raw(&session, r#"{"type": "AGENT_TYPING", "isTyping": "perhaps"}"#).await;
    // The vendor's own style: a comment and a trailing comma.
    t.sim
        .agent_sends_raw(&session, "{\n\"type\": \"CHAT_TEXT\", // from the agent\n\"text\": \"still here\",\n}")
        .await;
    t.until_agent_says("still here").await;
    assert!(t.chat.state().is_live());
    t.until_queue_empty(&session).await;
    let agent_lines = t
        .chat
        .snapshot()
        .entries
        .iter()
        .filter(|entry| matches!(entry.author, xima_chat_core::Author::Agent { .. }))
        .count();
    assert_eq!(agent_lines, 1);
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_sqs_credentials_are_fetched_again_and_nothing_is_lost() {
    let mut t = TestChat::new(Options::default());
    let session = t.start().await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "before"})).await;
    t.until_agent_says("before").await;
    let auth_before = t
        .sim
        .requests("/chat/queue/auth")
        .await
        .iter()
        .filter(|request| request["query"]["installation-id"] == t.installation.as_str())
        .count();

    // The old key is deleted in moto's IAM: it now fails with InvalidClientTokenId.
    t.sim.rotate_credentials(&t.installation).await;
    for text in ["after 1", "after 2", "after 3"] {
        t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": text})).await;
    }
    t.until_agent_says("after 3").await;
    let texts: Vec<_> = t.chat.snapshot().entries.iter().map(|entry| entry.text.clone()).collect();
    let after: Vec<_> = texts.iter().filter(|text| text.starts_with("after")).collect();
    assert_eq!(after, ["after 1", "after 2", "after 3"], "all of them, in order");
    let auth_after = t
        .sim
        .requests("/chat/queue/auth")
        .await
        .iter()
        .filter(|request| request["query"]["installation-id"] == t.installation.as_str())
        .count();
    assert!(auth_after > auth_before, "credentials were fetched again");
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_refreshed_on_a_timer_too() {
    let mut t = TestChat::new(Options { credentials_refresh: Duration::from_secs(1), ..Options::default() });
    let session = t.start().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "hello"})).await;
    t.until_agent_says("hello").await;
    // The next request after the interval (the delete, or the next poll) refetches.
    let sim = t.sim.clone();
    let installation = t.installation.clone();
    eventually("a second credentials fetch", || {
        let sim = sim.clone();
        let installation = installation.clone();
        async move {
            let fetches = sim.requests("/chat/queue/auth").await;
            fetches.iter().filter(|request| request["query"]["installation-id"] == installation.as_str()).count() >= 2
        }
    })
    .await;
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_on_send_marks_the_message_maybe_not_delivered_and_only_a_retry_sends_it_again() {
    let mut t = TestChat::new(Options::default());
    let session = t.start().await;
    t.sim.fail_next("/chat", session.as_str(), 500, 1).await;
    let error = t.chat.send("are you there?").await.unwrap_err();
    assert_eq!(error.code(), "cloud_trouble", "a 5xx is the contact center's trouble, not the customer's connection");
    let failed = t.chat.snapshot().entries.last().cloned().unwrap();
    assert!(matches!(failed.delivery, Some(Delivery::Uncertain { .. })), "the cloud may have taken it before failing");

    tokio::time::sleep(Duration::from_millis(500)).await;
    let attempts = t.sim.requests_for("/chat", &session).await;
    assert_eq!(attempts.len(), 1, "never re-sent on its own");
    assert_eq!(attempts[0]["status"], 500);

    let retried = t.chat.retry(failed.id).await.unwrap();
    assert_eq!(retried.delivery, Some(Delivery::Sent));
    assert_eq!(retried.id, failed.id, "the same line, not a new one");
    let attempts = t.sim.requests_for("/chat", &session).await;
    assert_eq!(attempts.len(), 2);
    assert!(t.chat.retry(failed.id).await.is_err(), "a sent message cannot be retried");
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resumes_live_session_after_restart() {
    // The queue hides what it hands out for the simulator's default 30 s: a message the
    // exiting app's abandoned long poll took must come back by the receive's own hold.
    let mut first = TestChat::new(Options::default());
    let session = first.start().await;
    first.sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    first.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "hi from before"})).await;
    first.until_agent_says("hi from before").await;
    first.chat.send("my reply").await.unwrap();
    // The app goes away without ending the chat.
    first.chat.shutdown().await;

    let mut second = first.restart(Options::default());
    assert!(second.chat.resume().await.unwrap());
    let snapshot = second.chat.snapshot();
    assert_eq!(snapshot.session_id.as_ref(), Some(&session));
    assert!(matches!(snapshot.state, SessionState::Chatting { ref agent } if agent.name == "Myles"));
    let texts: Vec<_> = snapshot.entries.iter().map(|entry| entry.text.as_str()).collect();
    assert_eq!(texts, ["Myles joined the chat.", "hi from before", "my reply"]);

    second.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "welcome back"})).await;
    second.until_agent_says("welcome back").await;
    second.chat.end().await.unwrap();

    // Ended: a third run has nothing to resume.
    let third = second.restart(Options::default());
    assert!(!third.chat.resume().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_the_cloud_has_forgotten_is_not_resumed_but_shown_ended() {
    let mut first = TestChat::new(Options::default());
    let session = first.start().await;
    first.chat.shutdown().await;
    first.sim.forget_session(&session).await;
    // The first run's own still-here may go out before it shuts down; what counts is
    // that the second run sends none.
    let still_heres_before = first.sim.requests_for("/chat/still-here", &session).await.len();
    let second = first.restart(Options::default());
    assert!(!second.chat.resume().await.unwrap());
    assert_eq!(second.chat.state(), SessionState::Ended { reason: EndReason::Expired });
    assert!(!second.data_dir.join("current-session.json").exists());
    second.until_tasks_stopped().await;
    assert_eq!(
        second.sim.requests_for("/chat/still-here", &session).await.len(),
        still_heres_before,
        "nothing is sent for a chat that is gone"
    );
    second.chat.reset().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_last_words_on_the_queue_of_a_chat_gone_by_the_restart_are_shown() {
    let mut first = TestChat::new(Options::default());
    let session = first.start().await;
    first.sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    first.until_state("the agent", |state| matches!(state, SessionState::Chatting { .. })).await;
    first.chat.shutdown().await;
    // While the app is closed the agent writes once more, and the chat times out.
    first.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "Your ticket is INC-4211."})).await;
    first.sim.forget_session(&session).await;

    let mut second = first.restart(Options::default());
    assert!(!second.chat.resume().await.unwrap());
    second.until_agent_says("Your ticket is INC-4211.").await;
    let texts: Vec<String> = second.chat.snapshot().entries.iter().map(|entry| entry.text.clone()).collect();
    assert_eq!(texts, ["Myles joined the chat.", "Your ticket is INC-4211.", "The chat is no longer active."]);
    assert_eq!(second.chat.state(), SessionState::Ended { reason: EndReason::Expired });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn still_here_refused_ends_the_chat_and_stops_everything() {
    let mut t = TestChat::new(Options { keepalive: Duration::from_millis(500), ..Options::default() });
    let session = t.start().await;
    t.sim.forget_session(&session).await;
    t.until_state("expired", |state| *state == SessionState::Ended { reason: EndReason::Expired }).await;
    t.until_tasks_stopped().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_still_here_for_a_chat_the_cloud_still_has_does_not_end_it() {
    let mut t = TestChat::new(Options { keepalive: Duration::from_millis(500), ..Options::default() });
    let session = t.start().await;
    t.sim.fail_next("/chat/still-here", session.as_str(), 403, 1).await;
    // The refusal makes the client ask whether the chat exists; the cloud says it does.
    eventually("a resume check after the refusal", || {
        let (sim, session) = (t.sim.clone(), session.clone());
        async move {
            let checks = sim.requests_for("/chat/queue", &session).await;
            checks.iter().any(|check| check["method"] == "GET" && check["status"] == 200)
        }
    })
    .await;
    t.settle(Duration::from_millis(1500)).await;
    assert!(t.chat.state().is_live(), "the chat goes on: {:?}", t.chat.state());
    let refused = t.sim.requests_for("/chat/still-here", &session).await;
    assert!(refused.iter().any(|still_here| still_here["status"] == 403));
    assert!(refused.last().is_some_and(|still_here| still_here["status"] == 204), "still-here goes on");
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_sqs_keeps_refusing_are_fetched_again_with_backoff_not_in_a_tight_loop() {
    let mut t = TestChat::new(Options::default());
    let session = t.start().await;
    t.sim.deny_sqs(&t.installation, &["sqs:ReceiveMessage"]).await;
    t.until("reconnecting", |event| matches!(event, ChatEvent::Connection { up: false, .. })).await;
    let fetched_before = t.sim.requests_for("/chat/queue/auth", &SessionId(t.installation.clone())).await.len();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let fetched =
        t.sim.requests_for("/chat/queue/auth", &SessionId(t.installation.clone())).await.len() - fetched_before;
    // The inbox backs off from 200 ms to 2 s here (500 ms to 10 s in the app): a handful
    // of fetches in 4 s, where a tight loop makes hundreds.
    assert!((1..=8).contains(&fetched), "{fetched} credential fetches in 4 s");
    t.sim.deny_sqs(&t.installation, &[]).await;
    t.until("connected again", |event| matches!(event, ChatEvent::Connection { up: true, .. })).await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "back"})).await;
    t.until_agent_says("back").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_start_answer_gives_plain_words_and_closes_the_chat_the_cloud_opened() {
    let t = TestChat::new(Options::default());
    // The cloud queues the chat and sets its cookie, but its answer has no session id.
    t.sim
        .add_fault(json!({"path": "/chat/apiqueue", "match": t.installation,
            "answerBody": "{\"sessionDetails\": {\"serverToClientQueue\": {\"url\": \"http://127.0.0.1:1/q\"}}}"}))
        .await;
    let error = t.chat.start(t.request(StartAuth::ApiKey(Secret::new(API_KEY)))).await.unwrap_err();
    assert_eq!(error.code(), "start_failed");
    assert_eq!(error.to_string(), "We couldn't start the chat. Please try again.");
    assert_eq!(t.chat.state(), SessionState::Idle);
    assert!(!t.data_dir.join("current-session.json").exists());

    let opened = t.sim.sessions_of(&t.installation).await;
    assert_eq!(opened.len(), 1, "the cloud did open one chat");
    assert_eq!(t.sim.session(&opened[0]).await["ended"], true, "and it is closed again: nobody waits for an agent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_answer_that_comes_too_late_gives_plain_words_and_a_best_effort_end() {
    let t = TestChat::new(Options { request_timeout: Duration::from_secs(1), ..Options::default() });
    t.sim.add_fault(json!({"path": "/chat/apiqueue", "match": t.installation, "delayAfter": 3})).await;
    let ends_before = t.sim.requests("/chat/end").await.len();
    let error = t.chat.start(t.request(StartAuth::ApiKey(Secret::new(API_KEY)))).await.unwrap_err();
    assert_eq!(error.code(), "cloud_unreachable");
    assert_eq!(error.to_string(), "We couldn't start the chat. Please try again.");
    assert_eq!(t.chat.state(), SessionState::Idle);
    // The answer (and any cookie in it) never arrived, so the end may find nothing; it
    // is still sent, for a cloud that tied the chat to an HTTP session opened earlier.
    assert!(t.sim.requests("/chat/end").await.len() > ends_before, "a POST /chat/end followed the failed start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_close_and_multimedia_down_end_the_chat_with_their_reason() {
    for (message, reason) in [("FORCE_CLOSE", EndReason::ForceClose), ("MULTIMEDIA_DOWN", EndReason::ServerDown)] {
        let mut t = TestChat::new(Options::default());
        let session = t.start().await;
        // The simulator closes the chat as it sends the message; a still-here between
        // the two would find it gone first and end it as expired (also true, but not
        // what this test is about). The first still-here goes at once: let it pass.
        t.until_still_here(&session).await;
        t.sim.agent_sends(&session, json!({ "type": message })).await;
        t.until_state(message, |state| *state == SessionState::Ended { reason }).await;
        t.until_tasks_stopped().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_hostile_content_is_shown_safely_or_dropped() {
    let mut t = TestChat::new(Options::default());
    let session = t.start().await;
    // Near SQS's 256 KB message limit: an "image" that is no image, and a huge text.
    let fake_image = "QUFB".repeat(60_000);
    t.sim
        .agent_sends(
            &session,
            json!({"type": "CHAT_STARTED", "agent": "<script>x</script>", "agentBase64Image": fake_image}),
        )
        .await;
    let state = t.until_state("chat started", |state| matches!(state, SessionState::Chatting { .. })).await;
    let SessionState::Chatting { agent } = state else { unreachable!() };
    assert_eq!(agent.name, "<script>x</script>", "kept as text; the UI inserts it as text");
    assert_eq!(agent.avatar, None, "not an image, so no picture");

    let huge = "a".repeat(200_000);
    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": huge})).await;
    t.until_agent_says(&huge).await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "after the big one"})).await;
    t.until_agent_says("after the big one").await;
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_that_times_out_is_marked_failed_and_not_sent_again() {
    let sim = crate::support::Simulator::from_env();
    let mut t = TestChat::new(Options::default());
    let session = t.start().await;
    // The cloud takes 3 s to answer; this client gives up after 1 s.
    let impatient = xima_chat_core::CloudClient::new(
        &sim.url,
        xima_chat_core::CloudOptions { request_timeout: Duration::from_secs(1), ..Default::default() },
    )
    .unwrap();
    sim.add_fault(json!({"path": "/chat", "delay": 3, "count": 1, "match": session.as_str()})).await;
    let error = impatient.send_text(&session, "slow").await.unwrap_err();
    assert!(error.is_transient(), "{error}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sim.requests_for("/chat", &session).await.len(), 1, "one attempt, no automatic resend");
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirected_start_never_carries_the_api_key_anywhere_else() {
    // Another server on this computer, where a redirect would re-post the start's body.
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let location = format!("http://{}/chat/apiqueue", elsewhere.local_addr().unwrap());
    let t = TestChat::new(Options::default());
    for status in [307, 308] {
        t.sim
            .add_fault(json!({"path": "/chat/apiqueue", "match": t.installation, "status": status,
                "headers": {"Location": location}}))
            .await;
        let error = t.chat.start(t.request(StartAuth::ApiKey(Secret::new(API_KEY)))).await.unwrap_err();
        assert_eq!(error.to_string(), "We couldn't start the chat. Please try again.", "{status}");
        assert_eq!(t.chat.state(), SessionState::Idle);
    }
    let visited = tokio::time::timeout(Duration::from_millis(500), elsewhere.accept()).await;
    assert!(visited.is_err(), "the redirect was followed: the API key went to {location}");
}

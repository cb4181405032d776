//! A whole chat under every dialect the simulator speaks: the vendor's page is
//! documentation, not wire truth, so the client must hold up whichever plausible form a
//! real server answers in (flat session answers, epoch dates, region spellings, message
//! envelopes, screenshot uuid forms and prefixes, cookie habits, no availability
//! endpoint, "gone" said three ways). One scenario, run once per dialect.

use std::time::Duration;

use crate::support::screen::{VirtualScreen, DISPLAY_TURN};
use crate::support::{body, Options, TestChat};
use serde_json::json;
use xima_chat_core::capture::CaptureTarget;
use xima_chat_core::Delivery;
use xima_chat_core::{Availability, ScreenshotAnswer};
use xima_chat_core::{ChatEvent, EndReason, SessionState};

/// One test per dialect; the list is checked against the simulator's own below.
macro_rules! a_whole_chat_in_every_dialect {
    ($($test:ident => $dialect:literal,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                a_whole_chat_in($dialect).await;
            }
        )*
        const COVERED: &[&str] = &[$($dialect),*];
    };
}

a_whole_chat_in_every_dialect! {
    a_whole_chat_as_the_page_documents_it => "documented",
    a_whole_chat_with_flat_session_answers => "flat",
    a_whole_chat_with_epoch_dates => "epoch-dates",
    a_whole_chat_with_an_upper_case_region => "upper-region",
    a_whole_chat_with_sns_envelopes => "sns-envelope",
    a_whole_chat_with_messages_in_json_strings => "string-body",
    a_whole_chat_with_base64_messages => "base64-body",
    a_whole_chat_with_the_screenshot_uuid_in_json => "json-uuid",
    a_whole_chat_with_the_screenshot_uuid_in_a_location_header => "location-uuid",
    a_whole_chat_where_only_the_standard_data_url_prefix_is_taken => "comma-prefix-only",
    a_whole_chat_where_the_cookie_is_never_set_again => "no-cookie-reissue",
    a_whole_chat_without_the_availability_endpoint => "no-status-endpoint",
    a_whole_chat_where_gone_is_a_404 => "gone-404",
    a_whole_chat_where_gone_is_null_details => "gone-null",
}

#[tokio::test]
async fn every_dialect_the_simulator_speaks_is_tested() {
    let mut spoken = crate::support::Simulator::from_env().dialects().await;
    let mut covered: Vec<String> = COVERED.iter().map(|name| name.to_string()).collect();
    spoken.sort();
    covered.sort();
    assert_eq!(covered, spoken, "add a line to a_whole_chat_in_every_dialect! for each new dialect");
}

/// Start, queue, agent, text both ways, typing, focus, a screenshot, a restart with
/// resume, the customer ending it, and the cloud saying it is gone.
async fn a_whole_chat_in(dialect: &str) {
    let options = || Options { keepalive: Duration::from_secs(30), ..Options::default() };
    let mut t = TestChat::new(options());
    let sim = t.sim.clone();
    sim.configure(
        &t.installation,
        json!({"dialect": dialect, "agentsReady": {"Support": true, "Billing": false}, "visibilityTimeout": 1}),
    )
    .await;

    // The pre-chat form's availability line; a server without the endpoint says nothing.
    let (support, billing) = (t.chat.availability("Support").await, t.chat.availability("Billing").await);
    if dialect == "no-status-endpoint" {
        assert_eq!((support, billing), (Availability::Unknown, Availability::Unknown));
    } else {
        assert_eq!((support, billing), (Availability::Ready, Availability::NoneReady));
    }

    let session = t.start().await;
    assert_eq!(t.chat.state(), SessionState::Queued { estimated_wait: None });
    // The first still-here goes at once, not after the 30 s interval.
    t.until_still_here(&session).await;

    sim.agent_sends(&session, json!({"type": "ESTIMATED_WAIT_TIME", "estimatedWait": "about 2 minutes"})).await;
    t.until_state("the wait estimate", |state| {
        *state == SessionState::Queued { estimated_wait: Some("about 2 minutes".into()) }
    })
    .await;
    let avatar = "data:image/png;base64;iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles", "agentBase64Image": avatar})).await;
    let state = t.until_state("the agent", |state| matches!(state, SessionState::Chatting { .. })).await;
    let SessionState::Chatting { agent } = state else { unreachable!() };
    assert!(agent.avatar.is_some_and(|url| url.starts_with("data:image/png;base64,iVBOR")));

    sim.agent_sends(&session, json!({"type": "AGENT_TYPING", "isTyping": "True"})).await;
    t.until("agent typing", |event| *event == ChatEvent::AgentTyping { typing: true }).await;
    sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "Hello, how can I help?"})).await;
    t.until_agent_says("Hello, how can I help?").await;

    let sent = t.chat.send("My printer is on fire.").await.unwrap();
    assert_eq!(sent.delivery, Some(Delivery::Sent));
    t.chat.set_typing(true).await.unwrap();
    t.chat.focus().await.unwrap();
    assert_eq!(sim.session(&session).await["userMessages"], json!(["My printer is on fire."]));

    // A screenshot, whatever form the upload's answer and prefix take.
    sim.agent_sends(&session, json!({"type": "TAKE_SCREENSHOT"})).await;
    t.until("the screenshot request", |event| *event == ChatEvent::ScreenshotRequested).await;
    {
        let _turn = DISPLAY_TURN.lock().await;
        let _screen = VirtualScreen::start(320, 200);
        t.chat.capture_screenshot(CaptureTarget::AllScreens, None).await.unwrap();
    }
    let ScreenshotAnswer::Accepted { uuid } = t.chat.answer_screenshot(true).await.unwrap() else {
        panic!("the screenshot was accepted");
    };
    assert!(!sim.screenshot(&uuid).await.is_empty(), "the simulator holds screenshot {uuid}");
    let notify = sim.requests_for("/screenshot/notify", &session).await;
    assert_eq!(body(&notify[0]), json!({"chatSessionId": session.as_str(), "status": "ACCEPTED", "uuid": uuid}));

    // The app is closed and opened again: the chat resumes, cookie and all.
    t.chat.shutdown().await;
    let mut t = t.restart(options());
    assert!(t.chat.resume().await.unwrap(), "the saved chat is still live");
    assert_eq!(t.session(), session);
    sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "Still with me?"})).await;
    t.until_agent_says("Still with me?").await;

    // The customer ends it; the cloud finds the chat through the original cookie.
    t.chat.end().await.unwrap();
    t.until_state("ended by the customer", |state| *state == SessionState::Ended { reason: EndReason::ByUser }).await;
    let cookie = sim.session(&session).await["httpSession"].as_str().unwrap().to_owned();
    let ends = sim.requests("/chat/end").await;
    let ours = ends.iter().find(|end| end["cookie"] == cookie.as_str()).expect("/chat/end with the original cookie");
    assert_eq!(ours["status"], 204);
    assert_eq!(sim.session(&session).await["ended"], true);
    assert_eq!(t.chat.cloud().check_session(&session).await.unwrap(), None, "gone, as this dialect says it");

    let violations: Vec<_> = sim
        .requests("")
        .await
        .into_iter()
        .filter(|request| request.get("violation").is_some())
        .filter(|request| {
            let seen = request.to_string();
            seen.contains(session.as_str()) || seen.contains(&t.installation)
        })
        .collect();
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wire_log_shows_what_the_server_speaks_and_nothing_anyone_said() {
    let log = std::env::temp_dir().join(crate::support::unique("xima-wire")).with_extension("jsonl");
    let mut t = TestChat::new(Options { wire_log: Some(log.clone()), ..Options::default() });
    t.sim.configure(&t.installation, json!({"dialect": "sns-envelope"})).await;
    let session = t.start().await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles Secretname"})).await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "your code is 99417"})).await;
    t.until_agent_says("your code is 99417").await;
    t.chat.send("my card is 4111 1111").await.unwrap();
    t.chat.end().await.unwrap();

    let text = std::fs::read_to_string(&log).unwrap();
    for secret in
        [crate::support::API_KEY, "Ann Lee", "ann.lee@example.com", "99417", "4111", "Secretname", session.as_str()]
    {
        assert!(!text.contains(secret), "{secret:?} is in the wire log");
    }
    let cookie = t.sim.session(&session).await["httpSession"].as_str().unwrap().to_owned();
    assert!(!text.contains(&cookie), "the session cookie is in the wire log");
    let records: Vec<serde_json::Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let start = records.iter().find(|record| record["path"] == "/chat/apiqueue").expect("the start is recorded");
    assert_eq!(start["status"], 200);
    assert_eq!(start["responseBody"]["sessionDetails"]["id"], "text", "the answer's shape: wrapped, id as text");
    assert!(start["responseHeaders"].as_array().unwrap().iter().any(|name| name == "set-cookie"));
    let envelope = records.iter().find(|record| record["kind"] == "sqs").expect("an SQS body is recorded");
    assert_eq!(envelope["body"]["Type"], "text");
    assert_eq!(envelope["body"]["Message"]["json in text"]["type"], "text", "an SNS envelope around the message");
    let _ = std::fs::remove_file(log);
}

//! The kiosk's privacy wipe between two customers, against the simulator and moto: the
//! next customer finds nothing of the last one, in memory, on disk or in the cookies
//! the cloud set.

use crate::support::screen::{VirtualScreen, DISPLAY_TURN};
use crate::support::{Options, TestChat};
use serde_json::{json, Value};
use xima_chat_core::capture::CaptureTarget;
use xima_chat_core::{ChatEvent, SessionState};

/// The (API key) start requests this installation sent, oldest first.
async fn start_requests(t: &TestChat) -> Vec<Value> {
    t.sim
        .requests("/chat/apiqueue")
        .await
        .into_iter()
        .filter(|request| {
            request["method"] == "POST" && request["body"].as_str().is_some_and(|b| b.contains(&t.installation))
        })
        .collect()
}

/// A chat that got as far as a captured screen waiting in the consent dialog when the
/// agent ended it.
async fn chat_left_with_a_preview_on_screen(t: &mut TestChat) {
    let session = t.start().await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    t.chat.send("my card was declined").await.unwrap();
    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "Let me look at your screen"})).await;
    t.sim.agent_sends(&session, json!({"type": "TAKE_SCREENSHOT"})).await;
    t.until("the screenshot request", |event| *event == ChatEvent::ScreenshotRequested).await;
    t.chat.capture_screenshot(CaptureTarget::AllScreens, None).await.unwrap();
    t.sim.agent_sends(&session, json!({"type": "CHAT_ENDED"})).await;
    t.until_state("the end of the chat", |state| matches!(state, SessionState::Ended { .. })).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_wipe_leaves_nothing_of_the_last_customer() {
    let _turn = DISPLAY_TURN.lock().await;
    let _screen = VirtualScreen::start(1024, 768);
    let mut t = TestChat::new(Options::default());
    chat_left_with_a_preview_on_screen(&mut t).await;
    let transcripts = t.data_dir.join("transcripts");
    assert!(std::fs::read_dir(&transcripts).unwrap().count() > 0, "the chat was on disk");
    assert_eq!(start_requests(&t).await[0]["cookie"], Value::Null);

    t.chat.wipe().unwrap();

    let snapshot = t.chat.snapshot();
    assert_eq!(snapshot.state, SessionState::Idle);
    assert_eq!(snapshot.session_id, None);
    assert!(snapshot.entries.is_empty());
    assert!(!snapshot.screenshot_pending, "the captured screen is gone");
    assert!(t.chat.answer_screenshot(true).await.is_err(), "nothing left to send");
    assert!(!transcripts.exists(), "transcript files removed");
    assert!(!t.data_dir.join("current-session.json").exists(), "saved session removed");

    // The next customer's start carries no cookie of the last one's HTTP session.
    t.start().await;
    let starts = start_requests(&t).await;
    assert_eq!(starts.len(), 2);
    assert_eq!(starts[1]["cookie"], Value::Null, "cookies forgotten");
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_users_new_chat_keeps_the_transcript_files_and_the_cookie() {
    // The contrast that shows the wipe is doing the work: a plain reset keeps history.
    let _turn = DISPLAY_TURN.lock().await;
    let _screen = VirtualScreen::start(800, 600);
    let mut t = TestChat::new(Options::default());
    chat_left_with_a_preview_on_screen(&mut t).await;

    t.chat.reset().unwrap();

    assert!(t.chat.snapshot().entries.is_empty(), "the window starts empty either way");
    assert!(std::fs::read_dir(t.data_dir.join("transcripts")).unwrap().count() > 0);
    t.start().await;
    let starts = start_requests(&t).await;
    assert!(starts[1]["cookie"].is_string(), "the HTTP session cookie was sent again");
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_chat_is_not_wiped() {
    let mut t = TestChat::new(Options::default());
    let session = t.start().await;
    assert_eq!(t.chat.wipe().unwrap_err().code(), "already_active", "end it first");
    assert_eq!(t.chat.snapshot().session_id, Some(session));
    assert!(t.chat.has_running_tasks(), "the chat goes on");
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_restarted_after_a_crash_ends_and_wipes_the_last_customers_chat() {
    let mut first = TestChat::new(Options::default());
    let session = first.start().await;
    first.sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    first.chat.send("my card ends in 4242").await.unwrap();
    // The crash: the app goes without ending anything.
    first.chat.shutdown().await;

    let second = first.restart(Options::default());
    second.chat.discard_last().await.unwrap();

    let snapshot = second.chat.snapshot();
    assert_eq!(snapshot.state, SessionState::Idle);
    assert!(snapshot.entries.is_empty(), "nothing of it reached the screen");
    assert!(!second.data_dir.join("transcripts").exists(), "transcript files removed");
    assert!(!second.data_dir.join("current-session.json").exists(), "saved session removed");
    let in_the_cloud = second.sim.session(&session).await;
    assert_eq!(in_the_cloud["ended"], true, "the agent is told the chat ended: {in_the_cloud}");
    assert!(!second.chat.resume().await.unwrap(), "nothing left to resume");
}

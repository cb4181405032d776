//! One chat at a time, and nothing late from an old one: results that arrive after an
//! await must land in the chat that asked for them, or nowhere.

use std::time::Duration;

use crate::support::screen::{VirtualScreen, DISPLAY_TURN};
use crate::support::{Options, TestChat};
use serde_json::json;
use tokio::task::JoinHandle;
use xima_chat_core::capture::CaptureTarget;
use xima_chat_core::Author;
use xima_chat_core::{ChatError, ChatEvent, SessionId, SessionState};

/// The next run of a chat the customer left without ending, whose resume check the
/// cloud takes three seconds to answer: the check is under way.
async fn a_slow_resume_check() -> (TestChat, SessionId, JoinHandle<Result<bool, ChatError>>) {
    let mut first = TestChat::new(Options::default());
    let old_chat = first.start().await;
    first.chat.shutdown().await;
    let second = first.restart(Options::default());
    second.sim.add_fault(json!({"path": "/chat/queue", "match": old_chat.as_str(), "delay": 3})).await;
    let resuming = tokio::spawn({
        let chat = second.chat.clone();
        async move { chat.resume().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    (second, old_chat, resuming)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_resume_check_does_not_resume_over_a_chat_started_ended_and_reset_meanwhile() {
    let (mut second, _, resuming) = a_slow_resume_check().await;
    second.start().await;
    second.chat.end().await.unwrap();
    second.chat.reset().unwrap();
    assert_eq!(second.chat.state(), SessionState::Idle);

    assert!(!resuming.await.unwrap().unwrap(), "the answer about the old chat came after another chat began");
    assert_eq!(second.chat.state(), SessionState::Idle, "the customer is on the form, as they left it");
    assert!(!second.chat.has_running_tasks());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_resume_check_does_not_replace_a_chat_started_meanwhile() {
    // The next run's resume check takes its time; the customer starts a new chat.
    let (mut second, old_chat, resuming) = a_slow_resume_check().await;
    let new_chat = second.start().await;
    assert_ne!(new_chat, old_chat);

    let resumed = resuming.await.unwrap().unwrap();
    assert!(!resumed, "the old chat is not put over the one the customer started");
    assert_eq!(second.session(), new_chat);
    assert!(second.chat.state().is_live());

    // The new chat is whole: its messages arrive, and it is what a restart resumes.
    second.sim.agent_sends(&new_chat, json!({"type": "CHAT_TEXT", "text": "for the new chat"})).await;
    second.until_agent_says("for the new chat").await;
    second.chat.shutdown().await;
    let third = second.restart(Options::default());
    assert!(third.chat.resume().await.unwrap());
    assert_eq!(third.session(), new_chat);
    third.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_that_finishes_after_a_wipe_does_not_touch_the_next_customer() {
    let mut t = TestChat::new(Options::default());
    let first = t.start().await;
    t.sim.agent_sends(&first, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    t.until_state("the agent", |state| matches!(state, SessionState::Chatting { .. })).await;
    t.sim.add_fault(json!({"path": "/chat", "match": first.as_str(), "delay": 2})).await;
    let sending = tokio::spawn({
        let chat = t.chat.clone();
        async move { chat.send("my account number is 1234").await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let last_id_of_first = t.chat.snapshot().entries.last().unwrap().id;

    // The kiosk ends the chat and wipes it; the next customer starts.
    t.chat.end().await.unwrap();
    t.chat.wipe().unwrap();
    let next = t.start().await;
    t.sim.agent_sends(&next, json!({"type": "CHAT_STARTED", "agent": "Shawn"})).await;
    t.until(
        "the next agent's line",
        |event| matches!(event, ChatEvent::Entry { entry } if entry.text == "Shawn joined the chat."),
    )
    .await;

    let _ = sending.await.unwrap();
    t.settle(Duration::from_millis(300)).await;
    let entries = t.chat.snapshot().entries;
    assert!(entries.iter().all(|entry| entry.delivery.is_none()), "{entries:#?}");
    assert!(entries.iter().all(|entry| entry.id > last_id_of_first), "entry ids are unique across chats");
    assert!(
        !t.data_dir.join("transcripts").join(format!("{first}.jsonl")).exists(),
        "nothing of the wiped chat is written again"
    );
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_screenshot_answer_that_finishes_after_a_wipe_leaves_nothing_for_the_next_customer() {
    let _turn = DISPLAY_TURN.lock().await;
    let _screen = VirtualScreen::start(640, 480);
    let mut t = TestChat::new(Options::default());
    let first = t.start().await;
    t.sim.agent_sends(&first, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    t.sim.agent_sends(&first, json!({"type": "TAKE_SCREENSHOT"})).await;
    t.until("the screenshot request", |event| *event == ChatEvent::ScreenshotRequested).await;
    t.chat.capture_screenshot(CaptureTarget::AllScreens, None).await.unwrap();
    let cookie = t.sim.session(&first).await["httpSession"].as_str().unwrap().to_owned();
    t.sim.add_fault(json!({"path": "/screenshot", "match": cookie, "delay": 2})).await;
    let answering = tokio::spawn({
        let chat = t.chat.clone();
        async move { chat.answer_screenshot(true).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The kiosk's reset ends the chat; the cloud misses the end and keeps the chat, so
    // the late upload's notify still succeeds.
    t.sim.add_fault(json!({"path": "/chat/end", "match": cookie, "status": 500})).await;
    let _ = t.chat.end().await;
    t.chat.wipe().unwrap();
    let next = t.start().await;
    t.sim.agent_sends(&next, json!({"type": "CHAT_STARTED", "agent": "Shawn"})).await;
    t.until_state("the next agent", |state| matches!(state, SessionState::Chatting { .. })).await;

    let _ = answering.await.unwrap();
    t.settle(Duration::from_millis(300)).await;
    let entries = t.chat.snapshot().entries;
    assert!(
        entries.iter().all(|entry| !(entry.author == Author::System && entry.text.contains("screenshot"))),
        "{entries:#?}"
    );
    assert!(!t.data_dir.join("transcripts").join(format!("{first}.jsonl")).exists());
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_event_is_emitted_while_the_chat_is_locked() {
    // The window reads the chat back when an event arrives, and the tray waits on the
    // main thread: an event sent from under the lock would hang both.
    let mut t = TestChat::new(Options { events_read_the_chat: true, ..Options::default() });
    let session = t.start().await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    t.sim.agent_sends(&session, json!({"type": "AGENT_TYPING", "isTyping": "true"})).await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "hello"})).await;
    t.until_agent_says("hello").await;
    t.chat.send("hi").await.unwrap();
    t.sim.agent_sends(&session, json!({"type": "CHAT_ENDED"})).await;
    t.until_state("the end", |state| matches!(state, SessionState::Ended { .. })).await;
    t.chat.wipe().unwrap();
    t.start().await;
    t.chat.end().await.unwrap();
    assert_eq!(
        t.emitted_under_lock.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "events emitted under the chat's lock"
    );
}

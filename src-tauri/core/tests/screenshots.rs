//! TAKE_SCREENSHOT end to end: a real capture of an Xvfb screen, uploaded to the
//! simulator, which must receive a PNG of exactly the screen's size.
//!
//! Capture reads DISPLAY from the process environment, so these tests take turns.

use std::time::{Duration, Instant};

use crate::support::screen::{VirtualScreen, DISPLAY_TURN};
use crate::support::{body, Options, TestChat};
use base64::Engine as _;
use serde_json::json;
use xima_chat_core::capture::CaptureTarget;
use xima_chat_core::ScreenshotAnswer;
use xima_chat_core::{ChatEvent, SessionId};

async fn chat_asked_for_a_screenshot(options: Options) -> (TestChat, SessionId) {
    let mut t = TestChat::new(options);
    let session = t.start().await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    t.sim.agent_sends(&session, json!({"type": "TAKE_SCREENSHOT"})).await;
    t.until("the screenshot request", |event| *event == ChatEvent::ScreenshotRequested).await;
    assert!(t.chat.snapshot().screenshot_pending);
    (t, session)
}

/// The /screenshot/notify requests of `session`, once there is one: the dialog closes
/// before the agent has been told.
async fn notifications(t: &TestChat, session: &SessionId) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let notify = t.sim.requests_for("/screenshot/notify", session).await;
        if !notify.is_empty() || Instant::now() > deadline {
            return notify;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_accepted_screenshot_reaches_the_cloud_as_a_png_of_the_screen_size() {
    let _turn = DISPLAY_TURN.lock().await;
    for (width, height) in [(1920, 1080), (1280, 720)] {
        let _screen = VirtualScreen::start(width, height);
        let (t, session) = chat_asked_for_a_screenshot(Options::default()).await;

        let preview = t.chat.capture_screenshot(CaptureTarget::AllScreens, None).await.unwrap();
        assert_eq!((preview.width, preview.height), (width, height));
        assert!(preview.preview.starts_with("data:image/png;base64,"));

        let ScreenshotAnswer::Accepted { uuid } = t.chat.answer_screenshot(true).await.unwrap() else {
            panic!("the upload was accepted");
        };
        let uploaded = t.sim.screenshot(&uuid).await;
        let png = base64::engine::general_purpose::STANDARD.decode(uploaded.trim()).unwrap();
        let decoded = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (width, height));

        let notify = t.sim.requests_for("/screenshot/notify", &session).await;
        assert_eq!(body(&notify[0]), json!({"chatSessionId": session.as_str(), "status": "ACCEPTED", "uuid": uuid}));
        assert!(!t.chat.snapshot().screenshot_pending);
        t.chat.end().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_request_tells_the_agent_rejected_and_uploads_nothing() {
    let _turn = DISPLAY_TURN.lock().await;
    let (t, session) = chat_asked_for_a_screenshot(Options::default()).await;
    assert_eq!(t.chat.answer_screenshot(false).await.unwrap(), ScreenshotAnswer::Rejected);
    let notify = t.sim.requests_for("/screenshot/notify", &session).await;
    assert_eq!(body(&notify[0]), json!({"chatSessionId": session.as_str(), "status": "REJECTED"}));
    let last = t.chat.snapshot().entries.last().cloned().unwrap();
    assert_eq!(last.text, "You declined to share a screenshot.");
    assert!(t.chat.answer_screenshot(true).await.is_err(), "nothing left to send");
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_capture_tells_the_customer_and_the_agent_and_the_chat_goes_on() {
    let _turn = DISPLAY_TURN.lock().await;
    let previous = std::env::var("DISPLAY").ok();
    std::env::set_var("DISPLAY", ":4242");
    let (mut t, session) = chat_asked_for_a_screenshot(Options::default()).await;
    let error = t.chat.capture_screenshot(CaptureTarget::AllScreens, None).await.unwrap_err();
    match previous {
        Some(display) => std::env::set_var("DISPLAY", display),
        None => std::env::remove_var("DISPLAY"),
    }
    assert_eq!(error.code(), "capture");
    t.until("the dialog to close", |event| *event == ChatEvent::ScreenshotClosed).await;
    let notify = notifications(&t, &session).await;
    assert_eq!(body(&notify[0])["status"], "REJECTED");
    assert!(t.chat.send("still chatting").await.is_ok());
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_upload_is_reported_as_rejected() {
    let _turn = DISPLAY_TURN.lock().await;
    let _screen = VirtualScreen::start(800, 600);
    let (t, session) = chat_asked_for_a_screenshot(Options::default()).await;
    t.chat.capture_screenshot(CaptureTarget::AllScreens, None).await.unwrap();
    t.sim.fail_next("/screenshot", session.as_str(), 500, 1).await;
    assert!(t.chat.answer_screenshot(true).await.is_err());
    let notify = t.sim.requests_for("/screenshot/notify", &session).await;
    assert_eq!(body(&notify[0]), json!({"chatSessionId": session.as_str(), "status": "REJECTED"}));
    assert_eq!(t.chat.snapshot().entries.last().unwrap().text, "The screenshot could not be sent.");
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_request_is_declined_when_it_times_out() {
    let _turn = DISPLAY_TURN.lock().await;
    let (mut t, session) =
        chat_asked_for_a_screenshot(Options { screenshot_timeout: Duration::from_millis(800), ..Options::default() })
            .await;
    t.until("the request to time out", |event| *event == ChatEvent::ScreenshotClosed).await;
    let notify = notifications(&t, &session).await;
    assert_eq!(body(&notify[0])["status"], "REJECTED");
    assert!(!t.chat.snapshot().screenshot_pending);
    t.chat.end().await.unwrap();
}

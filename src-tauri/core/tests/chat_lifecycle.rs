//! A whole chat against the cloud simulator and moto's SQS, as a customer lives it.

use std::time::Duration;

use crate::support::{body, eventually, Options, TestChat, API_KEY, CAPTCHA_TOKEN};
use serde_json::json;
use xima_chat_core::{AppConfig, Author, CustomChatInfo, Delivery, Fact, Facts};
use xima_chat_core::{ChatEvent, EndReason, Secret, SessionId, SessionState, StartAuth};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_chat_from_the_resume_check_to_the_agent_ending_it() {
    let mut t = TestChat::new(Options { keepalive: Duration::from_millis(700), ..Options::default() });
    let sim = t.sim.clone();

    // Nothing saved yet; and the cloud answers 204 for a session it does not know.
    assert!(!t.chat.resume().await.unwrap());
    let unknown = SessionId("00000000-0000-0000-0000-000000000000".into());
    assert_eq!(t.chat.cloud().check_session(&unknown).await.unwrap(), None);
    let checks = sim.requests_for("/chat/queue", &unknown).await;
    assert_eq!(checks.last().unwrap()["status"], 204);
    assert_eq!(checks.last().unwrap()["query"]["existingChatSessionId"], unknown.as_str());

    // Start with the API key: exactly the spec's body goes to /chat/apiqueue.
    let session = t.start().await;
    let start = sim.requests("/chat/apiqueue").await;
    let sent = start
        .iter()
        .map(body)
        .find(|sent| sent["installationId"] == t.installation.as_str())
        .expect("the start request");
    assert_eq!(
        sent,
        json!({
            "installationId": t.installation, "email": "ann.lee@example.com", "name": "Ann Lee",
            "skill": "Support", "apiKey": API_KEY,
            "customChatInfo": [{"name": "Order", "value": "24601"}]
        })
    );
    assert_eq!(t.chat.state(), SessionState::Queued { estimated_wait: None });

    // The resume check now finds the live session.
    let found = t.chat.cloud().check_session(&session).await.unwrap().expect("live session");
    assert_eq!(found.session_details.id, session);

    // Queue: the wait estimate.
    sim.agent_sends(&session, json!({"type": "ESTIMATED_WAIT_TIME", "estimatedWait": "about 2 minutes"})).await;
    t.until_state("the wait estimate", |state| {
        *state == SessionState::Queued { estimated_wait: Some("about 2 minutes".into()) }
    })
    .await;

    // An agent picks it up; the picture is a real PNG, so it becomes a data URL.
    let avatar = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles", "agentBase64Image": avatar})).await;
    let state = t.until_state("chat started", |state| matches!(state, SessionState::Chatting { .. })).await;
    let SessionState::Chatting { agent } = state else { unreachable!() };
    assert_eq!(agent.name, "Myles");
    assert!(agent.avatar.unwrap().starts_with("data:image/png;base64,"));

    // The agent types ("True", as the page spells it) and writes.
    sim.agent_sends(&session, json!({"type": "AGENT_TYPING", "isTyping": "True"})).await;
    t.until("agent typing", |event| *event == ChatEvent::AgentTyping { typing: true }).await;
    sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "Hello, how can I help you today?"})).await;
    t.until_agent_says("Hello, how can I help you today?").await;

    // The customer answers: sending, then sent, and the cloud got the spec's body.
    let entry = t.chat.send("  I have a question about model no. 24601.  ").await.unwrap();
    assert_eq!(entry.delivery, Some(Delivery::Sent));
    assert_eq!(entry.text, "I have a question about model no. 24601.");
    let chats = sim.requests_for("/chat", &session).await;
    assert_eq!(chats.len(), 1);
    assert_eq!(
        body(&chats[0]),
        json!({"chatSessionId": session.as_str(), "message": "I have a question about model no. 24601."})
    );
    assert_eq!(chats[0]["contentType"], "application/json");

    // Typing is sent on change only; focus says "true".
    t.chat.set_typing(true).await.unwrap();
    t.chat.set_typing(true).await.unwrap();
    t.chat.set_typing(false).await.unwrap();
    let typing: Vec<_> = sim.requests_for("/chat/typing", &session).await.iter().map(body).collect();
    assert_eq!(
        typing,
        [
            json!({"chatSessionId": session.as_str(), "typing": "true"}),
            json!({"chatSessionId": session.as_str(), "typing": "false"})
        ]
    );
    t.chat.focus().await.unwrap();
    let focus = sim.requests_for("/chat/focus", &session).await;
    assert_eq!(body(&focus[0]), json!({"chatSessionId": session.as_str(), "focused": "true"}));

    // A transfer changes the agent and says so.
    sim.agent_sends(&session, json!({"type": "CHAT_TRANSFERRED", "newAgent": "Shawn", "newAgentImage": avatar})).await;
    t.until_state("transfer", |state| matches!(state, SessionState::Chatting { agent } if agent.name == "Shawn")).await;
    t.until(
        "transfer line",
        |event| matches!(event, ChatEvent::Entry { entry } if entry.text == "You were transferred to Shawn."),
    )
    .await;
    sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "Shawn here."})).await;
    t.until_agent_says("Shawn here.").await;
    let last = t.chat.snapshot().entries.last().cloned().unwrap();
    assert_eq!(last.author, Author::Agent { name: "Shawn".into() });

    // The keepalive has been running all along, with the spec's body.
    eventually("two still-here calls", || {
        let sim = sim.clone();
        let session = session.clone();
        async move { sim.requests_for("/chat/still-here", &session).await.len() >= 2 }
    })
    .await;
    let still_here = sim.requests_for("/chat/still-here", &session).await;
    assert_eq!(body(&still_here[0]), json!({"chatSessionId": session.as_str()}));

    // The agent ends it: everything stops and nothing is left to resume.
    sim.agent_sends(&session, json!({"type": "CHAT_ENDED"})).await;
    t.until_state("ended by agent", |state| *state == SessionState::Ended { reason: EndReason::ByAgent }).await;
    t.until_tasks_stopped().await;
    assert!(!t.data_dir.join("current-session.json").exists());
    assert!(t.chat.send("anyone?").await.is_err(), "no sending after the end");

    // Nothing the client sent broke the protocol.
    let violations: Vec<_> = sim
        .requests("")
        .await
        .into_iter()
        .filter(|request| {
            request.get("violation").is_some() && request["body"].as_str().unwrap_or("").contains(session.as_str())
        })
        .collect();
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_ends_the_chat_and_the_cloud_finds_it_through_the_http_session() {
    let mut t = TestChat::new(Options::default());
    let session = t.start().await;
    t.chat.end().await.unwrap();
    t.until_state("ended by the customer", |state| *state == SessionState::Ended { reason: EndReason::ByUser }).await;

    let cookie = t.sim.session(&session).await["httpSession"].as_str().unwrap().to_owned();
    let ends = t.sim.requests("/chat/end").await;
    let ours = ends.iter().find(|end| end["cookie"] == cookie.as_str()).expect("/chat/end with our cookie");
    assert_eq!(ours["status"], 204);
    assert_eq!(ours["body"], "", "/chat/end has no body");
    assert_eq!(t.sim.session(&session).await["ended"], true);
    assert!(!t.chat.has_running_tasks());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captcha_token_starts_through_chat_queue_and_a_bad_one_is_refused() {
    let mut t = TestChat::new(Options::default());
    let refused = t.chat.start(t.request(StartAuth::Captcha(Secret::new("robot")))).await.unwrap_err();
    assert_eq!(refused.code(), "cloud_rejected");
    assert_eq!(t.chat.state(), SessionState::Idle);

    t.chat.start(t.request(StartAuth::Captcha(Secret::new(CAPTCHA_TOKEN)))).await.unwrap();
    let session = t.session();
    let starts = t.sim.requests("/chat/queue").await;
    let ours = starts
        .iter()
        .filter(|request| request["method"] == "POST")
        .map(body)
        .find(|sent| sent["installationId"] == t.installation.as_str() && sent["recaptchaToken"] == CAPTCHA_TOKEN)
        .expect("a captcha start");
    assert!(ours.get("apiKey").is_none());
    t.sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    t.until_state("chat started", |state| matches!(state, SessionState::Chatting { .. })).await;
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_api_key_is_refused_with_a_clear_error_and_no_session() {
    let t = TestChat::new(Options::default());
    let error = t.chat.start(t.request(StartAuth::ApiKey(Secret::new("not-the-key")))).await.unwrap_err();
    assert_eq!(error.code(), "cloud_rejected");
    assert!(error.to_string().contains("invalid API key"), "{error}");
    assert!(!error.to_string().contains("not-the-key"), "the key never appears in errors");
    assert_eq!(t.chat.state(), SessionState::Idle);
    assert!(!t.chat.has_running_tasks());
    assert!(!t.data_dir.join("current-session.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_500_on_start_leaves_the_chat_idle_and_a_second_try_works() {
    let mut t = TestChat::new(Options::default());
    t.sim.fail_next("/chat/apiqueue", &t.installation, 500, 1).await;
    let error = t.chat.start(t.request(StartAuth::ApiKey(Secret::new(API_KEY)))).await.unwrap_err();
    assert_eq!(error.code(), "cloud_trouble", "a 5xx is the contact center's trouble, not the customer's connection");
    assert_eq!(t.chat.state(), SessionState::Idle);
    t.start().await;
    assert!(t.chat.state().is_live());
    t.chat.end().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_start_forms_are_refused_before_anything_is_sent() {
    let t = TestChat::new(Options::default());
    let mut request = t.request(StartAuth::ApiKey(Secret::new(API_KEY)));
    request.email = "not-an-email".into();
    assert_eq!(t.chat.start(request).await.unwrap_err().code(), "invalid_input");
    let mut request = t.request(StartAuth::ApiKey(Secret::new(API_KEY)));
    request.name = "  ".into();
    assert_eq!(t.chat.start(request).await.unwrap_err().code(), "invalid_input");
    let sent = t.sim.requests("/chat/apiqueue").await;
    assert!(sent.iter().all(|request| !request["body"].as_str().unwrap().contains(&t.installation)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_computers_facts_a_field_names_reach_the_agent_as_the_page_shapes_custom_chat_info() {
    let t = TestChat::new(Options::default());
    let config: AppConfig = toml::from_str(
        "[[custom-chat-info]]\nname = \"Computer\"\nvalue = \"{computer-name}\"\n\
         [[custom-chat-info]]\nname = \"System\"\nvalue = \"{os}, app {app-version}\"\n\
         [[custom-chat-info]]\nname = \"Ticket\"\nvalue = \"\"\n",
    )
    .unwrap();
    let facts = Facts::read(config.facts_named(), None);
    let shown = config.shared_facts(&facts);
    let mut request = t.request(StartAuth::ApiKey(Secret::new(API_KEY)));
    let answer = CustomChatInfo { name: "Ticket".into(), value: "INC-4211".into() };
    request.custom_chat_info = config.custom_chat_info_with(vec![answer], &facts).unwrap();
    t.chat.start(request).await.unwrap();

    // As the system itself tells it: Windows' name is its own (upper case), not the host's.
    let hostname = match cfg!(windows) {
        true => std::env::var("COMPUTERNAME").unwrap(),
        false => std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(),
    };
    let os = facts.get(Fact::Os).expect("the system names itself");
    let version = env!("CARGO_PKG_VERSION");
    let sent = t.sim.requests("/chat/apiqueue").await;
    let sent = sent.iter().map(body).find(|sent| sent["installationId"] == t.installation.as_str()).unwrap();
    assert_eq!(
        sent["customChatInfo"],
        json!([
            {"name": "Computer", "value": hostname.trim()},
            {"name": "System", "value": format!("{os}, app {version}")},
            {"name": "Ticket", "value": "INC-4211"},
        ])
    );
    assert_eq!(
        json!(shown),
        json!(sent["customChatInfo"].as_array().unwrap()[..2]),
        "what the form showed is what was sent"
    );
    t.chat.end().await.unwrap();
}

//! The vendor's own JSON examples, copied verbatim from the API page into
//! tests/fixtures/spec (trailing commas, `//` comments, a leading space in `lastUsed`,
//! `"true"` booleans and all). Inbound ones must parse; for outbound ones, what we
//! send must equal the example once the example's comments and commas are stripped.

use crate::device::secret::Secret;
use crate::wire::lenient;
use crate::wire::protocol::{
    ChatQueueType, ChatSession, ChatText, Focus, ScreenshotAnswer, ScreenshotNotify, SqsCredentials, StillHere, Typing,
    WireFlag,
};
use crate::wire::protocol::{CustomChatInfo, ServerMessage, StartAuth, StartRequest};

fn example(name: &str) -> String {
    let path = format!("{}/tests/fixtures/spec/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn example_value(name: &str) -> serde_json::Value {
    lenient::from_str(&example(name)).unwrap_or_else(|error| panic!("{name}: {error}"))
}

const ID: &str = "9c108bb3-8924-4234-a53c-be9ab284d4e3";

#[test]
fn every_chat_session_example_parses_despite_trailing_commas_and_comments() {
    for name in ["chat-session-resume", "chat-session-start-captcha", "chat-session-start-apikey"] {
        let text = example(name);
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_err(), "{name} is not strict JSON as given");
        let session: ChatSession = lenient::from_str(&text).unwrap_or_else(|error| panic!("{name}: {error}"));
        let details = session.session_details;
        assert_eq!(details.id.as_str(), ID);
        assert_eq!(details.agent.as_deref(), Some("Agent Name"));
        assert_eq!(details.skill.as_deref(), Some("SkillName"));
        assert!(details.server_to_client_queue.url.starts_with("https://sqs.us-east-1.amazonaws.com/"));
        assert_eq!(details.server_to_client_queue.chat_queue_type, Some(ChatQueueType::ServerToClient));
        assert_eq!(details.client_to_server_queue.unwrap().chat_queue_type, Some(ChatQueueType::ClientToServer));
        assert_eq!(
            details.server_to_client_queue.last_used.as_deref(),
            Some("2012-04-23T18:25:43.511Z"),
            "the leading space in the example's timestamp is trimmed"
        );
    }
}

#[test]
fn the_sqs_credentials_example_parses() {
    let credentials: SqsCredentials = lenient::from_str(&example("sqs-credentials")).unwrap();
    assert_eq!(credentials.sqs_access_key, "<sqs aws access key>");
    assert_eq!(credentials.sqs_secret_key.expose(), "<sqs aws secret key>");
    assert_eq!(credentials.sqs_region.as_deref(), Some("<sqs aws region>"));
    assert_eq!(format!("{credentials:?}").matches("secret key").count(), 0, "Debug redacts the secret");
}

#[test]
fn every_inbound_message_example_parses_to_its_type() {
    let parse = |name: &str| ServerMessage::parse(&example(name)).unwrap_or_else(|error| panic!("{name}: {error}"));
    assert_eq!(
        parse("estimated-wait-time"),
        ServerMessage::EstimatedWaitTime { estimated_wait: Some("about 2 minutes".into()) }
    );
    assert!(matches!(
        parse("chat-started"),
        ServerMessage::ChatStarted { agent: Some(ref name), agent_image: Some(_) } if name == "Myles"
    ));
    assert!(matches!(
        parse("chat-transferred"),
        ServerMessage::ChatTransferred { new_agent: Some(ref name), new_agent_image: Some(_) } if name == "Shawn"
    ));
    assert_eq!(parse("chat-text"), ServerMessage::ChatText { text: "Hello, how can I help you today?".into() });
    assert_eq!(parse("agent-typing"), ServerMessage::AgentTyping { is_typing: true });
    assert_eq!(parse("take-screenshot"), ServerMessage::TakeScreenshot);
    assert_eq!(parse("chat-ended"), ServerMessage::ChatEnded);
    assert_eq!(parse("force-close"), ServerMessage::ForceClose);
    assert_eq!(parse("multimedia-down"), ServerMessage::MultimediaDown);
}

#[test]
fn agent_typing_accepts_the_capitalised_spelling_the_text_mentions() {
    for (body, typing) in [
        (r#"{"type": "AGENT_TYPING", "isTyping": "True"}"#, true),
        (r#"{"type": "AGENT_TYPING", "isTyping": "False"}"#, false),
        (r#"{"type": "AGENT_TYPING", "isTyping": false}"#, false),
    ] {
        assert_eq!(ServerMessage::parse(body).unwrap(), ServerMessage::AgentTyping { is_typing: typing });
    }
}

fn start_request(auth: StartAuth) -> StartRequest {
    StartRequest {
        installation_id: ID.into(),
        email: "[email\u{a0}protected]".into(),
        name: "End User".into(),
        skill: "SkillName".into(),
        auth,
        custom_chat_info: vec![CustomChatInfo {
            name: "Parameter Display Name".into(),
            value: "Parameter Value".into(),
        }],
    }
}

#[test]
fn start_requests_serialise_exactly_as_the_examples() {
    // The page's email was mangled by its publisher; compare everything else exactly.
    let mut expected = example_value("start-apikey-request");
    let email = expected["email"].as_str().unwrap().to_owned();
    let mut request = start_request(StartAuth::ApiKey(Secret::new(ID)));
    request.email = email.clone();
    assert_eq!(serde_json::to_value(request.to_wire()).unwrap(), expected);
    assert_eq!(request.path(), "/chat/apiqueue");
    // Keys go out in the page's order, not alphabetically.
    let text = serde_json::to_string(&request.to_wire()).unwrap();
    let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap();
    let order = ["installationId", "email", "name", "skill", "apiKey", "customChatInfo"].map(at);
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{text}");

    expected = example_value("start-captcha-request");
    let mut request = start_request(StartAuth::Captcha(Secret::new("9c108bb3-8924")));
    request.email = email;
    assert_eq!(serde_json::to_value(request.to_wire()).unwrap(), expected);
    assert_eq!(request.path(), "/chat/queue");
}

#[test]
fn outbound_bodies_serialise_exactly_as_the_examples() {
    let json = |value: serde_json::Result<serde_json::Value>| value.unwrap();
    assert_eq!(json(serde_json::to_value(StillHere { chat_session_id: ID })), example_value("still-here"));
    assert_eq!(
        json(serde_json::to_value(ChatText {
            chat_session_id: ID,
            message: "I have a question about model no. 24601."
        })),
        example_value("chat")
    );
    assert_eq!(
        json(serde_json::to_value(Focus { chat_session_id: ID, focused: WireFlag(true) })),
        example_value("focus")
    );
    assert_eq!(
        json(serde_json::to_value(Typing { chat_session_id: ID, typing: WireFlag(true) })),
        example_value("typing")
    );
    let accepted = ScreenshotAnswer::Accepted { uuid: ID.into() };
    assert_eq!(json(serde_json::to_value(ScreenshotNotify::new(ID, &accepted))), example_value("screenshot-notify"));
    let rejected = serde_json::to_value(ScreenshotNotify::new(ID, &ScreenshotAnswer::Rejected)).unwrap();
    assert_eq!(rejected, serde_json::json!({"chatSessionId": ID, "status": "REJECTED"}), "no uuid when rejected");
}

#[test]
fn the_screenshot_body_uses_the_spec_prefix_with_a_semicolon() {
    let body = crate::wire::protocol::screenshot_body(b"\x89PNG\r\n\x1a\n");
    assert_eq!(body, "data:image/png;base64;iVBORw0KGgo=");
}

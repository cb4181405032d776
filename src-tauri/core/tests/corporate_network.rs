//! A managed corporate network, on loopback (tests/harness/network.py): the simulator and
//! moto behind TLS fronts signed by a root that only the bundle in SSL_CERT_FILE holds,
//! reachable only through a proxy that asks for a password (their `.test` names resolve
//! nowhere, so a request that bypassed the proxy would fail loudly). A whole chat goes
//! through it; each way it can fail reaches the customer as its own code.

use crate::support::{env, unique, Options, TestChat, API_KEY};
use serde_json::json;
use xima_chat_core::capture::CaptureTarget;
use xima_chat_core::ScreenshotAnswer;
use xima_chat_core::{
    Chat, ChatError, CloudClient, CloudError, CloudOptions, Network, NetworkFailure, NetworkSettings, OsKeychain,
    ProxyAccount, RouteSource, Secret, SessionState, SessionStore, StartAuth, Via,
};

fn proxy() -> url::Url {
    url::Url::parse(&env("XIMA_TEST_PROXY")).unwrap()
}

/// The app set up as IT would: the proxy in the settings, its user's password in the
/// keychain.
fn corporate(user: &str, password: &str) -> Network {
    OsKeychain
        .set_proxy_password(&ProxyAccount::new(user, &proxy()), &Secret::new(password))
        .expect("the test keychain takes the proxy password");
    Network::new(&NetworkSettings {
        proxy: Some(env("XIMA_TEST_PROXY")),
        no_proxy: vec![],
        proxy_user: Some(user.into()),
    })
    .unwrap()
}

fn the_right_password() -> Network {
    corporate(&env("XIMA_TEST_PROXY_USER"), &env("XIMA_TEST_PROXY_PASSWORD"))
}

fn behind(network: Network) -> Options {
    Options {
        cloud_url: Some(env("XIMA_TEST_TLS_CLOUD")),
        sqs_endpoint: Some(env("XIMA_TEST_TLS_SQS")),
        network: Some(network),
        ..Options::default()
    }
}

/// The hosts the proxy opened a tunnel to.
async fn tunnels() -> Vec<String> {
    let log: serde_json::Value =
        reqwest::get(format!("{}/_log", env("XIMA_TEST_PROXY"))).await.unwrap().json().await.unwrap();
    log.as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["status"] == 200)
        .map(|entry| entry["host"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_chat_goes_through_the_authenticating_proxy_to_endpoints_only_the_os_store_trusts() {
    let mut t = TestChat::new(behind(the_right_password()));
    let route = t.chat.cloud().prepare_route().await;
    assert_eq!((route.via, route.source), (Via::Proxy(proxy()), RouteSource::Setting));

    let session = t.start().await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    t.until_state("the agent's arrival, read from SQS over TLS", |state| {
        matches!(state, SessionState::Chatting { .. })
    })
    .await;
    t.sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "Hello from behind the proxy"})).await;
    t.until_agent_says("Hello from behind the proxy").await;

    t.chat.send("My printer is offline").await.unwrap();
    t.chat.set_typing(true).await.unwrap();
    t.chat.focus().await.unwrap();
    let sent = t.sim.requests_for("/chat", &session).await;
    assert_eq!(crate::support::body(&sent[0])["message"], "My printer is offline");

    t.sim.agent_sends(&session, json!({"type": "TAKE_SCREENSHOT"})).await;
    t.until("the screenshot request", |event| *event == xima_chat_core::ChatEvent::ScreenshotRequested).await;
    t.chat.capture_screenshot(CaptureTarget::AllScreens, None).await.unwrap();
    let ScreenshotAnswer::Accepted { uuid } = t.chat.answer_screenshot(true).await.unwrap() else {
        panic!("the upload went through the proxy");
    };
    assert!(!t.sim.screenshot(&uuid).await.is_empty());

    t.chat.end().await.unwrap();
    assert_eq!(t.chat.state(), SessionState::Ended { reason: xima_chat_core::EndReason::ByUser });
    let tunnels = tunnels().await;
    assert!(tunnels.iter().any(|host| host == "cloud.xima.test"), "{tunnels:?}");
    assert!(tunnels.iter().any(|host| host == "sqs.xima.test"), "the SQS client went the same way: {tunnels:?}");
}

/// What the customer is told when a chat cannot start on this network.
async fn start_fails(cloud_url: &str, network: Network) -> ChatError {
    start_fails_for(&unique("inst"), cloud_url, network).await
}

/// The same for `installation`, which a test may have given a fault of its own.
async fn start_fails_for(installation: &str, cloud_url: &str, network: Network) -> ChatError {
    let cloud =
        CloudClient::new(cloud_url, CloudOptions { network: Some(network), ..CloudOptions::default() }).unwrap();
    let data_dir = std::env::temp_dir().join(unique("xima-chat-network"));
    let (events, _) = tokio::sync::mpsc::unbounded_channel();
    let settings = xima_chat_core::ChatSettings::new(installation.to_owned());
    let chat = Chat::new(cloud, settings, SessionStore::new(&data_dir), std::sync::Arc::new(events));
    let request = xima_chat_core::StartRequest {
        installation_id: installation.to_owned(),
        email: "ann.lee@example.com".into(),
        name: "Ann Lee".into(),
        skill: "Support".into(),
        auth: StartAuth::ApiKey(Secret::new(API_KEY)),
        custom_chat_info: vec![],
    };
    let error = chat.start(request).await.expect_err("the start fails");
    let _ = std::fs::remove_dir_all(data_dir);
    error
}

fn cause(error: &ChatError) -> NetworkFailure {
    match error {
        ChatError::StartFailed(CloudError::Network { cause, .. })
        | ChatError::Cloud(CloudError::Network { cause, .. }) => cause.clone(),
        other => panic!("not a network failure: {other:?}"),
    }
}

#[tokio::test]
async fn a_tls_inspecting_proxy_whose_root_the_os_does_not_hold_is_named_by_its_issuer() {
    let error = start_fails(&env("XIMA_TEST_TLS_ROGUE"), the_right_password()).await;
    assert_eq!(error.code(), "network_certificate");
    let NetworkFailure::UntrustedCertificate(untrusted) = cause(&error) else { panic!("{error:?}") };
    assert_eq!(untrusted.issuer, "Contoso Inspection CA (Contoso)");
    let ChatError::StartFailed(cloud) = &error else { panic!() };
    let logged = cloud.to_string();
    assert!(logged.contains("Contoso Inspection CA") && logged.contains("through the proxy"), "{logged}");
}

#[tokio::test]
async fn a_password_the_proxy_does_not_take_and_no_password_at_all_are_told_apart() {
    let wrong = start_fails(&env("XIMA_TEST_TLS_CLOUD"), corporate("intruder", "guess")).await;
    assert_eq!(wrong.code(), "network_proxy_password");
    assert_eq!(cause(&wrong), NetworkFailure::ProxyAuthentication { sent: true });

    let none =
        Network::new(&NetworkSettings { proxy: Some(env("XIMA_TEST_PROXY")), ..NetworkSettings::default() }).unwrap();
    let missing = start_fails(&env("XIMA_TEST_TLS_CLOUD"), none).await;
    assert_eq!(cause(&missing), NetworkFailure::ProxyAuthentication { sent: false });
}

#[tokio::test]
async fn a_proxy_that_asks_for_ntlm_is_a_named_failure_and_its_schemes_are_told() {
    let ntlm = url::Url::parse(&env("XIMA_TEST_NTLM_PROXY")).unwrap();
    let network =
        Network::new(&NetworkSettings { proxy: Some(ntlm.to_string()), ..NetworkSettings::default() }).unwrap();
    let error = start_fails(&env("XIMA_TEST_TLS_CLOUD"), network).await;
    assert_eq!(error.code(), "network_proxy_password");
    let answer = xima_chat_core::probe_proxy(&ntlm, "cloud.xima.test:443").await.unwrap();
    assert_eq!((answer.status, answer.schemes.clone()), (407, vec!["NTLM".to_owned(), "Negotiate".to_owned()]));
    assert!(!answer.offers_basic());
}

#[tokio::test]
async fn a_proxy_that_refuses_one_that_is_down_and_a_name_that_resolves_nowhere_each_have_their_words() {
    let blocked = start_fails("https://blocked.xima.test", the_right_password()).await;
    assert_eq!(blocked.code(), "network_proxy_refused");

    let down =
        Network::new(&NetworkSettings { proxy: Some(env("XIMA_TEST_DEAD_PROXY")), ..NetworkSettings::default() })
            .unwrap();
    let error = start_fails(&env("XIMA_TEST_TLS_CLOUD"), down).await;
    assert_eq!(error.code(), "network_proxy_unreachable");

    let direct = Network::new(&NetworkSettings {
        proxy: Some(env("XIMA_TEST_PROXY")),
        no_proxy: vec!["xima.test".into()],
        proxy_user: None,
    })
    .unwrap();
    let error = start_fails(&env("XIMA_TEST_TLS_CLOUD"), direct).await;
    assert_eq!(cause(&error), NetworkFailure::NameNotResolved);
    assert_eq!(error.code(), "network_name");
}

#[tokio::test]
async fn a_contact_center_answering_500_is_its_trouble_not_the_customers_connection() {
    let sim = crate::support::Simulator::from_env();
    let installation = unique("inst");
    sim.fail_next("/chat/apiqueue", &installation, 500, 1).await;
    let error = start_fails_for(&installation, &sim.url, Network::of_this_computer().unwrap()).await;
    assert_eq!(error.code(), "cloud_trouble");
    assert!(error.to_string().contains("having trouble"), "{error}");
}

#[tokio::test]
async fn doctor_sees_the_issuer_of_a_trusted_certificate() {
    let network = the_right_password();
    let sqs = url::Url::parse(&env("XIMA_TEST_TLS_SQS")).unwrap();
    network.reach(&sqs).await.expect("moto answers through the proxy");
    assert_eq!(network.issuer_seen("sqs.xima.test").as_deref(), Some("Xima Test Corporate Root (Xima Test Corp)"));
}

//! A laptop sleeps mid-chat. To the app's timers a sleep looks like a process stopped
//! with SIGSTOP: nothing runs, then everything is overdue at once. So the app runs as a
//! child process of the test (this same binary, its `the_app` test), which stops and
//! continues it while the simulator and moto go on.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::proxy::CuttableProxy;
use crate::support::{unique, Options, Simulator, TestChat};
use serde_json::{json, Value};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

/// What the child is told, by environment, when it is the app.
const AS_THE_APP: &str = "XIMA_TEST_AS_THE_APP";
const INSTALLATION: &str = "XIMA_TEST_INSTALLATION";
const SQS_THROUGH: &str = "XIMA_TEST_SQS_THROUGH";

/// The app, when the test below starts this binary as its child: a chat with a short
/// keepalive, whose every event goes to standard output as one JSON line. Run on its
/// own, it does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the child process of the tests below"]
async fn the_app() {
    let Ok(installation) = std::env::var(INSTALLATION) else { return };
    if std::env::var(AS_THE_APP).is_err() {
        return;
    }
    let mut t = TestChat::of_installation(
        &installation,
        Options {
            keepalive: Duration::from_secs(2),
            wake_gap: Duration::from_secs(3),
            // The app's own long poll, which SQS holds open for 20 s.
            poll_wait: Duration::from_secs(20),
            sqs_endpoint: std::env::var(SQS_THROUGH).ok().or(Options::default().sqs_endpoint),
            ..Options::default()
        },
    );
    let session = t.start().await;
    println!("{}", json!({"session": session.as_str()}));
    while let Some(event) = t.events.recv().await {
        for event in crate::support::one_by_one(event) {
            println!("{}", serde_json::to_string(&event).expect("an event serialises"));
        }
    }
}

/// The app as a process of its own, and what it prints.
struct AppProcess {
    child: Child,
    lines: UnboundedReceiver<Value>,
    session: String,
}

impl AppProcess {
    async fn start(installation: &str, sqs_through: Option<&str>) -> Self {
        let mut command = Command::new(std::env::current_exe().expect("the test binary"));
        command
            .args(["--exact", "sleep_and_wake::the_app", "--ignored", "--nocapture", "--test-threads=1"])
            .env(AS_THE_APP, "1")
            .env(INSTALLATION, installation)
            .stdout(Stdio::piped());
        if let Some(endpoint) = sqs_through {
            command.env(SQS_THROUGH, endpoint);
        }
        let mut child = command.spawn().expect("the app starts");
        let stdout = child.stdout.take().expect("its output");
        let (sender, lines) = unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The first comes after libtest's "test the_app ... ".
                let json = line.find('{').map_or("", |start| &line[start..]);
                if let Ok(value) = serde_json::from_str::<Value>(json) {
                    let _ = sender.send(value);
                }
            }
        });
        let mut app = Self { child, lines, session: String::new() };
        let started = app.until("the chat's session id", |line| line["session"].is_string()).await;
        app.session = started["session"].as_str().unwrap_or_default().to_owned();
        app
    }

    async fn until(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        self.until_within(what, Duration::from_secs(30), matches).await
    }

    async fn until_within(&mut self, what: &str, within: Duration, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) if matches(&line) => return line,
                Ok(Some(_)) => {}
                Ok(None) => panic!("the app ended before {what}"),
                Err(_) => panic!("no {what} within {within:?}"),
            }
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill").args([&format!("-{name}"), &self.child.id().to_string()]).status();
        assert!(status.is_ok_and(|status| status.success()), "kill -{name}");
    }

    /// The lid is closed for `how_long`.
    async fn sleep_for(&self, how_long: Duration) {
        self.signal("STOP");
        tokio::time::sleep(how_long).await;
        self.signal("CONT");
    }
}

impl Drop for AppProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_state(line: &Value, phase: &str) -> bool {
    line["type"] == "state" && line["state"]["phase"] == phase
}

fn says(line: &Value, text: &str) -> bool {
    line["type"] == "entry" && line["entry"]["text"] == text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_the_cloud_ended_while_the_computer_slept_says_so_and_keeps_its_transcript() {
    let sim = Simulator::from_env();
    let installation = unique("inst");
    // The cloud ends a chat that has not been heard from for 6 s.
    sim.configure(&installation, json!({"sessionTimeout": 6})).await;
    let mut app = AppProcess::start(&installation, None).await;
    let session = xima_chat_core::SessionId(app.session.clone());
    sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "Let me check your order."})).await;
    app.until("the agent's line", |line| says(line, "Let me check your order.")).await;

    app.sleep_for(Duration::from_secs(10)).await;
    let said = app
        .until("the line saying it ended", |line| line["type"] == "entry" && line["entry"]["line"]["code"] == "ended")
        .await;
    assert_eq!(said["entry"]["line"]["reason"], "whileAsleep", "{said}");
    assert_eq!(said["entry"]["text"], "The chat ended while this computer was asleep.");
    let ended = app.until("the ended view", |line| is_state(line, "ended")).await;
    assert_eq!(ended["state"]["reason"], "whileAsleep", "{ended}");
    assert_eq!(sim.session(&session).await["ended"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_short_sleep_on_another_network_the_chat_picks_up_at_once() {
    let sim = Simulator::from_env();
    let sqs = crate::support::env("XIMA_SQS_ENDPOINT");
    let sqs_proxy = CuttableProxy::start(&sqs).await;
    let installation = unique("inst");
    sim.configure(&installation, json!({"sessionTimeout": 20})).await;
    let mut app = AppProcess::start(&installation, Some(&sqs_proxy.url)).await;
    let session = xima_chat_core::SessionId(app.session.clone());
    sim.agent_sends(&session, json!({"type": "CHAT_STARTED", "agent": "Myles"})).await;
    sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "One moment, please."})).await;
    app.until("the agent's line", |line| says(line, "One moment, please.")).await;

    // The lid closes just as the next long poll began; the laptop wakes on another
    // Wi-Fi, where that long poll, held open on the old one, will never get an answer
    // (nor an error).
    app.signal("STOP");
    sqs_proxy.strand();
    sim.agent_sends(&session, json!({"type": "CHAT_TEXT", "text": "Welcome back!"})).await;
    // Longer than a tick of the clock watch and its gap (2 s + 3 s) can hide.
    tokio::time::sleep(Duration::from_secs(7)).await;
    app.signal("CONT");

    // The stranded long poll would hold out for its whole attempt timeout (20 s of
    // waiting and 10 s more, some 23 s from now): woken, the app drops it and reads
    // again at once.
    app.until_within("the agent's line, before the old long poll gives up", Duration::from_secs(9), |line| {
        says(line, "Welcome back!")
    })
    .await;
    assert_eq!(sim.session(&session).await["ended"], false, "the chat went on");
}

//! The API key in the OS keychain (GNOME Keyring under a private D-Bus session in
//! tests/run.sh), and the administrator's command line around it.

#[path = "../src-tauri/core/tests/support/mod.rs"]
mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use support::{unique, Simulator};
use xima_chat_core::Secret;
use xima_chat_core::{checked_base_url, ApiKeyStore, KeyHome};

const APP: &str = env!("CARGO_BIN_EXE_xima-chat");

fn app(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(APP)
        .args(args)
        .env_remove("XIMA_MACHINE_CONFIG")
        .envs(env.iter().copied())
        .env_remove("XIMA_CONFIG")
        .env("XDG_CONFIG_HOME", std::env::temp_dir().join(unique("xima-config")))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the app binary runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The default cloud; the key of a test installation is never sent there.
const CLOUD: &str = "https://mm-v1.ximasoftware.com";

fn home(installation: &str) -> KeyHome {
    home_on(installation, CLOUD)
}

/// The key of `installation` on the cloud at `base_url`, as the settings find it.
fn home_on(installation: &str, base_url: &str) -> KeyHome {
    KeyHome::new(installation, &checked_base_url(base_url).unwrap()).unwrap()
}

#[test]
fn the_api_key_round_trips_through_the_os_keychain() {
    let installation = home(&unique("keychain"));
    let keys = ApiKeyStore;
    assert_eq!(keys.get(&installation).unwrap(), None);
    keys.set(&installation, &Secret::new("k-123")).unwrap();
    assert_eq!(keys.get(&installation).unwrap().unwrap().expose(), "k-123");
    keys.set(&installation, &Secret::new("k-456")).unwrap();
    assert_eq!(keys.get(&installation).unwrap().unwrap().expose(), "k-456", "set replaces");
    keys.clear(&installation).unwrap();
    assert_eq!(keys.get(&installation).unwrap(), None);
    keys.clear(&installation).unwrap();
}

#[test]
fn a_stored_key_is_not_found_once_the_base_url_points_elsewhere() {
    let installation = unique("bound");
    let keys = ApiKeyStore;
    keys.set(&home(&installation), &Secret::new("k-bound")).unwrap();
    let elsewhere = home_on(&installation, "https://mm-v1.ximasoftware.com.evil.example");
    assert_eq!(keys.get(&elsewhere).unwrap(), None, "a new base URL gets no key");
    let local = home_on(&installation, "http://127.0.0.1:8080");
    assert_eq!(keys.get(&local).unwrap(), None);
    assert_eq!(keys.get(&home(&installation)).unwrap().unwrap().expose(), "k-bound");
    keys.clear(&home(&installation)).unwrap();
}

#[test]
fn a_key_stored_by_version_0_1_is_bound_to_its_cloud_when_first_read() {
    let installation = unique("unbound");
    // What 0.1 wrote: the installation id alone names the entry.
    let unbound = keyring::Entry::new("xima-chat-desktop", &installation).unwrap();
    unbound.set_password("k-old").unwrap();
    let keys = ApiKeyStore;
    assert_eq!(keys.get(&home(&installation)).unwrap().unwrap().expose(), "k-old");
    assert!(matches!(unbound.get_password(), Err(keyring::Error::NoEntry)), "the unbound entry is gone");
    let elsewhere = home_on(&installation, "https://evil.example");
    assert_eq!(keys.get(&elsewhere).unwrap(), None, "bound now: another cloud gets nothing");
    keys.clear(&home(&installation)).unwrap();
}

#[test]
fn api_key_set_reads_standard_input_and_never_prints_the_key() {
    let installation = unique("cli");
    let secret = "super-secret-key-9f3a";
    let output = app(&["--installation-id", &installation, "api-key", "set"], &format!("{secret}\n"), &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!text(&output).contains(secret));
    let local = home_on(&installation, "https://mm-v1.ximasoftware.com");
    assert_eq!(ApiKeyStore.get(&local).unwrap().unwrap().expose(), secret);

    let output = app(&["--installation-id", &installation, "api-key", "clear"], "", &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(ApiKeyStore.get(&local).unwrap(), None);
}

/// What IT runs at every logon on many PCs, the key piped in from a file only it and the
/// user can read (docs/admin.md, "Many computers"): the computer's settings file names the
/// installation and the cloud, and no flag of the user's sends the key elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logon_script_stores_the_key_for_the_installation_the_computers_file_names() {
    let sim = Simulator::from_env();
    let installation = unique("logon");
    let dir = std::env::temp_dir().join(unique("xima-machine"));
    std::fs::create_dir_all(&dir).unwrap();
    let machine = dir.join("config.toml");
    std::fs::write(
        &machine,
        format!(
            "installation-id = \"{installation}\"\nbase-url = \"{}\"\nskills = [\"Support\"]\n\
             locked = [\"installation-id\", \"base-url\"]\n",
            sim.url
        ),
    )
    .unwrap();
    let env = [("XIMA_MACHINE_CONFIG", machine.to_str().unwrap())];

    let output = app(&["api-key", "set"], "k-logon\n", &env);
    assert!(output.status.success(), "{}", text(&output));
    let theirs = home_on(&installation, &sim.url);
    assert_eq!(ApiKeyStore.get(&theirs).unwrap().unwrap().expose(), "k-logon");

    let elsewhere = unique("elsewhere");
    let output =
        app(&["--installation-id", &elsewhere, "--base-url", "https://evil.example", "api-key", "set"], "k-2\n", &env);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(ApiKeyStore.get(&theirs).unwrap().unwrap().expose(), "k-2", "still the computer's installation");
    assert_eq!(ApiKeyStore.get(&home_on(&elsewhere, "https://evil.example")).unwrap(), None);

    let said = text(&app(&["--installation-id", &elsewhere, "doctor"], "", &env));
    let from = format!("INFO settings: {} (the computer's, locks installation-id, base-url)", machine.display());
    assert!(said.contains(&from), "{said}");
    assert!(said.contains("INFO locked: installation-id set elsewhere too"), "{said}");
    assert!(said.contains("PASS keychain: an API key is stored"), "{said}");
    ApiKeyStore.clear(&theirs).unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_empty_key_is_refused() {
    let output = app(&["--installation-id", &unique("cli"), "api-key", "set"], "\n", &[]);
    assert!(!output.status.success());
    assert!(text(&output).contains("no key on standard input"));
}

/// A desktop without a Secret Service (Linux's keychain is a service one may lack; Windows'
/// Credential Manager and macOS's Keychain are always there).
#[cfg(target_os = "linux")]
#[test]
fn without_a_keychain_the_app_says_so_instead_of_crashing() {
    let output = app(
        &["--installation-id", &unique("cli"), "api-key", "set"],
        "k\n",
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    assert_eq!(output.status.code(), Some(1));
    let said = text(&output);
    assert!(said.contains("keychain"), "{said}");
    assert!(!said.contains("panicked"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_reports_a_line_per_check() {
    let sim = Simulator::from_env();
    let installation = unique("doctor");
    let flags =
        ["--installation-id", installation.as_str(), "--skills", "Support", "--base-url", sim.url.as_str(), "doctor"];
    let output = app(&flags, "", &[]);
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(said.contains("PASS config"), "{said}");
    assert!(said.contains("PASS cloud"), "{said}");
    assert!(said.contains("PASS sqs credentials: issued for region us-east-1"), "{said}");
    assert!(said.contains("FAIL keychain: no API key is stored"), "{said}");

    let local = home_on(&installation, &sim.url);
    ApiKeyStore.set(&local, &Secret::new("demo-api-key")).unwrap();
    let output = app(&flags, "", &[]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(text(&output).contains("PASS keychain"));
    ApiKeyStore.clear(&local).unwrap();

    let output =
        app(&["--installation-id", "x", "--skills", "S", "--base-url", "http://127.0.0.1:9", "doctor"], "", &[]);
    assert!(text(&output).contains("FAIL cloud"));
}

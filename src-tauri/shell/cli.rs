//! The command line: configuration flags, and the administrator's subcommands
//! (`api-key set|clear`, `doctor`) that run without opening a window.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use xima_chat_core::config::{default_config_path, ConfigError};
use xima_chat_core::deeplink::is_chat_link;
use xima_chat_core::protocol::{Availability, QueueStatus, SessionShape};
use xima_chat_core::keychain::ApiKeyStore;
use xima_chat_core::store::SessionStore;
use xima_chat_core::{AppConfig, CloudClient, CloudOptions, Secret, SessionId};

pub const USAGE: &str = "\
Usage: xima-chat [OPTIONS] [COMMAND | LINK]

Commands:
  (none)           open the chat window (or bring the open one to the front)
  LINK             xima-chat://start?skill=..&name=..&email=..: open it with the form filled in
  api-key set      store the API key (read from standard input) in the OS keychain
  api-key clear    remove the stored API key
  doctor           check the configuration, the cloud, SQS credentials and the keychain;
                   show agent availability and how the cloud wraps session answers

Options (each also settable as XIMA_<NAME> in the environment or in the config file):
  --config FILE                 config file (default: the platform config dir's xima-chat/config.toml)
  --base-url URL                cloud base URL (default https://mm-v1.ximasoftware.com)
  --installation-id ID          the Chat Installation Id
  --skills A,B                  skills to offer; the first is the default
  --name NAME / --email EMAIL   pre-filled pre-chat answers
  --sqs-endpoint URL            override the SQS endpoint (testing)
  --keepalive-seconds N         still-here interval (default 30)
  --credentials-refresh-seconds N   SQS credential refresh interval (default 300)
  --data-dir DIR                where sessions and transcripts are kept
  --log-dir DIR                 where the rotating log files go (default: the platform log dir)
  --wire-log FILE               record the shape of every exchange with the cloud (no values)
  --start-at-login[=false]      start the app when the user logs in
  --kiosk[=false]               kiosk mode (its details come from the [kiosk] section of the file)
  -h, --help / -V, --version
";

/// What the command line asked for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// The chat window, with a `xima-chat://` link to fill its form from.
    Window { link: Option<String> },
    ApiKeySet,
    ApiKeyClear,
    Doctor,
    Help,
    Version,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("unknown command {0:?}; see --help")]
    UnknownCommand(String),
}

/// Reads config file, environment and flags, and the command.
pub fn parse(args: &[String]) -> Result<(Command, AppConfig, Option<PathBuf>), CliError> {
    let mut args = args.to_vec();
    let mut config_path = std::env::var_os("XIMA_CONFIG").map(PathBuf::from);
    if let Some(index) = args.iter().position(|arg| arg == "--config" || arg.starts_with("--config=")) {
        let flag = args.remove(index);
        config_path = Some(PathBuf::from(match flag.split_once('=') {
            Some((_, value)) => value.to_owned(),
            None if index < args.len() => args.remove(index),
            None => return Err(ConfigError::MissingValue(flag).into()),
        }));
    }
    let explicit = config_path.is_some();
    let path = config_path.or_else(default_config_path);
    let mut config = match &path {
        Some(path) if explicit || path.exists() => AppConfig::from_file(path)?,
        _ => AppConfig::default(),
    };
    config.apply_env(|name| std::env::var(name).ok())?;
    let rest = config.apply_flags(&args)?;
    let words: Vec<&str> = rest.iter().map(String::as_str).collect();
    let command = match words.as_slice() {
        [] => Command::Window { link: None },
        [link] if is_chat_link(link) => Command::Window {
            link: Some((*link).to_owned()),
        },
        ["api-key", "set"] => Command::ApiKeySet,
        ["api-key", "clear"] => Command::ApiKeyClear,
        ["doctor"] => Command::Doctor,
        ["-h" | "--help" | "help"] => Command::Help,
        ["-V" | "--version"] => Command::Version,
        _ => return Err(CliError::UnknownCommand(rest.join(" "))),
    };
    Ok((command, config, path))
}

pub fn api_key_set(config: &AppConfig) -> ExitCode {
    if config.installation_id.trim().is_empty() {
        eprintln!("error: set the installation id first (--installation-id or the config file)");
        return ExitCode::FAILURE;
    }
    let mut line = String::new();
    if let Err(error) = std::io::stdin().lock().read_line(&mut line) {
        eprintln!("error: could not read the key from standard input: {error}");
        return ExitCode::FAILURE;
    }
    let key = Secret::new(line.trim());
    if key.is_empty() {
        eprintln!("error: no key on standard input");
        return ExitCode::FAILURE;
    }
    match ApiKeyStore.set(config.installation_id.trim(), &key) {
        Ok(()) => {
            println!("API key stored in the keychain for installation {}", config.installation_id.trim());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

pub fn api_key_clear(config: &AppConfig) -> ExitCode {
    match ApiKeyStore.clear(config.installation_id.trim()) {
        Ok(()) => {
            println!("API key removed for installation {}", config.installation_id.trim());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One line per check, `PASS` or `FAIL`, for whoever deploys the app; `INFO` lines
/// describe the server without judging it.
pub fn doctor(config: &AppConfig) -> ExitCode {
    let mut failed = 0;
    let mut report = |ok: bool, what: &str, detail: String| {
        println!("{} {what}: {detail}", if ok { "PASS" } else { "FAIL" });
        failed += usize::from(!ok);
    };
    let info = |what: &str, detail: String| println!("INFO {what}: {detail}");
    let problems = config.problems();
    report(problems.is_empty(), "config", if problems.is_empty() { "complete".into() } else { problems.join(" ") });

    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    match CloudClient::new(&config.base_url, CloudOptions::default()) {
        Err(error) => report(false, "cloud", error.to_string()),
        Ok(cloud) => {
            // A made-up session id: a live cloud answers 204.
            let probe = SessionId(format!("doctor-{}", fastrand_id()));
            match runtime.block_on(cloud.check_session(&probe)) {
                Ok(_) => report(true, "cloud", format!("{} answers", config.base_url)),
                Err(error) => report(false, "cloud", error.to_string()),
            }
            if !config.installation_id.trim().is_empty() {
                match runtime.block_on(cloud.sqs_credentials(config.installation_id.trim())) {
                    Ok(credentials) => report(
                        true,
                        "sqs credentials",
                        match credentials.region() {
                            Some(region) => format!("issued for region {region}"),
                            None => "issued without a region (the queue's address gives it)".into(),
                        },
                    ),
                    Err(error) => report(false, "sqs credentials", error.to_string()),
                }
                // The endpoint is not on the vendor's page: a server without it is not a
                // fault, and neither is one that fails it (the form then shows nothing).
                match runtime.block_on(cloud.queue_status(config.installation_id.trim())) {
                    Ok(Some(status)) => report(true, "agent availability", availability_by_skill(config, &status)),
                    Ok(None) => report(
                        true,
                        "agent availability",
                        "this server has no availability endpoint (GET /queue/status); the form shows nothing".into(),
                    ),
                    Err(error) => info("agent availability", format!("{error}; the form shows nothing")),
                }
            }
        }
    }
    let shape = match SessionStore::new(config.data_dir()).session_shape() {
        Some(SessionShape::Wrapped) => "wrapped (last seen)",
        Some(SessionShape::Flat) => "flat (last seen)",
        None => "not seen yet (start a chat once)",
    };
    info("session answers", shape.into());
    match ApiKeyStore.get(config.installation_id.trim()) {
        Ok(Some(_)) => report(true, "keychain", "an API key is stored".into()),
        Ok(None) => report(false, "keychain", "no API key is stored; run `xima-chat api-key set`".into()),
        Err(error) => report(false, "keychain", error.to_string()),
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `Support: ready, Billing: no agent ready` for the skills a chat can go to, and the
/// server's own names when one of ours is not among them (a misspelt skill, usually).
fn availability_by_skill(config: &AppConfig, status: &QueueStatus) -> String {
    let skills: Vec<String> = if config.kiosk.enabled {
        config.skill_for(None).into_iter().collect()
    } else {
        config.skills.iter().map(|skill| skill.trim().to_owned()).filter(|skill| !skill.is_empty()).collect()
    };
    if skills.is_empty() {
        return "the server answers; no skill is set to ask about".into();
    }
    let mut missing = false;
    let each: Vec<String> = skills
        .iter()
        .map(|skill| {
            let word = match status.for_skill(skill) {
                Availability::Ready => "ready",
                Availability::NoneReady => "no agent ready",
                Availability::Unknown => {
                    missing = true;
                    "not reported"
                }
            };
            format!("{skill}: {word}")
        })
        .collect();
    let mut detail = each.join(", ");
    if missing {
        let mut named: Vec<&str> = status.skills().collect();
        named.sort_unstable();
        if named.is_empty() {
            detail.push_str(" (the server named no skill)");
        } else {
            detail.push_str(&format!(" (the server names: {})", named.join(", ")));
        }
    }
    detail
}

fn fastrand_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    format!("{:x}-{}", nanos, std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn doctor_names_each_skills_availability_and_the_servers_names_when_one_is_missing() {
        let mut config = AppConfig::default();
        config.skills = vec!["Support".into(), "Billing".into(), "Sales".into()];
        let answer = serde_json::json!({
            "Support": {"thereAreAgentsReady": true},
            "Billing": {"thereAreAgentsReady": false},
            "Sale": {"thereAreAgentsReady": true},
        });
        let status = QueueStatus::from_answer(&answer).unwrap();
        assert_eq!(
            availability_by_skill(&config, &status),
            "Support: ready, Billing: no agent ready, Sales: not reported (the server names: Billing, Sale, Support)"
        );
        config.skills.truncate(2);
        assert_eq!(availability_by_skill(&config, &status), "Support: ready, Billing: no agent ready");
    }

    #[test]
    fn subcommands_and_flags_are_told_apart() {
        let missing = std::env::temp_dir().join("xima-no-such-config.toml");
        let (command, config, _) = parse(&args(&[
            "--config",
            "/dev/null",
            "--installation-id",
            "abc",
            "api-key",
            "set",
        ]))
        .unwrap();
        assert_eq!(command, Command::ApiKeySet);
        assert_eq!(config.installation_id, "abc");
        assert!(matches!(parse(&args(&["frobnicate", "--config=/dev/null"])), Err(CliError::UnknownCommand(_))));
        assert!(parse(&args(&["--config", missing.to_str().unwrap()])).is_err(), "an explicit config file must exist");
        let (command, _, _) = parse(&args(&["--config=/dev/null", "xima-chat://start?name=Ann"])).unwrap();
        assert_eq!(
            command,
            Command::Window {
                link: Some("xima-chat://start?name=Ann".into())
            }
        );
    }
}

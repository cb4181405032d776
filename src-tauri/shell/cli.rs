//! The command line: configuration flags, and the administrator's subcommands
//! (`api-key set|clear`, `doctor`) that run without opening a window.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use xima_chat_core::config::{default_config_path, ConfigError};
use xima_chat_core::deeplink::is_chat_link;
use xima_chat_core::secrets::ApiKeyStore;
use xima_chat_core::{AppConfig, CloudClient, CloudOptions, Secret, SessionId};

pub const USAGE: &str = "\
Usage: xima-chat [OPTIONS] [COMMAND | LINK]

Commands:
  (none)           open the chat window (or bring the open one to the front)
  LINK             xima-chat://start?skill=..&name=..&email=..: open it with the form filled in
  api-key set      store the API key (read from standard input) in the OS keychain
  api-key clear    remove the stored API key
  doctor           check the configuration, the cloud, SQS credentials and the keychain

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

/// One line per check, `PASS` or `FAIL`, for whoever deploys the app.
pub fn doctor(config: &AppConfig) -> ExitCode {
    let mut failed = 0;
    let mut report = |ok: bool, what: &str, detail: String| {
        println!("{} {what}: {detail}", if ok { "PASS" } else { "FAIL" });
        failed += usize::from(!ok);
    };
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
                    Ok(credentials) => report(true, "sqs credentials", format!("issued for region {}", credentials.sqs_region)),
                    Err(error) => report(false, "sqs credentials", error.to_string()),
                }
            }
        }
    }
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

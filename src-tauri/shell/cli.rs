//! The command line: the settings as flags and `XIMA_*` environment variables, and which
//! of the administrator's subcommands (`api-key set|clear`, `proxy-password set|clear`:
//! [`crate::admin`]; `doctor`: [`crate::doctor`]) to run without opening a window. clap
//! reads it from [`Cli`], so the help text, the errors for a misspelt flag and the
//! variable of each flag come from one place.

use std::ffi::OsStr;
use std::fmt;
use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};
use xima_chat_core::deeplink::{self, is_chat_link, ChatLink, LinkError};
use xima_chat_core::{checked_base_url, default_config_path, layered_settings, machine_config_path};
use xima_chat_core::{AppConfig, CloudError, ConfigError, MachineSettings};

/// Live chat with a Chronicall Contact Center agent.
#[derive(Parser, Debug)]
// No `help` subcommand: `help` alone is the help, and there is one help text.
#[command(name = "xima-chat", version, args_override_self = true, disable_help_subcommand = true, after_help = PRECEDENCE)]
struct Cli {
    /// The config file [default: xima-chat/config.toml in the platform's config dir]
    #[arg(long, env = "XIMA_CONFIG", value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// xima-chat://start?skill=..&name=..&email=..&field.NAME=..: open the window with the form filled in
    link: Option<String>,
    /// Fill the form's custom field NAME (one the settings leave blank for the customer)
    #[arg(long = "field", value_name = "NAME=VALUE", value_parser = FIELD, global = true)]
    fields: Vec<(String, String)>,
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Option<Admin>,
}

const PRECEDENCE: &str = "\
Each setting is also a key of the config file (--log-dir is log-dir) and an environment
variable (XIMA_LOG_DIR); the environment overrides the file, a flag the environment.
Switches take --kiosk, --kiosk=false or XIMA_KIOSK=1; the kiosk's details are set in the
file's [kiosk] section. Under all of them lies the computer's own file, which IT deploys
(/etc/xima-chat/config.toml, %ProgramData%\\xima-chat\\config.toml); what it locks, nothing
here changes.";

/// Where the settings came from: the settings screen names both files and saves to the
/// user's, leaving alone what the machine's locks.
#[derive(Debug, Clone, Default)]
pub struct SettingsFiles {
    pub user: Option<PathBuf>,
    pub machine: Option<MachineSettings>,
    /// Locked keys that the user's file, a variable or a flag tried to change.
    pub overruled: Vec<String>,
}

impl SettingsFiles {
    pub fn is_locked(&self, key: &str) -> bool {
        self.machine.as_ref().is_some_and(|machine| machine.is_locked(key))
    }
}

/// The top-level settings of [`AppConfig`], each `None` unless a flag or its variable
/// gives it (then it overrides the file).
#[derive(Args, Debug)]
#[command(next_help_heading = "Settings")]
struct Settings {
    /// Cloud base URL [default: https://mm-v1.ximasoftware.com]
    #[arg(long, env = "XIMA_BASE_URL", value_name = "URL", global = true)]
    base_url: Option<String>,
    /// The Chat Installation Id
    #[arg(long, env = "XIMA_INSTALLATION_ID", value_name = "ID", global = true)]
    installation_id: Option<String>,
    /// Skills to offer; the first is the default
    #[arg(long, env = "XIMA_SKILLS", value_name = "A,B", global = true)]
    skills: Option<String>,
    /// Pre-filled name on the pre-chat form
    #[arg(long, env = "XIMA_NAME", global = true)]
    name: Option<String>,
    /// Pre-filled email on the pre-chat form
    #[arg(long, env = "XIMA_EMAIL", global = true)]
    email: Option<String>,
    /// Overrides the SQS endpoint (testing)
    #[arg(long, env = "XIMA_SQS_ENDPOINT", value_name = "URL", global = true)]
    sqs_endpoint: Option<String>,
    /// Still-here interval [default: 30]
    #[arg(long, env = "XIMA_KEEPALIVE_SECONDS", value_name = "N", value_parser = SECONDS, global = true)]
    keepalive_seconds: Option<u64>,
    /// SQS credential refresh interval [default: 300]
    #[arg(long, env = "XIMA_CREDENTIALS_REFRESH_SECONDS", value_name = "N", value_parser = SECONDS, global = true)]
    credentials_refresh_seconds: Option<u64>,
    /// Where sessions and transcripts are kept [default: the platform's data dir]
    #[arg(long, env = "XIMA_DATA_DIR", value_name = "DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Where the rotating log files go [default: the platform's log dir]
    #[arg(long, env = "XIMA_LOG_DIR", value_name = "DIR", global = true)]
    log_dir: Option<PathBuf>,
    /// Saved transcripts older than this are deleted at start; 0 keeps them [default: 30]
    #[arg(long, env = "XIMA_KEEP_TRANSCRIPTS_DAYS", value_name = "DAYS", value_parser = DAYS, global = true)]
    keep_transcripts_days: Option<u32>,
    /// The window's language, e.g. es or pt-BR [default: the desktop's]
    #[arg(long, env = "XIMA_LANGUAGE", value_name = "TAG", global = true)]
    language: Option<String>,
    /// Record the shape of every exchange with the cloud (no values)
    #[arg(long, env = "XIMA_WIRE_LOG", value_name = "FILE", global = true)]
    wire_log: Option<String>,
    /// The proxy for every request, e.g. http://proxy.corp:3128 [default: HTTPS_PROXY, then the desktop's]
    #[arg(long, env = "XIMA_PROXY", value_name = "URL", global = true)]
    proxy: Option<String>,
    /// Hosts that bypass --proxy, e.g. corp.example,10.0.0.1
    #[arg(long, env = "XIMA_NO_PROXY", value_name = "A,B", global = true)]
    no_proxy: Option<String>,
    /// The user name for a proxy that asks for a password (stored with `proxy-password set`)
    #[arg(long, env = "XIMA_PROXY_USER", value_name = "NAME", global = true)]
    proxy_user: Option<String>,
    /// Start the app when the user logs in
    #[arg(long, env = "XIMA_START_AT_LOGIN", value_name = "BOOL", value_parser = SWITCH, global = true,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    start_at_login: Option<bool>,
    /// Let a xima-chat://start?..&autostart=1 link start the chat by itself (any web page can hand one out)
    #[arg(long, env = "XIMA_LINK_AUTOSTART", value_name = "BOOL", value_parser = SWITCH, global = true,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    link_autostart: Option<bool>,
    /// Kiosk mode (its details come from the [kiosk] section of the file)
    #[arg(long, env = "XIMA_KIOSK", value_name = "BOOL", value_parser = SWITCH, global = true,
          num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    kiosk: Option<bool>,
}

impl Settings {
    /// Lays what the environment and the flags gave over the file's settings.
    fn apply(self, config: &mut AppConfig) {
        fn over<T>(setting: &mut T, given: Option<T>) {
            if let Some(value) = given {
                *setting = value;
            }
        }
        let trimmed = |text: String| text.trim().to_owned();
        let nonblank = |text: &str| Some(text.trim().to_owned()).filter(|text| !text.is_empty());
        over(&mut config.base_url, self.base_url.map(trimmed));
        over(&mut config.installation_id, self.installation_id.map(trimmed));
        over(&mut config.skills, self.skills.map(|skills| skills.split(',').filter_map(nonblank).collect()));
        over(&mut config.name, self.name);
        over(&mut config.email, self.email.map(trimmed));
        over(&mut config.sqs_endpoint, self.sqs_endpoint.map(|url| nonblank(&url)));
        over(&mut config.keepalive_seconds, self.keepalive_seconds);
        over(&mut config.credentials_refresh_seconds, self.credentials_refresh_seconds);
        over(&mut config.data_dir, self.data_dir.map(Some));
        over(&mut config.log_dir, self.log_dir.map(Some));
        over(&mut config.keep_transcripts_days, self.keep_transcripts_days);
        over(&mut config.wire_log, self.wire_log.map(|file| nonblank(&file).map(PathBuf::from)));
        over(&mut config.language, self.language.map(|tag| nonblank(&tag)));
        over(&mut config.proxy, self.proxy.map(|url| nonblank(&url)));
        over(&mut config.no_proxy, self.no_proxy.map(|hosts| hosts.split(',').filter_map(nonblank).collect()));
        over(&mut config.proxy_user, self.proxy_user.map(|user| nonblank(&user)));
        over(&mut config.start_at_login, self.start_at_login);
        over(&mut config.link_autostart, self.link_autostart);
        over(&mut config.kiosk.enabled, self.kiosk);
    }
}

#[derive(Subcommand, Debug)]
enum Admin {
    /// Store the API key in the OS keychain (set, from standard input) or remove it (clear)
    #[command(subcommand, arg_required_else_help = false)]
    ApiKey(Stored),
    /// Store the password of the proxy user (read from standard input) in the OS keychain, or remove it
    #[command(subcommand, arg_required_else_help = false)]
    ProxyPassword(Stored),
    /// Check the config, the network's routes and TLS, the cloud, SQS, the keychain; show agent availability
    Doctor,
    /// Open the window and start the chat at once, with the form's values and --field's (a help desk's shortcut)
    Start,
}

#[derive(Subcommand, Debug)]
enum Stored {
    /// Store it (read from standard input) in the OS keychain
    Set,
    /// Remove it from the OS keychain
    Clear,
}

/// A value from a flag or the environment, refused in the same words for both, naming
/// the setting as the file does.
#[derive(Clone)]
struct Setting<T>(fn(&str) -> Option<T>, &'static str);

const SECONDS: Setting<u64> = Setting(|value| value.trim().parse().ok(), "a whole number of seconds");

const DAYS: Setting<u32> = Setting(|value| value.trim().parse().ok(), "a whole number of days");

const FIELD: Setting<(String, String)> = Setting(
    |value| value.split_once('=').map(|(name, value)| (name.trim().to_owned(), value.to_owned())),
    "NAME=VALUE",
);

const SWITCH: Setting<bool> = Setting(
    |value| match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    },
    "true or false",
);

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Setting<T> {
    type Value = T;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &OsStr) -> Result<T, clap::Error> {
        let value = value.to_string_lossy();
        (self.0)(&value).ok_or_else(|| {
            let name = arg.and_then(clap::Arg::get_long).unwrap_or("the value");
            let Setting(_, must_be) = self;
            clap::Error::raw(ErrorKind::ValueValidation, format!("{name} must be {must_be}, was {value:?}"))
                .with_cmd(cmd)
        })
    }
}

/// The help text, rendered by clap from [`Cli`] when it is printed.
pub const USAGE: Usage = Usage;

pub struct Usage;

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Cli::command().render_help())
    }
}

/// What the command line asked for.
#[derive(Debug, PartialEq)]
pub enum Command {
    /// The chat window, with what to fill its form from (a `xima-chat://` link, or
    /// `--field`s), if anything; a link that is not one of ours is the error.
    Window {
        chat: Option<Result<ChatLink, LinkError>>,
    },
    ApiKeySet,
    ApiKeyClear,
    ProxyPasswordSet,
    ProxyPasswordClear,
    Doctor,
    Help,
    Version,
}

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The base URL would send the API key in the clear: refused before anything runs.
    #[error("{0}")]
    InsecureBaseUrl(CloudError),
    #[error("unknown command {0:?}; see --help")]
    UnknownCommand(String),
    /// clap's own words: a misspelt flag comes with the one that was meant.
    #[error("{}", .0.to_string().trim_start_matches("error: ").trim_end())]
    Usage(clap::Error),
}

/// Reads the command line (`args` without the program's name), the environment and the
/// config file it names.
pub fn parse(args: &[String]) -> Result<(Command, AppConfig, SettingsFiles), CliError> {
    let args = link_only(args);
    let cli = match Cli::try_parse_from(std::iter::once("xima-chat").chain(args.iter().map(String::as_str))) {
        Ok(cli) if cli.command.is_none() && cli.link.as_deref() == Some("help") => {
            return Ok(help_or_version(Command::Help))
        }
        Ok(cli) => cli,
        Err(error) if error.kind() == ErrorKind::DisplayHelp => return Ok(help_or_version(Command::Help)),
        Err(error) if error.kind() == ErrorKind::DisplayVersion => return Ok(help_or_version(Command::Version)),
        Err(error) => return Err(CliError::Usage(error)),
    };
    let chat = chat_asked(&cli);
    let explicit = cli.config.is_some();
    let path = cli.config.or_else(default_config_path);
    let machine = match machine_config_path() {
        Some(machine) => MachineSettings::read(&machine)?,
        None => None,
    };
    let user_file = path.as_deref().filter(|path| explicit || path.exists());
    let mut config = layered_settings(machine.as_ref(), user_file)?;
    cli.settings.apply(&mut config);
    let overruled = match &machine {
        Some(machine) => machine.enforce(&mut config)?,
        None => Vec::new(),
    };
    if let Err(error @ CloudError::InsecureBaseUrl(_)) = checked_base_url(&config.base_url) {
        return Err(CliError::InsecureBaseUrl(error));
    }
    let command = match (cli.command, cli.link) {
        (None | Some(Admin::Start), None) => Command::Window { chat },
        (None, Some(link)) if is_chat_link(&link) => Command::Window { chat },
        (Some(Admin::ApiKey(Stored::Set)), None) => Command::ApiKeySet,
        (Some(Admin::ApiKey(Stored::Clear)), None) => Command::ApiKeyClear,
        (Some(Admin::ProxyPassword(Stored::Set)), None) => Command::ProxyPasswordSet,
        (Some(Admin::ProxyPassword(Stored::Clear)), None) => Command::ProxyPasswordClear,
        (Some(Admin::Doctor), None) => Command::Doctor,
        (_, Some(word)) => return Err(CliError::UnknownCommand(word)),
    };
    Ok((command, config, SettingsFiles { user: path, machine, overruled }))
}

/// What a launch's arguments ask of the chat window (`args` without the program's
/// name): a link, `--field`s, `start`; nothing for a plain launch. For the arguments a
/// second launch hands the running one, read by the same rules as a first launch's.
pub fn chat_request(args: &[String]) -> Option<Result<ChatLink, LinkError>> {
    let args = link_only(args);
    let cli = Cli::try_parse_from(std::iter::once("xima-chat").chain(args.iter().map(String::as_str)));
    match cli {
        Ok(cli) => chat_asked(&cli),
        Err(error) => {
            tracing::warn!(error = ?error.kind(), "a second launch's arguments are not the window's");
            None
        }
    }
}

fn chat_asked(cli: &Cli) -> Option<Result<ChatLink, LinkError>> {
    match (&cli.command, &cli.link) {
        (None, Some(link)) if is_chat_link(link) => Some(deeplink::parse(link)),
        (Some(Admin::Start), None) => Some(Ok(ChatLink::from_command_line(&cli.fields, true))),
        (None, None) if !cli.fields.is_empty() => Some(Ok(ChatLink::from_command_line(&cli.fields, false))),
        _ => None,
    }
}

/// A link is handed over by a browser or another program, and what comes with it is
/// theirs: a link that breaks out of its quotes (`…" --base-url "https://evil`) must not
/// choose where the API key goes. With a link on the line, only the link counts.
fn link_only(args: &[String]) -> &[String] {
    match args.iter().position(|arg| is_chat_link(arg)) {
        Some(at) => &args[at..=at],
        None => args,
    }
}

/// Whether these arguments open the window (rather than an administrator's subcommand,
/// the help or the version), whatever the config file holds.
pub fn opens_the_window(args: &[String]) -> bool {
    let parsed = Cli::try_parse_from(std::iter::once("xima-chat").chain(args.iter().map(String::as_str)));
    parsed.is_ok_and(|cli| matches!(cli.command, None | Some(Admin::Start)) && cli.link.as_deref() != Some("help"))
}

/// Help and version need no config file, not even a readable one.
fn help_or_version(command: Command) -> (Command, AppConfig, SettingsFiles) {
    (command, AppConfig::default(), SettingsFiles::default())
}

#[cfg(test)]
mod tests {
    use std::sync::{Mutex, PoisonError};

    use xima_chat_core::DEFAULT_BASE_URL;

    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    /// `parse` with these `XIMA_*` variables set. The environment is the process's: the
    /// tests that parse take turns.
    fn parse_with(env: &[(&str, &str)], words: &[&str]) -> Result<(Command, AppConfig, SettingsFiles), CliError> {
        static ENVIRONMENT: Mutex<()> = Mutex::new(());
        let _turn = ENVIRONMENT.lock().unwrap_or_else(PoisonError::into_inner);
        for (name, value) in env {
            std::env::set_var(name, value);
        }
        let parsed = parse(&args(words));
        for (name, _) in env {
            std::env::remove_var(name);
        }
        parsed
    }

    fn config_file(name: &str, text: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("xima-cli-{name}-{}.toml", std::process::id()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn subcommands_and_flags_are_told_apart() {
        let missing = std::env::temp_dir().join("xima-no-such-config.toml");
        let (command, config, _) =
            parse_with(&[], &["--config", "/dev/null", "--installation-id", "abc", "api-key", "set"]).unwrap();
        assert_eq!(command, Command::ApiKeySet);
        assert_eq!(config.installation_id, "abc");
        assert!(matches!(parse_with(&[], &["frobnicate", "--config=/dev/null"]), Err(CliError::UnknownCommand(_))));
        assert!(
            parse_with(&[], &["--config", missing.to_str().unwrap()]).is_err(),
            "an explicit config file must exist"
        );
        let (command, _, _) = parse_with(&[], &["--config=/dev/null", "xima-chat://start?name=Ann"]).unwrap();
        assert_eq!(command, Command::Window { chat: Some(deeplink::parse("xima-chat://start?name=Ann")) });
    }

    #[test]
    fn a_script_fills_fields_and_may_start_the_chat() {
        let ticket = ("Ticket".to_owned(), "INC-4211".to_owned());
        let (command, _, _) = parse_with(&[], &["--config=/dev/null", "--field", "Ticket=INC-4211"]).unwrap();
        assert_eq!(
            command,
            Command::Window { chat: Some(Ok(ChatLink::from_command_line(std::slice::from_ref(&ticket), false))) }
        );
        let (command, _, _) =
            parse_with(&[], &["--config=/dev/null", "start", "--field=Ticket=INC-4211", "--field", "Order number=7"])
                .unwrap();
        let order = ("Order number".to_owned(), "7".to_owned());
        assert_eq!(command, Command::Window { chat: Some(Ok(ChatLink::from_command_line(&[ticket, order], true))) });
        assert_eq!(parse_with(&[], &["--config=/dev/null"]).unwrap().0, Command::Window { chat: None });
        let error = parse_with(&[], &["--config=/dev/null", "--field", "Ticket"]).unwrap_err();
        assert_eq!(error.to_string(), "field must be NAME=VALUE, was \"Ticket\"");
        assert!(opens_the_window(&args(&["start"])));
    }

    #[test]
    fn a_second_launch_hands_over_what_it_asks_of_the_window_by_the_same_rules() {
        let asked = chat_request(&args(&["start", "--field", "Ticket=INC-1"])).unwrap().unwrap();
        assert_eq!(asked, ChatLink::from_command_line(&[("Ticket".into(), "INC-1".into())], true));
        let link = chat_request(&args(&["--field", "Ticket=X", "start", "xima-chat://start?name=Bo"])).unwrap();
        assert_eq!(link, deeplink::parse("xima-chat://start?name=Bo"), "with a link, only the link");
        assert_eq!(chat_request(&args(&[])), None);
        assert_eq!(chat_request(&args(&["doctor"])), None);
    }

    #[test]
    fn file_then_environment_then_flags_each_override_the_one_before() {
        let file = config_file(
            "precedence",
            "installation-id = \"from-file\"\nskills = [\"Sales\"]\nkeepalive-seconds = 20\n\
             [[custom-chat-info]]\nname = \"Order\"\nvalue = \"\"\n",
        );
        let env = [("XIMA_INSTALLATION_ID", "from-env"), ("XIMA_SKILLS", "Support, Billing")];
        let (command, config, path) = parse_with(
            &env,
            &["--config", file.to_str().unwrap(), "--installation-id=from-flag", "doctor", "--keepalive-seconds", "5"],
        )
        .unwrap();
        assert_eq!(config.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.installation_id, "from-flag");
        assert_eq!(config.skills, ["Support", "Billing"]);
        assert_eq!(config.keepalive_seconds, 5);
        assert_eq!(config.custom_chat_info[0].name, "Order");
        assert_eq!(command, Command::Doctor, "flags may follow the subcommand");
        assert_eq!(path.user, Some(file.clone()));

        let (_, moved, _) = parse_with(&[], &["--config=/dev/null", "--log-dir", "/var/log/xima"]).unwrap();
        assert_eq!(moved.log_dir(), Ok(PathBuf::from("/var/log/xima")));
        std::fs::remove_file(file).unwrap();
    }

    #[test]
    fn the_computers_file_lies_under_the_users_and_what_it_locks_no_file_variable_or_flag_changes() {
        let machine = config_file(
            "machine",
            "installation-id = \"from-it\"\nskills = [\"IT\"]\nkeepalive-seconds = 20\n\
             locked = [\"installation-id\", \"kiosk.enabled\"]\n",
        );
        let users = config_file("users", "installation-id = \"the-users\"\nskills = [\"Mine\"]\n");
        let env = [("XIMA_MACHINE_CONFIG", machine.to_str().unwrap()), ("XIMA_INSTALLATION_ID", "from-env")];
        let flags = ["--config", users.to_str().unwrap(), "--installation-id=from-flag", "--kiosk"];
        let (_, config, files) = parse_with(&env, &flags).unwrap();
        assert_eq!(config.installation_id, "from-it", "locked");
        assert!(!config.kiosk.enabled, "locked at its default");
        assert_eq!(config.skills, ["Mine"], "not locked: the user's file is laid over the machine's");
        assert_eq!(config.keepalive_seconds, 20, "the machine's, where the user says nothing");
        assert_eq!(files.overruled, ["installation-id", "kiosk.enabled"]);
        assert!(files.is_locked("installation-id") && !files.is_locked("skills"));
        assert_eq!(files.user, Some(users.clone()));

        std::fs::write(&machine, "locked = [\"instalation-id\"]\n").unwrap();
        let error = parse_with(&env, &flags).unwrap_err();
        assert!(matches!(error, CliError::Config(_)), "{error}");
        assert!(error.to_string().contains(machine.to_str().unwrap()), "names the machine's file: {error}");
        std::fs::remove_file(machine).unwrap();
        std::fs::remove_file(users).unwrap();
    }

    #[test]
    fn a_blank_value_clears_what_the_file_set_and_the_last_of_a_repeated_flag_counts() {
        let file = config_file("blank", "sqs-endpoint = \"http://file\"\nwire-log = \"/tmp/wire.jsonl\"\n");
        let flags = [
            "--config",
            file.to_str().unwrap(),
            "--sqs-endpoint=",
            "--skills",
            "Other",
            "--skills",
            " Sales, ,Support ",
            "--email",
            " a@b.c ",
        ];
        let (_, config, _) = parse_with(&[("XIMA_WIRE_LOG", " ")], &flags).unwrap();
        assert_eq!(config.sqs_endpoint, None);
        assert_eq!(config.wire_log, None);
        assert_eq!(config.skills, ["Sales", "Support"], "the last of a repeated flag counts");
        assert_eq!(config.email, "a@b.c");
        std::fs::remove_file(file).unwrap();
    }

    #[test]
    fn bad_values_are_reported_by_name() {
        let error = parse_with(&[], &["--config=/dev/null", "--keepalive-seconds", "soon"]).unwrap_err();
        assert_eq!(error.to_string(), "keepalive-seconds must be a whole number of seconds, was \"soon\"");
        let error = parse_with(&[("XIMA_KEEPALIVE_SECONDS", "soon")], &["--config=/dev/null"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "keepalive-seconds must be a whole number of seconds, was \"soon\"",
            "the same words for a variable"
        );
        let error = parse_with(&[], &["--config=/dev/null", "--base-url"]).unwrap_err();
        assert!(matches!(&error, CliError::Usage(usage) if usage.kind() == ErrorKind::InvalidValue), "{error}");
        assert!(error.to_string().starts_with("a value is required for '--base-url <URL>'"), "{error}");
    }

    #[test]
    fn a_base_url_that_would_send_the_key_in_the_clear_is_refused_by_name() {
        let error = parse_with(&[], &["--config=/dev/null", "--base-url", "http://example.com"]).unwrap_err();
        assert!(matches!(error, CliError::InsecureBaseUrl(_)), "{error}");
        assert_eq!(
            error.to_string(),
            "the base URL \"http://example.com\" is not https: the API key is sent only over https \
             (plain http only to this computer, for testing)"
        );
        let error = parse_with(&[("XIMA_BASE_URL", "http://example.com")], &["--config=/dev/null"]).unwrap_err();
        assert!(matches!(error, CliError::InsecureBaseUrl(_)), "the same from the environment: {error}");
        let (_, config, _) = parse_with(&[], &["--config=/dev/null", "--base-url", "http://127.0.0.1:9"]).unwrap();
        assert_eq!(config.base_url, "http://127.0.0.1:9", "the simulator on this computer");
    }

    #[test]
    fn with_a_link_on_the_command_line_every_other_argument_is_ignored() {
        let file = config_file("link-only", "installation-id = \"from-file\"\nskills = [\"Sales\"]\n");
        let words = [
            "--config",
            file.to_str().unwrap(),
            "--base-url",
            "https://evil.example",
            "--installation-id=stolen",
            "XIMA-CHAT://start?name=Ann",
            "--kiosk=false",
        ];
        let (command, config, _) = parse_with(&[], &words).unwrap();
        assert_eq!(command, Command::Window { chat: Some(deeplink::parse("XIMA-CHAT://start?name=Ann")) });
        assert_ne!(config.base_url, "https://evil.example");
        assert_ne!(config.installation_id, "stolen");
        let (_, config, _) = parse_with(&[("XIMA_CONFIG", file.to_str().unwrap())], &words).unwrap();
        assert_eq!(config.installation_id, "from-file", "the administrator's file and environment still count");
        let broken_out = "xima-chat://start\" --base-url \"https://evil.example";
        let (command, config, _) = parse_with(&[], &["--config=/dev/null", broken_out]).unwrap();
        assert_eq!(
            command,
            Command::Window { chat: Some(deeplink::parse(broken_out)) },
            "all of it is the link, nothing a flag"
        );
        assert_ne!(config.base_url, "https://evil.example");
        std::fs::remove_file(file).unwrap();
    }

    #[test]
    fn a_misspelt_flag_or_subcommand_is_refused_with_the_one_meant() {
        let error = parse_with(&[], &["--instalation-id", "x", "doctor"]).unwrap_err();
        assert!(error.to_string().contains("tip: a similar argument exists: '--installation-id'"), "{error}");
        let error = parse_with(&[], &["--config=/dev/null", "api-key", "sett"]).unwrap_err();
        assert!(error.to_string().contains("tip: a similar subcommand exists: 'set'"), "{error}");
    }

    #[test]
    fn kiosk_and_start_at_login_are_switched_by_flag_or_environment() {
        let kiosk = [("XIMA_KIOSK", "yes")];
        let (_, config, _) = parse_with(&kiosk, &["--config=/dev/null"]).unwrap();
        assert!(config.kiosk.enabled);
        let (command, config, _) =
            parse_with(&kiosk, &["--config=/dev/null", "--kiosk=false", "--start-at-login", "doctor"]).unwrap();
        assert!(!config.kiosk.enabled);
        assert!(config.start_at_login);
        assert_eq!(command, Command::Doctor, "a switch does not swallow the next word");
        let error = parse_with(&[], &["--config=/dev/null", "--kiosk=maybe"]).unwrap_err();
        assert_eq!(error.to_string(), "kiosk must be true or false, was \"maybe\"");
    }

    #[test]
    fn every_top_level_setting_has_a_flag_and_a_variable_of_its_name() {
        let config = serde_json::to_value(AppConfig::default()).unwrap();
        // A list of tables has no flag; `kiosk` is the switch, its details only in the file.
        let names: Vec<&String> =
            config.as_object().unwrap().keys().filter(|name| *name != "custom-chat-info").collect();
        let cli = Cli::command();
        let settings: Vec<(&str, Option<&OsStr>)> = cli
            .get_arguments()
            .filter_map(|arg| Some((arg.get_long()?, arg.get_env())))
            .filter(|(long, _)| !matches!(*long, "config" | "help" | "version" | "field"))
            .collect();
        assert_eq!(settings.len(), names.len(), "{settings:?}");
        for name in names {
            let variable = format!("XIMA_{}", name.to_ascii_uppercase().replace('-', "_"));
            assert!(settings.contains(&(name.as_str(), Some(OsStr::new(&variable)))), "--{name} / {variable}");
        }
    }

    #[test]
    fn help_and_version_need_no_config_file() {
        let missing = std::env::temp_dir().join("xima-no-such-config.toml");
        for (flag, expected) in
            [("--help", Command::Help), ("-h", Command::Help), ("help", Command::Help), ("-V", Command::Version)]
        {
            let (command, _, _) = parse_with(&[], &["--config", missing.to_str().unwrap(), flag]).unwrap();
            assert_eq!(command, expected, "{flag}");
        }
        let help = USAGE.to_string();
        for shown in
            ["--installation-id <ID>", "XIMA_INSTALLATION_ID", "--kiosk[=<BOOL>]", "api-key", "doctor", "[LINK]"]
        {
            assert!(help.contains(shown), "{shown} in {help}");
        }
    }
}

//! The app's settings: defaults, then the machine's file IT deploys, then the user's
//! TOML file ([`machine`]). The shell's command line lays `XIMA_*` environment variables
//! and then flags over them (`shell/cli.rs`), each overriding the one before, and last
//! the machine's locked keys are put back. The API key is never here: it lives in the OS keychain
//! (see [`crate::device::keychain`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::device::facts::{self, Fact, Facts};
use crate::device::keychain::{KeyHome, KeychainError};
use crate::device::private_fs::replace_owner_only;
use crate::device::private_fs::NoHomeFolder;
use crate::error::ChatError;
use crate::network::{NetworkError, NetworkSettings};
use crate::text::words::is_language_tag;
use crate::wire::cloud::{checked_base_url, CloudError, DEFAULT_BASE_URL};
use crate::wire::protocol::CustomChatInfo;

pub(crate) mod machine;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct AppConfig {
    /// The cloud: mm-v1 today, mm-v2 … after breaking changes.
    pub base_url: String,
    /// The Chat Installation Id from Chronicall's Multimedia Chat Seat settings.
    pub installation_id: String,
    /// Skills the customer may choose from; the first is the default.
    pub skills: Vec<String>,
    /// Pre-filled answers for the pre-chat form.
    pub name: String,
    pub email: String,
    /// Extra fields shown on the agent's screen; a blank value is asked of the customer.
    /// A set value may name facts of the computer (`"{computer-name}"`, `"{os}"`:
    /// [`Fact`]), which the form shows the customer before they start.
    pub custom_chat_info: Vec<CustomChatInfo>,
    /// Whether a `xima-chat://start?…&autostart=1` link starts the chat by itself. Off:
    /// any web page can hand out a link, and a chat nobody meant to start would queue.
    pub link_autostart: bool,
    /// Overrides the SQS endpoint (tests); by default the queue URL's own host is used.
    pub sqs_endpoint: Option<String>,
    pub keepalive_seconds: u64,
    pub credentials_refresh_seconds: u64,
    /// Where sessions and transcripts are kept; the platform's data dir by default.
    pub data_dir: Option<PathBuf>,
    /// Where the rotating log files go; the platform's log dir by default.
    pub log_dir: Option<PathBuf>,
    /// Records the shape of every exchange with the cloud (no values), to show what a
    /// deployment's server speaks. Off by default.
    pub wire_log: Option<PathBuf>,
    /// Start the app when the user logs in.
    pub start_at_login: bool,
    /// Saved transcripts older than this are deleted when the app starts (0 keeps them).
    pub keep_transcripts_days: u32,
    /// The window's language, a BCP 47 tag ("es", "pt-BR"; "qps" is the pseudo-locale
    /// that shows untranslated text); the desktop's language when unset.
    pub language: Option<String>,
    /// The proxy every request goes through (`http://proxy.corp:3128`), before the
    /// `*_PROXY` variables and the desktop's settings; never with a password in it.
    pub proxy: Option<String>,
    /// Hosts that go direct whatever `proxy` says (`NO_PROXY`'s form).
    pub no_proxy: Vec<String>,
    /// The user for a proxy that asks for a password; the password is in the keychain.
    pub proxy_user: Option<String>,
    pub kiosk: KioskConfig,
}

/// A shared screen in a shop or lobby: one customer after another, nothing of the last
/// one left for the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct KioskConfig {
    pub enabled: bool,
    pub fullscreen: bool,
    /// The one skill every chat goes to; the first of `skills` when unset.
    pub skill: Option<String>,
    /// Fixed answers: a set field is not asked of the customer.
    pub name: Option<String>,
    pub email: Option<String>,
    /// Back to a wiped start screen this long after a chat ends.
    pub reset_after_end_seconds: u64,
    /// Back to a wiped start screen after this long without anyone touching the screen
    /// (a live chat is ended first).
    pub idle_reset_seconds: u64,
    /// A customer waiting in the queue is not idle: they are waiting for us. Unset, the
    /// queue is never given up on; set, a queued customer who has not touched the
    /// screen for this long is taken to be gone.
    pub queue_idle_reset_seconds: Option<u64>,
}

impl KioskConfig {
    /// The kiosk's fixed answers, when it has them (and is a kiosk at all).
    pub fn fixed_name(&self) -> Option<&str> {
        self.fixed(&self.name)
    }

    pub fn fixed_email(&self) -> Option<&str> {
        self.fixed(&self.email)
    }

    pub fn fixed_skill(&self) -> Option<&str> {
        self.fixed(&self.skill)
    }

    fn fixed<'a>(&self, value: &'a Option<String>) -> Option<&'a str> {
        value.as_deref().map(str::trim).filter(|value| self.enabled && !value.is_empty())
    }
}

impl Default for KioskConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            fullscreen: true,
            skill: None,
            name: None,
            email: None,
            reset_after_end_seconds: 30,
            idle_reset_seconds: 180,
            queue_idle_reset_seconds: None,
        }
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            installation_id: String::new(),
            skills: Vec::new(),
            name: String::new(),
            email: String::new(),
            custom_chat_info: Vec::new(),
            link_autostart: false,
            sqs_endpoint: None,
            keepalive_seconds: 30,
            credentials_refresh_seconds: 300,
            data_dir: None,
            log_dir: None,
            wire_log: None,
            start_at_login: false,
            keep_transcripts_days: 30,
            language: None,
            proxy: None,
            no_proxy: Vec::new(),
            proxy_user: None,
            kiosk: KioskConfig::default(),
        }
    }
}

/// What stands between the settings and a chat: shown on the settings screen as a code
/// the window words (`ui/js/locales/`), and in English here for the log and `doctor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ConfigProblem {
    #[error("The installation id is not set.")]
    NoInstallationId,
    #[error("No skill is set.")]
    NoSkill,
    #[error("The base URL {url:?} must start with https:// (the API key is sent only over https).")]
    InsecureBaseUrl { url: String },
    #[error("The base URL {url:?} is not an https URL.")]
    BadBaseUrl { url: String },
    #[error("The proxy setting is not usable: {reason}.")]
    BadProxy { reason: String },
    /// The settings file is there but cannot be read; `detail` says where and why.
    #[error("{detail}. Correct the file (or remove it) and start the app again.")]
    FileUnreadable { detail: String },
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("could not write the config file {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The platform's config file: `~/.config/xima-chat/config.toml` on Linux.
pub fn default_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("xima-chat").join("config.toml"))
}

/// Where saved transcripts go: the user's Downloads folder, else their home.
pub fn download_dir() -> Option<PathBuf> {
    dirs::download_dir().or_else(dirs::home_dir)
}

/// The platform's place for logs: `~/.local/state/xima-chat/logs` on Linux,
/// `~/Library/Logs/xima-chat` on macOS, `%LOCALAPPDATA%\\xima-chat\\logs` on Windows;
/// `None` without a home folder.
pub fn default_log_dir() -> Option<PathBuf> {
    let home = if cfg!(target_os = "macos") { dirs::home_dir() } else { None };
    log_dir_under(home, dirs::state_dir().or_else(dirs::data_local_dir))
}

/// `home` is given on macOS only, where logs have a place of their own under it.
fn log_dir_under(home: Option<PathBuf>, state: Option<PathBuf>) -> Option<PathBuf> {
    match home {
        Some(home) => Some(home.join("Library").join("Logs").join("xima-chat")),
        None => state.map(|state| state.join("xima-chat").join("logs")),
    }
}

/// The platform's data dir for sessions and transcripts: `~/.local/share/xima-chat` on
/// Linux, `~/Library/Application Support/xima-chat` on macOS, and on Windows
/// `%LOCALAPPDATA%\\xima-chat`, not the roaming `%APPDATA%` the settings are in: a roaming
/// profile is copied to a server at every logoff, and a customer's transcripts (and the
/// data dir's lock, which one computer holds) have no business there. `None` without a
/// home folder.
pub fn default_data_dir() -> Option<PathBuf> {
    data_dir_under(dirs::data_local_dir())
}

fn data_dir_under(platform_data: Option<PathBuf>) -> Option<PathBuf> {
    platform_data.map(|dir| dir.join("xima-chat"))
}

impl AppConfig {
    pub fn keepalive_every(&self) -> Duration {
        Duration::from_secs(self.keepalive_seconds.max(1))
    }

    pub fn credentials_refresh(&self) -> Duration {
        Duration::from_secs(self.credentials_refresh_seconds.max(1))
    }

    pub fn data_dir(&self) -> Result<PathBuf, NoHomeFolder> {
        self.data_dir.clone().or_else(default_data_dir).ok_or(NoHomeFolder::Data)
    }

    /// The `language` setting if it is a well-formed tag (letters, digits and hyphens,
    /// as BCP 47 has them); anything else is left out and the desktop's language used.
    pub fn language_tag(&self) -> Option<&str> {
        let tag = self.language.as_deref()?.trim();
        let well_formed = is_language_tag(tag);
        if !well_formed {
            tracing::warn!(language = %tag.escape_debug(), "not a language tag; the desktop's language is used");
        }
        well_formed.then_some(tag)
    }

    pub fn log_dir(&self) -> Result<PathBuf, NoHomeFolder> {
        self.log_dir.clone().or_else(default_log_dir).ok_or(NoHomeFolder::Logs)
    }

    pub fn default_skill(&self) -> Option<&str> {
        self.skills.first().map(String::as_str)
    }

    /// The skill a chat goes to: a kiosk's fixed one, else the customer's choice if it is
    /// one of ours, else the default.
    pub fn skill_for(&self, chosen: Option<&str>) -> Option<String> {
        if self.kiosk.enabled {
            return self.kiosk.fixed_skill().or(self.default_skill()).map(str::to_owned);
        }
        chosen
            .filter(|skill| self.skills.iter().any(|known| known == skill))
            .or_else(|| self.default_skill())
            .map(str::to_owned)
    }

    /// The `customChatInfo` a chat starts with: the administrator's fixed values as set,
    /// with the facts they name filled in from `facts`, and the customer's answers only
    /// to the fields left blank for them. The window's answers are data from a page;
    /// one naming a field the administrator did not ask for is refused, and one for a
    /// fixed field is not taken.
    pub fn custom_chat_info_with(
        &self,
        answers: Vec<CustomChatInfo>,
        facts: &Facts,
    ) -> Result<Vec<CustomChatInfo>, ChatError> {
        let mut info: Vec<CustomChatInfo> = self
            .fixed_fields()
            .map(|field| CustomChatInfo { name: field.name.clone(), value: facts.fill(&field.value) })
            .collect();
        for answer in answers {
            if self.fixed_fields().any(|field| field.name == answer.name) {
                // The page sends the fixed fields back; the administrator's value stands.
                continue;
            }
            if !self.asks_for(&answer.name) || info.iter().any(|field| field.name == answer.name) {
                return Err(ChatError::InvalidInput(format!("the field {:?} was not asked for", answer.name)));
            }
            info.push(answer);
        }
        Ok(info)
    }

    /// Whether the pre-chat form asks the customer for the custom field `name`: the
    /// administrator left it blank.
    pub fn asks_for(&self, name: &str) -> bool {
        self.custom_chat_info.iter().any(|field| field.name == name && field.value.trim().is_empty())
    }

    fn fixed_fields(&self) -> impl Iterator<Item = &CustomChatInfo> {
        self.custom_chat_info.iter().filter(|field| !field.value.trim().is_empty())
    }

    /// The facts of the computer that the fixed fields name, read only when one does.
    pub fn facts_named(&self) -> Vec<Fact> {
        let mut named: Vec<Fact> =
            self.fixed_fields().flat_map(|field| facts::named_in(&field.value).unwrap_or_default()).collect();
        named.sort();
        named.dedup();
        named
    }

    /// The fields that share a fact of the computer with the agent, filled in: what the
    /// form tells the customer before they start.
    pub fn shared_facts(&self, facts: &Facts) -> Vec<CustomChatInfo> {
        self.fixed_fields()
            .filter(|field| facts::named_in(&field.value).is_ok_and(|named| !named.is_empty()))
            .map(|field| CustomChatInfo { name: field.name.clone(), value: facts.fill(&field.value) })
            .collect()
    }

    /// A misspelt fact (`{hostname}`) would reach the agent as it stands: the file
    /// that names it is refused, in words that say which field and what is known.
    pub(crate) fn check_facts(&self) -> Result<(), String> {
        for field in self.fixed_fields() {
            if let Err(unknown) = facts::named_in(&field.value) {
                return Err(format!("custom-chat-info {:?}: {unknown}", field.name));
            }
        }
        Ok(())
    }

    /// What is missing before a chat can start.
    pub fn problems(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        if self.installation_id.trim().is_empty() {
            problems.push(ConfigProblem::NoInstallationId);
        }
        if self.kiosk.fixed_skill().is_none() && self.skills.iter().all(|skill| skill.trim().is_empty()) {
            problems.push(ConfigProblem::NoSkill);
        }
        match checked_base_url(&self.base_url) {
            Ok(_) => {}
            Err(CloudError::InsecureBaseUrl(url)) => problems.push(ConfigProblem::InsecureBaseUrl { url }),
            Err(_) => problems.push(ConfigProblem::BadBaseUrl { url: self.base_url.clone() }),
        }
        if let Err(NetworkError::BadProxy(reason)) = self.network_settings().proxy_url() {
            problems.push(ConfigProblem::BadProxy { reason });
        }
        problems
    }

    /// Where the API key is kept: this installation on the configured cloud. A base URL
    /// that is not https (nor http to this computer) has no key at all.
    pub fn key_home(&self) -> Result<KeyHome, KeychainError> {
        match checked_base_url(&self.base_url) {
            Ok(base) => KeyHome::new(&self.installation_id, &base),
            Err(_) if self.installation_id.trim().is_empty() => Err(KeychainError::NoInstallation),
            Err(_) => Err(KeychainError::BadBaseUrl),
        }
    }

    /// What the network takes from the settings (see [`crate::network`]).
    pub fn network_settings(&self) -> NetworkSettings {
        NetworkSettings {
            proxy: self.proxy.clone(),
            no_proxy: self.no_proxy.clone(),
            proxy_user: self.proxy_user.clone(),
        }
    }

    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        Self::file_table(path).map(|(config, _)| config)
    }

    /// The file at `path`, read once: checked as settings (a typo is reported in it, with
    /// its place) and as the table of exactly the keys it sets.
    pub(crate) fn file_table(path: &Path) -> Result<(Self, toml::Table), ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        let invalid =
            |error: toml::de::Error| ConfigError::Parse { path: path.to_owned(), message: error.message().to_owned() };
        let config: Self = toml::from_str(&text).map_err(invalid)?;
        config.check_facts().map_err(|message| ConfigError::Parse { path: path.to_owned(), message })?;
        Ok((config, toml::from_str(&text).map_err(invalid)?))
    }

    /// The keys the settings screen edits.
    pub const EDITED: [&str; 5] = ["installation-id", "skills", "base-url", "name", "email"];

    /// Saves what the settings screen edits ([`Self::EDITED`]) into the user's file at
    /// `path`, keeping everything else the file says as it was and adding nothing else:
    /// not the environment and flags laid over it at start, not a default (which would
    /// shadow the computer's file from then on), and not the keys `locked` names (the
    /// computer's values, which would outlive IT's lock in the user's file).
    /// Atomically: the new text goes to a file beside it that then replaces it, so a
    /// crash or a full disk never leaves a half-written config (which would stop the app
    /// from starting).
    pub fn save_edited(&self, path: &Path, locked: impl Fn(&str) -> bool) -> Result<(), ConfigError> {
        let write_error = |source| ConfigError::Write { path: path.to_owned(), source };
        let mut on_disk = match Self::file_table(path) {
            Ok((_, table)) => table,
            Err(ConfigError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
                toml::Table::new()
            }
            Err(error) => return Err(error),
        };
        let edited = self.as_table().map_err(|message| write_error(std::io::Error::other(message)))?;
        for key in Self::EDITED.into_iter().filter(|key| !locked(key)) {
            match edited.get(key) {
                Some(value) => on_disk.insert(key.to_owned(), value.clone()),
                None => on_disk.remove(key),
            };
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_error)?;
        }
        let text = toml::to_string_pretty(&on_disk).map_err(|error| write_error(std::io::Error::other(error)))?;
        replace_owner_only(path, text.as_bytes()).map_err(write_error)
    }

    /// The settings as TOML's table, as a file would say them.
    pub(crate) fn as_table(&self) -> Result<toml::Table, String> {
        match toml::Value::try_from(self) {
            Ok(toml::Value::Table(table)) => Ok(table),
            Ok(_) => Err("the settings are not a table".into()),
            // A path that is not UTF-8 has no TOML form.
            Err(error) => Err(error.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_settings_keeps_the_rest_of_the_file_and_nothing_from_the_environment() {
        let dir = std::env::temp_dir().join(format!("xima-config-save-{}", std::process::id()));
        let path = dir.join("config.toml");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, "installation-id = \"old\"\nkeepalive-seconds = 20\n[kiosk]\nskill = \"Lobby\"\n")
            .unwrap();
        let mut effective = AppConfig::from_file(&path).unwrap();
        // What a flag or XIMA_ variable laid over the file at start.
        effective.data_dir = Some(PathBuf::from("/from/a/flag"));
        effective.sqs_endpoint = Some("http://127.0.0.1:1".into());
        effective.keepalive_seconds = 5;
        // What the settings screen changed.
        effective.installation_id = "new".into();
        effective.skills = vec!["Support".into()];

        effective.base_url = "https://mm-v2.ximasoftware.com".into();
        effective.save_edited(&path, |key| key == "base-url").unwrap();

        let saved = AppConfig::from_file(&path).unwrap();
        assert_eq!(saved.installation_id, "new");
        assert_eq!(saved.skills, ["Support"]);
        assert_eq!(saved.base_url, DEFAULT_BASE_URL, "a locked key is the machine's, not saved for the user");
        assert_eq!(saved.keepalive_seconds, 20, "the file's own value");
        assert_eq!(saved.data_dir, None, "no flag's value");
        assert_eq!(saved.sqs_endpoint, None);
        assert_eq!(saved.kiosk.skill.as_deref(), Some("Lobby"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("keep-transcripts-days"),
            "no default is written, to shadow the computer's file:\n{text}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        assert_eq!(leftovers, ["config.toml"], "no temporary file left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    // The environment and the flags over the file: `shell/cli.rs`.

    #[test]
    fn a_file_sets_what_it_names_and_leaves_the_rest_at_the_defaults() {
        let config: AppConfig = toml::from_str(
            "installation-id = \"from-file\"\nskills = [\"Sales\"]\nkeepalive-seconds = 20\n\
             [[custom-chat-info]]\nname = \"Order\"\nvalue = \"\"\n",
        )
        .unwrap();
        assert_eq!(config.base_url, DEFAULT_BASE_URL);
        assert_eq!(config.keepalive_seconds, 20);
        assert_eq!(config.custom_chat_info[0].name, "Order");
        assert!(toml::from_str::<AppConfig>("api-key = \"x\"").is_err(), "no API key in files");
    }

    #[test]
    fn a_kiosk_is_set_up_in_the_file_and_switched_on_apart() {
        let mut config: AppConfig = toml::from_str(
            "installation-id = \"i\"\nskills = [\"Sales\", \"Support\"]\n\
             [kiosk]\nskill = \"Lobby\"\nname = \"Front desk kiosk\"\nreset-after-end-seconds = 10\n",
        )
        .unwrap();
        assert!(!config.kiosk.enabled, "the section alone does not switch it on");
        assert!(config.kiosk.fullscreen, "fullscreen unless told otherwise");
        assert_eq!(config.kiosk.idle_reset_seconds, 180);
        assert_eq!(config.skill_for(Some("Support")).as_deref(), Some("Support"));
        assert_eq!(config.skill_for(Some("Made up")).as_deref(), Some("Sales"));
        assert_eq!(config.kiosk.fixed_name(), None, "fixed answers only on a kiosk");

        // What `--kiosk` or `XIMA_KIOSK=1` does.
        config.kiosk.enabled = true;
        assert_eq!(config.skill_for(Some("Support")).as_deref(), Some("Lobby"), "a kiosk's skill is fixed");
        assert_eq!(config.kiosk.fixed_name(), Some("Front desk kiosk"));
        assert_eq!(config.kiosk.fixed_email(), None, "not fixed: asked");
        assert!(toml::from_str::<AppConfig>("[kiosk]\nreset-seconds = 5").is_err(), "typos are reported");
    }

    #[test]
    fn logs_go_to_the_platform_log_dir_unless_told_otherwise() {
        let platform = AppConfig::default().log_dir().expect("the tests run with a home folder");
        assert!(platform.ends_with("logs") || platform.ends_with("xima-chat"));
        let moved: AppConfig = toml::from_str("log-dir = \"/var/log/xima\"").unwrap();
        assert_eq!(moved.log_dir(), Ok(PathBuf::from("/var/log/xima")));
    }

    #[test]
    fn without_a_home_folder_chats_and_logs_have_no_place_rather_than_the_shared_temp_folder() {
        assert_eq!(data_dir_under(None), None);
        assert_eq!(log_dir_under(None, None), None);
        assert!(NoHomeFolder::Data.to_string().contains("set data-dir"), "says what to set");
        assert!(NoHomeFolder::Logs.to_string().contains("set log-dir"));
        let moved: AppConfig = toml::from_str("data-dir = \"/srv/xima-chat\"").unwrap();
        assert_eq!(moved.data_dir(), Ok(PathBuf::from("/srv/xima-chat")), "a set dir needs no home");
    }

    #[test]
    fn a_language_setting_is_used_only_when_it_is_a_language_tag() {
        let with = |language: &str| AppConfig { language: Some(language.into()), ..AppConfig::default() };
        for tag in ["es", "pt-BR", "qps", "zh-Hant-TW", " de "] {
            assert_eq!(with(tag).language_tag(), Some(tag.trim()), "{tag}");
        }
        for not_a_tag in ["", "es;alert(1)", "pt_BR", "-es", "es-", "</script>", "abcdefghi"] {
            assert_eq!(with(not_a_tag).language_tag(), None, "{not_a_tag}");
        }
        assert_eq!(AppConfig::default().language_tag(), None, "the desktop's language");
    }

    #[test]
    fn problems_go_to_the_window_as_codes_and_to_the_log_in_english() {
        let problem = ConfigProblem::InsecureBaseUrl { url: "http://example.com".into() };
        assert_eq!(
            serde_json::to_value(&problem).unwrap(),
            serde_json::json!({"code": "insecureBaseUrl", "url": "http://example.com"})
        );
        assert!(problem.to_string().starts_with("The base URL \"http://example.com\" must start with https://"));
    }

    #[test]
    fn problems_name_what_is_missing() {
        let config = AppConfig::default();
        assert_eq!(config.problems().len(), 2);
        let ready = AppConfig { installation_id: "i".into(), skills: vec!["Support".into()], ..AppConfig::default() };
        assert!(ready.problems().is_empty());
    }

    #[test]
    fn custom_chat_info_takes_the_fixed_values_and_answers_only_to_what_was_asked() {
        let config: AppConfig = toml::from_str(
            "[[custom-chat-info]]\nname = \"Store\"\nvalue = \"Lobby 3\"\n\
             [[custom-chat-info]]\nname = \"Order\"\nvalue = \"\"\n",
        )
        .unwrap();
        let field = |name: &str, value: &str| CustomChatInfo { name: name.into(), value: value.into() };
        let none = Facts::default();
        let info =
            config.custom_chat_info_with(vec![field("Store", "Lobby 3"), field("Order", "24601")], &none).unwrap();
        assert_eq!(info, [field("Store", "Lobby 3"), field("Order", "24601")]);
        let info =
            config.custom_chat_info_with(vec![field("Store", "Free refunds"), field("Order", "1")], &none).unwrap();
        assert_eq!(info[0], field("Store", "Lobby 3"), "a fixed value is the administrator's");
        assert!(config.custom_chat_info_with(vec![field("Priority", "VIP")], &none).is_err(), "not asked for");
        assert!(
            config.custom_chat_info_with(vec![field("Order", "1"), field("Order", "2")], &none).is_err(),
            "answered twice"
        );
        assert!(config.asks_for("Order") && !config.asks_for("Store") && !config.asks_for("Priority"));
    }

    #[test]
    fn the_facts_a_field_names_are_filled_in_shown_and_sent() {
        let config: AppConfig = toml::from_str(
            "[[custom-chat-info]]\nname = \"Computer\"\nvalue = \"{computer-name}\"\n\
             [[custom-chat-info]]\nname = \"System\"\nvalue = \"{os} ({app-version})\"\n\
             [[custom-chat-info]]\nname = \"Store\"\nvalue = \"Lobby {3}\"\n\
             [[custom-chat-info]]\nname = \"Ticket\"\nvalue = \"\"\n",
        )
        .unwrap();
        assert_eq!(config.facts_named(), [Fact::ComputerName, Fact::Os, Fact::AppVersion]);
        let facts = Facts::of([
            (Fact::ComputerName, "LAB-PC-12".to_owned()),
            (Fact::Os, "Debian GNU/Linux 12".to_owned()),
            (Fact::AppVersion, "0.1.0".to_owned()),
        ]);
        let field = |name: &str, value: &str| CustomChatInfo { name: name.into(), value: value.into() };
        assert_eq!(
            config.shared_facts(&facts),
            [field("Computer", "LAB-PC-12"), field("System", "Debian GNU/Linux 12 (0.1.0)")],
            "what the form shows: the fields with facts, not the administrator's plain text"
        );
        let sent = config.custom_chat_info_with(vec![field("Ticket", "INC-4211")], &facts).unwrap();
        assert_eq!(
            sent,
            [
                field("Computer", "LAB-PC-12"),
                field("System", "Debian GNU/Linux 12 (0.1.0)"),
                field("Store", "Lobby {3}"),
                field("Ticket", "INC-4211"),
            ]
        );
        let smuggled = config.custom_chat_info_with(vec![field("Computer", "{user-name}")], &facts).unwrap();
        assert_eq!(smuggled[0], field("Computer", "LAB-PC-12"), "a page cannot change what is shared");
    }

    #[test]
    fn a_settings_file_naming_a_fact_the_app_does_not_read_is_refused() {
        let dir = std::env::temp_dir().join(format!("xima-config-facts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(&path, "[[custom-chat-info]]\nname = \"Address\"\nvalue = \"{ip-address}\"\n").unwrap();
        let error = AppConfig::from_file(&path).unwrap_err().to_string();
        assert!(
            error.contains(
                "custom-chat-info \"Address\": {ip-address} is not a fact the app reads; it reads {computer-name}"
            ),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_api_key_goes_over_https_only_and_plain_http_only_to_this_computer() {
        let with_base = |base_url: &str| AppConfig {
            installation_id: "i".into(),
            skills: vec!["Support".into()],
            base_url: base_url.into(),
            ..AppConfig::default()
        };
        assert!(with_base("https://mm-v2.ximasoftware.com").problems().is_empty());
        assert!(with_base("http://127.0.0.1:8123").problems().is_empty(), "the simulator in tests");
        assert!(with_base("http://localhost:8123/xima").problems().is_empty());
        assert!(with_base("http://[::1]:8123").problems().is_empty());
        let problems = with_base("http://example.com").problems();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].to_string().contains("must start with https://"), "{problems:?}");
        assert!(!with_base("http://127.0.0.1.example.com").problems().is_empty());
        assert!(!with_base("https://user:pw@mm-v1.ximasoftware.com").problems().is_empty());
        assert!(!with_base("file:///etc").problems().is_empty());
    }

    #[test]
    fn an_api_key_is_kept_only_for_an_https_cloud_or_this_computer() {
        let on = |base_url: &str| AppConfig {
            installation_id: "lobby-1".into(),
            base_url: base_url.into(),
            ..AppConfig::default()
        };
        assert!(on("https://mm-v1.ximasoftware.com").key_home().is_ok());
        assert!(on("http://127.0.0.1:8080").key_home().is_ok(), "the simulator");
        assert!(matches!(on("http://x.example").key_home(), Err(KeychainError::BadBaseUrl)));
        let unset = AppConfig { installation_id: " ".into(), ..on("http://x.example") };
        assert!(matches!(unset.key_home(), Err(KeychainError::NoInstallation)), "the first thing to set");
    }

    /// Windows' own folders, as Windows (or Wine: tests/windows/run.sh) names them: the
    /// settings roam with the user, the chats and the logs stay on this computer.
    #[cfg(windows)]
    #[test]
    fn on_windows_settings_roam_and_chats_and_logs_stay_on_this_computer() {
        let folder = |variable: &str| PathBuf::from(std::env::var(variable).expect("Windows sets it"));
        let (roaming, local) = (folder("APPDATA"), folder("LOCALAPPDATA"));
        assert_eq!(default_config_path(), Some(roaming.join("xima-chat").join("config.toml")));
        assert_eq!(default_data_dir(), Some(local.join("xima-chat")));
        assert_eq!(default_log_dir(), Some(local.join("xima-chat").join("logs")));
    }
}

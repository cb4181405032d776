//! The app's settings: defaults, then a TOML file. The shell's command line lays
//! `XIMA_*` environment variables and then flags over them (`shell/cli.rs`), each
//! overriding the one before. The API key is never here: it lives in the OS keychain
//! (see [`crate::keychain`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::cloud::DEFAULT_BASE_URL;
use crate::protocol::CustomChatInfo;

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
    pub custom_chat_info: Vec<CustomChatInfo>,
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
            sqs_endpoint: None,
            keepalive_seconds: 30,
            credentials_refresh_seconds: 300,
            data_dir: None,
            log_dir: None,
            wire_log: None,
            start_at_login: false,
            kiosk: KioskConfig::default(),
        }
    }
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
/// `~/Library/Logs/xima-chat` on macOS, `%LOCALAPPDATA%\\xima-chat\\logs` on Windows.
pub fn default_log_dir() -> PathBuf {
    if cfg!(target_os = "macos") {
        if let Some(home) = dirs::home_dir() {
            return home.join("Library").join("Logs").join("xima-chat");
        }
    }
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .unwrap_or_else(std::env::temp_dir)
        .join("xima-chat")
        .join("logs")
}

/// The platform's data dir for sessions and transcripts.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("xima-chat")
}

impl AppConfig {
    pub fn keepalive_every(&self) -> Duration {
        Duration::from_secs(self.keepalive_seconds.max(1))
    }

    pub fn credentials_refresh(&self) -> Duration {
        Duration::from_secs(self.credentials_refresh_seconds.max(1))
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data_dir.clone().unwrap_or_else(default_data_dir)
    }

    pub fn log_dir(&self) -> PathBuf {
        self.log_dir.clone().unwrap_or_else(default_log_dir)
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

    /// What is missing before a chat can start, in words for the settings screen.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.installation_id.trim().is_empty() {
            problems.push("The installation id is not set.".to_owned());
        }
        if self.kiosk.fixed_skill().is_none() && self.skills.iter().all(|skill| skill.trim().is_empty()) {
            problems.push("No skill is set.".to_owned());
        }
        if url::Url::parse(&self.base_url).map_or(true, |url| !matches!(url.scheme(), "http" | "https")) {
            problems.push(format!("The base URL {:?} is not an http(s) URL.", self.base_url));
        }
        problems
    }

    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|error| ConfigError::Parse {
            path: path.to_owned(),
            message: error.message().to_owned(),
        })
    }

    /// Writes the file, creating its folder; used by the settings screen.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let write_error = |source| ConfigError::Write {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(write_error)?;
        }
        let text = toml::to_string_pretty(self).map_err(|error| ConfigError::Write {
            path: path.to_owned(),
            source: std::io::Error::other(error),
        })?;
        std::fs::write(path, text).map_err(write_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let config = AppConfig::default();
        assert!(config.log_dir().ends_with("logs") || config.log_dir().ends_with("xima-chat"));
        let moved: AppConfig = toml::from_str("log-dir = \"/var/log/xima\"").unwrap();
        assert_eq!(moved.log_dir(), PathBuf::from("/var/log/xima"));
    }

    #[test]
    fn problems_name_what_is_missing() {
        let config = AppConfig::default();
        assert_eq!(config.problems().len(), 2);
        let ready = AppConfig {
            installation_id: "i".into(),
            skills: vec!["Support".into()],
            ..AppConfig::default()
        };
        assert!(ready.problems().is_empty());
    }
}

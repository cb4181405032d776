//! The one error type of the shell; at the IPC boundary it becomes `{code, message}`.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use xima_chat_core::capture::CaptureError;
use xima_chat_core::ConfigError;
use xima_chat_core::KeychainError;
use xima_chat_core::{ChatError, CloudError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Chat(#[from] ChatError),
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("this app is not set up yet: {0}")]
    NotConfigured(String),
    #[error("no API key is saved for this installation; an administrator can add one with `xima-chat api-key set`")]
    NoApiKey,
    #[error("settings cannot change while a chat is going on")]
    ChatInProgress,
    #[error("there is no config file to save settings to on this computer")]
    NoConfigFile,
    #[error("{0}")]
    BrokenConfigFile(String),
    #[error("only http and https links can be opened")]
    UnsafeLink,
    #[error("the web page could not be opened in the browser: {0}")]
    OpenInBrowser(String),
    #[error("the transcript could not be saved: {0}")]
    SaveTranscript(String),
    #[error("this is not available on a kiosk")]
    KioskLocked,
    #[error("this setting is locked by the computer's own settings file, which IT deploys")]
    SettingLocked,
    #[error("a background task failed: {0}")]
    Task(String),
}

impl From<CloudError> for Error {
    fn from(error: CloudError) -> Self {
        Error::Chat(error.into())
    }
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Chat(error) => error.code(),
            Error::Keychain(_) => "keychain",
            Error::Capture(_) => "capture",
            Error::Config(_) => "config",
            Error::NotConfigured(_) => "not_configured",
            Error::NoApiKey => "no_api_key",
            Error::ChatInProgress => "chat_in_progress",
            Error::NoConfigFile => "no_config_file",
            Error::BrokenConfigFile(_) => "config",
            Error::UnsafeLink => "unsafe_link",
            Error::OpenInBrowser(_) => "browser_failed",
            Error::SaveTranscript(_) => "save_failed",
            Error::KioskLocked => "kiosk_locked",
            Error::SettingLocked => "setting_locked",
            Error::Task(_) => "internal",
        }
    }
}

impl Serialize for Error {
    /// The one place a command's failure leaves for the window: logged here, because
    /// the window shows the customer its code's words, not this English message.
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        tracing::info!(code = self.code(), error = %self, "a command failed");
        let mut payload = serializer.serialize_struct("Error", 2)?;
        payload.serialize_field("code", self.code())?;
        payload.serialize_field("message", &self.to_string())?;
        payload.end()
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_the_ipc_boundary_as_code_and_message() {
        let json = serde_json::to_value(Error::NoApiKey).unwrap();
        assert_eq!(json["code"], "no_api_key");
        assert!(json["message"].as_str().unwrap().contains("api-key set"));
        let json = serde_json::to_value(Error::Chat(ChatError::NoActiveChat)).unwrap();
        assert_eq!(json, serde_json::json!({"code": "no_active_chat", "message": "there is no chat in progress"}));
    }

    #[test]
    fn a_failed_save_and_a_browser_that_would_not_open_are_told_apart() {
        let save = Error::SaveTranscript("permission denied".into());
        let browser = Error::OpenInBrowser("no browser".into());
        assert_eq!((save.code(), browser.code()), ("save_failed", "browser_failed"));
        assert_eq!(save.to_string(), "the transcript could not be saved: permission denied");
        assert_eq!(browser.to_string(), "the web page could not be opened in the browser: no browser");
    }
}

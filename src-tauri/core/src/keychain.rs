//! The API key in the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), one entry per installation id. It is read only when a
//! chat starts and never leaves as anything but a [`Secret`].

use crate::secret::Secret;

const SERVICE: &str = "xima-chat-desktop";

#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error("no keychain is available on this computer ({0}); on Linux, a Secret Service such as GNOME Keyring must be running")]
    Unavailable(String),
    #[error("the keychain is locked or refused access ({0})")]
    Locked(String),
    #[error("the keychain failed: {0}")]
    Other(String),
}

impl From<keyring::Error> for KeychainError {
    fn from(error: keyring::Error) -> Self {
        match error {
            keyring::Error::PlatformFailure(inner) => KeychainError::Unavailable(inner.to_string()),
            keyring::Error::NoStorageAccess(inner) => KeychainError::Locked(inner.to_string()),
            other => KeychainError::Other(other.to_string()),
        }
    }
}

/// The keychain entries of this app.
#[derive(Debug, Clone, Default)]
pub struct ApiKeyStore;

impl ApiKeyStore {
    fn entry(installation_id: &str) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(SERVICE, installation_id).map_err(Into::into)
    }

    pub fn get(&self, installation_id: &str) -> Result<Option<Secret>, KeychainError> {
        match Self::entry(installation_id)?.get_password() {
            Ok(key) => Ok(Some(Secret::new(key))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    pub fn set(&self, installation_id: &str, key: &Secret) -> Result<(), KeychainError> {
        Self::entry(installation_id)?
            .set_password(key.expose().trim())
            .map_err(Into::into)
    }

    /// Removes the key; removing a key that is not there is fine.
    pub fn clear(&self, installation_id: &str) -> Result<(), KeychainError> {
        match Self::entry(installation_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }
}

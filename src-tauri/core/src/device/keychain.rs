//! The API key in the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), one entry per installation id *and* cloud origin: a
//! key stored for `https://mm-v1.ximasoftware.com` is not found once the base URL points
//! anywhere else, so changing the setting cannot send a stored key to a new place. It is
//! read only when a chat starts and never leaves as anything but a [`Secret`].
//!
//! Beside the keys, under the same service name, the proxy passwords
//! ([`crate::network::OsKeychain`] keeps them through [`read`], [`write`] and [`delete`]).

use url::Url;

use crate::device::secret::Secret;

const SERVICE: &str = "xima-chat-desktop";

#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error("no keychain is available on this computer ({0}); on Linux, a Secret Service such as GNOME Keyring must be running")]
    Unavailable(String),
    #[error("the keychain is locked or refused access ({0})")]
    Locked(String),
    #[error("the keychain failed: {0}")]
    Other(String),
    #[error("the installation id is not set")]
    NoInstallation,
    #[error("the base URL is not an https URL")]
    BadBaseUrl,
}

/// Whose key an entry holds: an installation on one cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHome {
    installation_id: String,
    /// `https://host[:port]`, the only place the key is sent.
    origin: String,
}

impl KeyHome {
    /// The key of `installation_id` on the cloud at `base`, an address the settings
    /// have checked (https, or http to this computer: see `AppConfig::key_home`).
    pub fn new(installation_id: &str, base: &Url) -> Result<Self, KeychainError> {
        let installation_id = installation_id.trim();
        if installation_id.is_empty() {
            return Err(KeychainError::NoInstallation);
        }
        Ok(Self { installation_id: installation_id.to_owned(), origin: base.origin().ascii_serialization() })
    }

    pub fn installation_id(&self) -> &str {
        &self.installation_id
    }

    /// The entry's account name: what the keychain's own manager shows, too.
    fn account(&self) -> String {
        format!("{} at {}", self.installation_id, self.origin)
    }
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

fn entry(account: &str) -> Result<keyring::Entry, KeychainError> {
    keyring::Entry::new(SERVICE, account).map_err(Into::into)
}

/// The secret of this app's entry `account`, if there is one.
pub(crate) fn read(account: &str) -> Result<Option<Secret>, KeychainError> {
    match entry(account)?.get_password() {
        Ok(key) => Ok(Some(Secret::new(key))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

pub(crate) fn write(account: &str, secret: &str) -> Result<(), KeychainError> {
    entry(account)?.set_password(secret).map_err(Into::into)
}

/// Removes the entry; removing one that is not there is fine.
pub(crate) fn delete(account: &str) -> Result<(), KeychainError> {
    match entry(account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(error.into()),
    }
}

impl ApiKeyStore {
    pub fn get(&self, home: &KeyHome) -> Result<Option<Secret>, KeychainError> {
        if let Some(key) = read(&home.account())? {
            return Ok(Some(key));
        }
        self.adopt_unbound(home)
    }

    /// Version 0.1 keyed the entry by installation id alone. Such a key is bound to the
    /// cloud configured when it is first read again (the one it was stored for, unless
    /// the settings changed in between) and the unbound entry removed.
    fn adopt_unbound(&self, home: &KeyHome) -> Result<Option<Secret>, KeychainError> {
        let Some(key) = read(&home.installation_id)? else { return Ok(None) };
        self.set(home, &key)?;
        delete(&home.installation_id)?;
        tracing::info!(origin = %home.origin, "the stored API key is now bound to its cloud");
        Ok(Some(key))
    }

    pub fn set(&self, home: &KeyHome, key: &Secret) -> Result<(), KeychainError> {
        write(&home.account(), key.expose().trim())
    }

    /// Removes the key; removing a key that is not there is fine.
    pub fn clear(&self, home: &KeyHome) -> Result<(), KeychainError> {
        delete(&home.account())?;
        delete(&home.installation_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_belongs_to_an_installation_on_one_cloud() {
        let on = |installation: &str, base: &str| KeyHome::new(installation, &Url::parse(base).unwrap());
        let home = on(" lobby-1 ", "https://mm-v1.ximasoftware.com/some/prefix/").unwrap();
        assert_eq!(home.account(), "lobby-1 at https://mm-v1.ximasoftware.com");
        let other = on("lobby-1", "https://mm-v1.ximasoftware.com.evil.example").unwrap();
        assert_ne!(home.account(), other.account());
        assert_eq!(
            on("lobby-1", "https://mm-v1.ximasoftware.com:8443").unwrap().account(),
            "lobby-1 at https://mm-v1.ximasoftware.com:8443"
        );
        assert!(matches!(on(" ", "https://x.example"), Err(KeychainError::NoInstallation)));
    }
}

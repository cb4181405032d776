//! The API key in the OS keychain (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), one entry per installation id *and* cloud origin: a
//! key stored for `https://mm-v1.ximasoftware.com` is not found once the base URL points
//! anywhere else, so changing the setting cannot send a stored key to a new place. It is
//! read only when a chat starts and never leaves as anything but a [`Secret`].
//!
//! Beside the keys, the password of a proxy that asks for one ([`ProxyAccount`]): one
//! entry per user *and* proxy, read by [`crate::network`] when a request goes through it.

use crate::cloud::checked_base_url;
use crate::config::AppConfig;
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
    pub fn new(installation_id: &str, base_url: &str) -> Result<Self, KeychainError> {
        let installation_id = installation_id.trim();
        if installation_id.is_empty() {
            return Err(KeychainError::NoInstallation);
        }
        let base = checked_base_url(base_url).map_err(|_| KeychainError::BadBaseUrl)?;
        Ok(Self {
            installation_id: installation_id.to_owned(),
            origin: base.origin().ascii_serialization(),
        })
    }

    pub fn of(config: &AppConfig) -> Result<Self, KeychainError> {
        Self::new(&config.installation_id, &config.base_url)
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

impl ApiKeyStore {
    fn entry(account: &str) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(SERVICE, account).map_err(Into::into)
    }

    fn read(account: &str) -> Result<Option<Secret>, KeychainError> {
        match Self::entry(account)?.get_password() {
            Ok(key) => Ok(Some(Secret::new(key))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    fn delete(account: &str) -> Result<(), KeychainError> {
        match Self::entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    pub fn get(&self, home: &KeyHome) -> Result<Option<Secret>, KeychainError> {
        if let Some(key) = Self::read(&home.account())? {
            return Ok(Some(key));
        }
        self.adopt_unbound(home)
    }

    /// Version 0.1 keyed the entry by installation id alone. Such a key is bound to the
    /// cloud configured when it is first read again (the one it was stored for, unless
    /// the settings changed in between) and the unbound entry removed.
    fn adopt_unbound(&self, home: &KeyHome) -> Result<Option<Secret>, KeychainError> {
        let Some(key) = Self::read(&home.installation_id)? else { return Ok(None) };
        self.set(home, &key)?;
        Self::delete(&home.installation_id)?;
        tracing::info!(origin = %home.origin, "the stored API key is now bound to its cloud");
        Ok(Some(key))
    }

    pub fn set(&self, home: &KeyHome, key: &Secret) -> Result<(), KeychainError> {
        Self::entry(&home.account())?
            .set_password(key.expose().trim())
            .map_err(Into::into)
    }

    /// Removes the key; removing a key that is not there is fine.
    pub fn clear(&self, home: &KeyHome) -> Result<(), KeychainError> {
        Self::delete(&home.account())?;
        Self::delete(&home.installation_id)
    }
}

/// Whose proxy password an entry holds: a user on one proxy, so that a password is
/// never sent to a proxy other than the one it was stored for (a PAC file may name
/// another one tomorrow).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProxyAccount {
    user: String,
    /// `http://host:port` of the proxy.
    proxy: String,
}

impl ProxyAccount {
    pub fn new(user: &str, proxy: &url::Url) -> Self {
        Self {
            user: user.trim().to_owned(),
            proxy: proxy.origin().ascii_serialization(),
        }
    }
}

impl std::fmt::Display for ProxyAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}", self.user, self.proxy)
    }
}

/// Where the network finds a proxy's password: the OS keychain, or a test's own.
pub trait SecretStore: Send + Sync {
    fn proxy_password(&self, account: &ProxyAccount) -> Result<Option<Secret>, KeychainError>;
}

/// The proxy passwords in the OS keychain, beside the API keys (their accounts start
/// with "proxy ", which no installation id does).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeychain;

impl OsKeychain {
    fn account(account: &ProxyAccount) -> String {
        format!("proxy {account}")
    }

    pub fn set_proxy_password(&self, account: &ProxyAccount, password: &Secret) -> Result<(), KeychainError> {
        ApiKeyStore::entry(&Self::account(account))?
            .set_password(password.expose())
            .map_err(Into::into)
    }

    pub fn clear_proxy_password(&self, account: &ProxyAccount) -> Result<(), KeychainError> {
        ApiKeyStore::delete(&Self::account(account))
    }
}

impl SecretStore for OsKeychain {
    fn proxy_password(&self, account: &ProxyAccount) -> Result<Option<Secret>, KeychainError> {
        ApiKeyStore::read(&Self::account(account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_belongs_to_an_installation_on_one_cloud() {
        let home = KeyHome::new(" lobby-1 ", "https://mm-v1.ximasoftware.com/some/prefix/").unwrap();
        assert_eq!(home.account(), "lobby-1 at https://mm-v1.ximasoftware.com");
        let other = KeyHome::new("lobby-1", "https://mm-v1.ximasoftware.com.evil.example").unwrap();
        assert_ne!(home.account(), other.account());
        assert_eq!(KeyHome::new("lobby-1", "https://mm-v1.ximasoftware.com:8443").unwrap().account(), "lobby-1 at https://mm-v1.ximasoftware.com:8443");
        assert!(matches!(KeyHome::new(" ", "https://x.example"), Err(KeychainError::NoInstallation)));
        assert!(matches!(KeyHome::new("i", "http://x.example"), Err(KeychainError::BadBaseUrl)));
    }
}

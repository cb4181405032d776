//! The password of a proxy that asks for one: one keychain entry per user *and* proxy,
//! read when a request goes through that proxy.

use crate::device::keychain::{self, KeychainError};
use crate::device::secret::Secret;

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
        Self { user: user.trim().to_owned(), proxy: proxy.origin().ascii_serialization() }
    }
}

impl std::fmt::Display for ProxyAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at {}", self.user, self.proxy)
    }
}

/// Where the network finds a proxy's password: the OS keychain, or a test's own.
pub trait ProxyPasswords: Send + Sync {
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
        keychain::write(&Self::account(account), password.expose())
    }

    pub fn clear_proxy_password(&self, account: &ProxyAccount) -> Result<(), KeychainError> {
        keychain::delete(&Self::account(account))
    }
}

impl ProxyPasswords for OsKeychain {
    fn proxy_password(&self, account: &ProxyAccount) -> Result<Option<Secret>, KeychainError> {
        keychain::read(&Self::account(account))
    }
}

//! How this computer reaches the outside: one value, [`Network`], that both HTTP clients
//! (the cloud's and SQS's) are built from, so they cannot drift apart.
//!
//! - TLS: the operating system's verifier and trust store ([`tls`]); never a bundled
//!   root list alone, never "skip verification".
//! - The route of each request: the app's settings, then the `*_PROXY` variables, then
//!   the desktop's own settings and PAC file ([`route`], [`desktop`]).
//! - A proxy that asks for a password: Basic credentials from the proxy's URL, or the
//!   `proxy-user` setting with a password from the keychain ([`crate::device::keychain`]).
//! - Failures keep their cause ([`failure`]): an untrusted certificate, a proxy that
//!   refuses or asks for a password, one that cannot be reached, a name that does not
//!   resolve. `doctor` and the customer's words are chosen from it.

mod der;
mod desktop;
mod failure;
mod probe;
mod proxy_passwords;
mod route;
mod sqs_http;
mod tls;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use url::Url;

pub(crate) use failure::Chain;
pub use failure::NetworkFailure;
pub use probe::{probe_proxy, ProxyAnswer};
pub(crate) use route::is_loopback;
pub use route::{parse_proxy, Exceptions, Route, RouteSource, Via};
pub use tls::UntrustedCertificate;

use crate::device::secret::Secret;
use desktop::Desktop;
pub use proxy_passwords::{OsKeychain, ProxyAccount, ProxyPasswords};
use route::Named;
use tls::TlsPolicy;

/// What a proxy answered to a tunnel without credentials, and with the app's.
#[derive(Debug)]
pub struct ProxyAsked {
    pub without: std::io::Result<ProxyAnswer>,
    /// `None` when no credentials are set, or none were asked for.
    pub with_ours: Option<std::io::Result<ProxyAnswer>>,
}

/// What IT can set in the app itself; everything else is read from the computer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkSettings {
    /// `http://proxy.corp:3128`: every request goes through it unless `no_proxy` says not.
    pub proxy: Option<String>,
    pub no_proxy: Vec<String>,
    /// The user name for a proxy that asks for a password; the password is in the
    /// keychain (`xima-chat proxy-password set`).
    pub proxy_user: Option<String>,
}

impl NetworkSettings {
    /// The `proxy` setting as a URL, if it is set and usable.
    pub fn proxy_url(&self) -> Result<Option<Url>, NetworkError> {
        let Some(proxy) = self.proxy.as_deref().map(str::trim).filter(|proxy| !proxy.is_empty()) else {
            return Ok(None);
        };
        let proxy = parse_proxy(proxy).map_err(NetworkError::BadProxy)?;
        if proxy.password().is_some() {
            return Err(NetworkError::BadProxy(
                "a password does not belong in the settings: store it with `xima-chat proxy-password set`".into(),
            ));
        }
        Ok(Some(proxy))
    }
}

/// Why the network could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("the proxy setting is not usable: {0}")]
    BadProxy(String),
    #[error("TLS could not be set up: {0}")]
    Tls(#[from] rustls::Error),
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
}

/// A desktop's answer is asked again after this long: a laptop that wakes on another
/// network gets another PAC file's answer.
const DESKTOP_ROUTE_TTL: Duration = Duration::from_secs(60);

/// Reads an environment variable: the process's, or a test's own.
type Environment = dyn Fn(&str) -> Option<String> + Send + Sync;

/// How this computer reaches the cloud and SQS. Cloning is shallow.
#[derive(Clone)]
pub struct Network {
    inner: Arc<Inner>,
}

struct Inner {
    tls: TlsPolicy,
    setting: Option<Named>,
    proxy_user: Option<String>,
    environment: Box<Environment>,
    desktop: Desktop,
    /// Desktop answers by origin, with when they were asked.
    routes: Mutex<HashMap<String, (Route, Instant)>>,
    /// Passwords read from the keychain, by proxy account; `None` when there is none.
    passwords: Mutex<HashMap<ProxyAccount, Option<Secret>>>,
    keychain: Box<dyn ProxyPasswords>,
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network")
            .field("setting", &self.inner.setting.as_ref().map(|named| route::shown(&named.proxy)))
            .field("desktop", &self.inner.desktop)
            .finish_non_exhaustive()
    }
}

impl Network {
    /// The network as the settings, this process's environment, the desktop and the
    /// OS keychain describe it.
    pub fn new(settings: &NetworkSettings) -> Result<Self, NetworkError> {
        Self::with_parts(settings, |name| std::env::var(name).ok(), Box::new(OsKeychain))
    }

    /// The computer's own network, with no settings of the app's.
    pub fn of_this_computer() -> Result<Self, NetworkError> {
        Self::new(&NetworkSettings::default())
    }

    fn with_parts(
        settings: &NetworkSettings,
        environment: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        keychain: Box<dyn ProxyPasswords>,
    ) -> Result<Self, NetworkError> {
        let setting = settings.proxy_url()?.map(|proxy| Named {
            proxy,
            exceptions: Exceptions::parse(settings.no_proxy.iter().map(String::as_str)),
            source: RouteSource::Setting,
        });
        Ok(Self {
            inner: Arc::new(Inner {
                tls: TlsPolicy::of_this_computer()?,
                setting,
                proxy_user: settings
                    .proxy_user
                    .as_deref()
                    .map(str::trim)
                    .filter(|user| !user.is_empty())
                    .map(str::to_owned),
                environment: Box::new(environment),
                desktop: Desktop::new(),
                routes: Mutex::default(),
                passwords: Mutex::default(),
                keychain,
            }),
        })
    }

    /// The way a request to `url` goes, and where that was decided. May ask the
    /// desktop, which can block on a PAC file: call [`Network::prepare`] first from
    /// async code.
    pub fn route(&self, url: &Url) -> Route {
        if route::is_loopback(url) {
            return Route { via: Via::Direct, source: RouteSource::Loopback };
        }
        if let Some(named) = &self.inner.setting {
            return named.route(url);
        }
        if let Some(named) = route::from_environment(url, &self.inner.environment) {
            return named.route(url);
        }
        let origin = url.origin().ascii_serialization();
        if let Some((route, asked)) = self.inner.routes.lock().unwrap_or_else(PoisonError::into_inner).get(&origin) {
            if asked.elapsed() < DESKTOP_ROUTE_TTL {
                return route.clone();
            }
        }
        let route = match self.inner.desktop.ask(url) {
            Some(answer) => Route { via: answer.via, source: RouteSource::Desktop(answer.how) },
            None => Route { via: Via::Direct, source: RouteSource::Nowhere },
        };
        tracing::info!(origin, %route, "network route");
        self.inner
            .routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(origin, (route.clone(), Instant::now()));
        route
    }

    /// Decides the route to `url` off the async threads (a desktop's PAC file may have
    /// to be fetched), so that the requests that follow find it decided.
    pub async fn prepare(&self, url: &Url) -> Route {
        let network = self.clone();
        let url = url.clone();
        let fallback = Route { via: Via::Direct, source: RouteSource::Nowhere };
        tokio::task::spawn_blocking(move || network.route(&url)).await.unwrap_or(fallback)
    }

    /// Forgets the desktop's answers: after a failure the next request asks again, in
    /// case the computer is now on another network.
    pub fn forget_routes(&self) {
        self.inner.routes.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// The proxy for `url` with the credentials it is sent with, if any: those of its
    /// own URL, else the `proxy-user` setting and the keychain's password for it.
    fn proxy_with_credentials(&self, url: &Url) -> Option<Url> {
        let Via::Proxy(mut proxy) = self.route(url).via else { return None };
        if !proxy.username().is_empty() {
            return Some(proxy);
        }
        let Some(user) = self.inner.proxy_user.as_deref() else { return Some(proxy) };
        let account = ProxyAccount::new(user, &proxy);
        let password = self
            .inner
            .passwords
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(account.clone())
            .or_insert_with(|| {
                self.inner.keychain.proxy_password(&account).unwrap_or_else(|error| {
                    tracing::warn!(%error, "the proxy password could not be read from the keychain");
                    None
                })
            })
            .clone();
        let _ = proxy.set_username(user);
        if let Some(password) = password {
            let _ = proxy.set_password(Some(password.expose()));
        }
        Some(proxy)
    }

    /// Whether a request to `url` would carry proxy credentials.
    pub fn sends_proxy_credentials(&self, url: &Url) -> bool {
        self.proxy_with_credentials(url).is_some_and(|proxy| proxy.password().is_some())
    }

    /// A reqwest builder with this network's TLS and routes; the caller adds the rest.
    pub(crate) fn http_client_builder(&self) -> reqwest::ClientBuilder {
        let network = self.clone();
        reqwest::Client::builder()
            .use_preconfigured_tls(self.inner.tls.client_config())
            // The `*_PROXY` variables are read by `route`, in their place in the order.
            .no_proxy()
            .proxy(reqwest::Proxy::custom(move |url| network.proxy_with_credentials(url)))
    }

    /// The HTTP client the SQS SDK sends through: the same TLS and routes as the cloud's.
    pub(crate) fn sqs_http_client(
        &self,
    ) -> Result<aws_smithy_runtime_api::client::http::SharedHttpClient, reqwest::Error> {
        // No overall timeout: a long poll waits 20 s by design, and the SDK's attempt
        // timeout bounds it.
        sqs_http::client(self.http_client_builder().connect_timeout(Duration::from_secs(5)))
    }

    /// Whether `url`'s server can be reached at all (any HTTP answer will do), and why
    /// not: `doctor` asks this of SQS, whose answers need signed requests.
    pub async fn reach(&self, url: &Url) -> Result<(), NetworkFailure> {
        self.prepare(url).await;
        let client = self
            .http_client_builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|error| NetworkFailure::of(&error, false))?;
        match client.get(url.clone()).send().await {
            Ok(_) => Ok(()),
            Err(error) => Err(NetworkFailure::of(&error, self.sends_proxy_credentials(url))),
        }
    }

    /// What the proxy on the way to `url` asks for (`None` when the way is direct):
    /// first without credentials, to learn its schemes; then with the ones this app
    /// would send, if any, to learn whether it takes them.
    pub async fn ask_proxy(&self, url: &Url) -> Option<ProxyAsked> {
        let Via::Proxy(proxy) = self.prepare(url).await.via else { return None };
        let target = format!("{}:{}", url.host_str().unwrap_or_default(), url.port_or_known_default().unwrap_or(443));
        let mut bare = proxy.clone();
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        let without = probe_proxy(&bare, &target).await;
        let credentials = self.proxy_with_credentials(url).filter(|proxy| !proxy.username().is_empty());
        let with_ours = match (&without, credentials) {
            (Ok(answer), Some(credentials)) if answer.status == 407 => Some(probe_proxy(&credentials, &target).await),
            _ => None,
        };
        Some(ProxyAsked { without, with_ours })
    }

    /// The issuer of the certificate `host` presented last, for `doctor`.
    pub fn issuer_seen(&self, host: &str) -> Option<String> {
        self.inner.tls.issuer_seen(host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::keychain::KeychainError;

    struct Passwords(HashMap<String, String>);

    impl ProxyPasswords for Passwords {
        fn proxy_password(&self, account: &ProxyAccount) -> Result<Option<Secret>, KeychainError> {
            Ok(self.0.get(&account.to_string()).map(Secret::new))
        }
    }

    fn network(settings: NetworkSettings, env: &'static [(&'static str, &'static str)]) -> Network {
        let passwords =
            Passwords(HashMap::from([("corp-user at http://proxy.corp:3128".to_owned(), "pa ss:word".to_owned())]));
        Network::with_parts(
            &settings,
            move |name| env.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string()),
            Box::new(passwords),
        )
        .unwrap()
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn the_setting_comes_before_the_environment() {
        let settings = NetworkSettings {
            proxy: Some("proxy.corp:3128".into()),
            no_proxy: vec!["ximasoftware.com".into()],
            proxy_user: None,
        };
        let network = network(settings, &[("HTTPS_PROXY", "http://env:1")]);
        let sqs = network.route(&url("https://sqs.us-east-1.amazonaws.com/"));
        assert_eq!((sqs.via, sqs.source), (Via::Proxy(url("http://proxy.corp:3128")), RouteSource::Setting));
        assert_eq!(network.route(&url("https://mm-v1.ximasoftware.com/chat")).via, Via::Direct);

        let from_env = self::network(NetworkSettings::default(), &[("HTTPS_PROXY", "http://env:1")]);
        assert_eq!(
            from_env.route(&url("https://mm-v1.ximasoftware.com/")).source,
            RouteSource::Environment("HTTPS_PROXY".into())
        );
    }

    #[test]
    fn a_proxy_password_comes_from_the_url_or_from_the_keychain_for_the_proxy_user() {
        let settings = NetworkSettings {
            proxy: Some("http://proxy.corp:3128".into()),
            proxy_user: Some("corp-user".into()),
            ..NetworkSettings::default()
        };
        let cloud = url("https://mm-v1.ximasoftware.com/");
        let with_user = network(settings, &[]);
        let proxy = with_user.proxy_with_credentials(&cloud).unwrap();
        assert_eq!((proxy.username(), proxy.password()), ("corp-user", Some("pa%20ss%3Aword")));
        assert!(with_user.sends_proxy_credentials(&cloud));

        let from_env = network(NetworkSettings::default(), &[("https_proxy", "http://u:p@proxy.env:8080")]);
        let proxy = from_env.proxy_with_credentials(&cloud).unwrap();
        assert_eq!((proxy.username(), proxy.password()), ("u", Some("p")));

        let none = network(NetworkSettings::default(), &[("https_proxy", "http://proxy.env:8080")]);
        assert!(!none.sends_proxy_credentials(&cloud));
        assert_eq!(
            none.proxy_with_credentials(&cloud).unwrap().as_str(),
            "http://proxy.env:8080/",
            "a proxy without a user is still the way"
        );
    }

    #[test]
    fn a_password_in_the_proxy_setting_is_refused() {
        let settings =
            NetworkSettings { proxy: Some("http://u:secret@proxy.corp:3128".into()), ..NetworkSettings::default() };
        let error = Network::with_parts(&settings, |_| None, Box::new(Passwords(HashMap::new()))).unwrap_err();
        assert!(error.to_string().contains("proxy-password set"), "{error}");
        assert!(!error.to_string().contains("secret"));
    }
}

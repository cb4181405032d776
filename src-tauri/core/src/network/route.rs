//! Which way a request goes: straight to its host, or through a proxy, and where that
//! choice came from. IT puts a proxy in one of three places, read in this order: the
//! app's own settings (`proxy`, `no-proxy`), the `*_PROXY` environment variables, then
//! the desktop's settings (with their PAC file, see [`super::desktop`]).

use std::fmt;

use url::Url;

/// Where a route was decided: what `doctor` and the log name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteSource {
    /// The `proxy` / `no-proxy` settings (file, `XIMA_PROXY`, `--proxy`).
    Setting,
    /// An environment variable, by its name as found (`HTTPS_PROXY`, `no_proxy`…).
    Environment(String),
    /// The desktop's own proxy settings: which desktop and how ("GNOME via libproxy",
    /// "Windows (WinHTTP, PAC http://wpad/wpad.dat)").
    Desktop(String),
    /// Nothing names a proxy anywhere.
    Nowhere,
    /// This computer itself (the simulator of the demo and the tests): never proxied,
    /// as browsers do not proxy it either.
    Loopback,
}

impl fmt::Display for RouteSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteSource::Setting => f.write_str("the app's proxy setting"),
            RouteSource::Environment(name) => write!(f, "the environment variable {name}"),
            RouteSource::Desktop(how) => write!(f, "the desktop's proxy settings: {how}"),
            RouteSource::Nowhere => f.write_str("no proxy is set anywhere"),
            RouteSource::Loopback => f.write_str("this computer itself"),
        }
    }
}

/// How one request goes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Direct,
    /// An http:// proxy (CONNECT for https), without credentials: those are added
    /// when the request goes out, so a route can be logged and shown as it is.
    Proxy(Url),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub via: Via,
    pub source: RouteSource,
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.via {
            Via::Direct => write!(f, "direct ({})", self.source),
            Via::Proxy(proxy) => write!(f, "through the proxy {} (from {})", shown(proxy), self.source),
        }
    }
}

/// A proxy's address without any credentials in it.
pub(crate) fn shown(proxy: &Url) -> String {
    let mut bare = proxy.clone();
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    bare.as_str().trim_end_matches('/').to_owned()
}

/// A proxy address as IT writes it: `proxy.corp:3128`, `http://proxy.corp:3128`,
/// `http://user:password@proxy.corp:3128`. Only http proxies: a proxy reached over
/// TLS or SOCKS is not one these clients speak to.
pub fn parse_proxy(text: &str) -> Result<Url, String> {
    let text = text.trim();
    let with_scheme = if text.contains("://") { text.to_owned() } else { format!("http://{text}") };
    let url = Url::parse(&with_scheme).map_err(|error| format!("{text:?} is not a proxy address ({error})"))?;
    if url.scheme() != "http" {
        return Err(format!("{text:?}: only http:// proxies are supported (https over them works)"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{text:?} names no proxy host"));
    }
    Ok(url)
}

/// The hosts that go direct whatever the proxy: `NO_PROXY`'s form, as curl reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exceptions(Vec<String>);

impl Exceptions {
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Self {
        Self(
            entries
                .into_iter()
                .flat_map(|entry| entry.split(','))
                .map(|entry| entry.trim().trim_start_matches("*.").trim_start_matches('.').to_ascii_lowercase())
                .filter(|entry| !entry.is_empty())
                .collect(),
        )
    }

    /// `*` matches everything; `corp.example` matches itself and its subdomains; an
    /// entry with a port matches that port only.
    pub fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else { return false };
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let port = url.port_or_known_default();
        self.0.iter().any(|entry| {
            if entry == "*" {
                return true;
            }
            let (name, entry_port) = match entry.rsplit_once(':') {
                Some((name, port)) if !name.contains(':') => (name, port.parse::<u16>().ok()),
                _ => (entry.as_str(), None),
            };
            let name = name.trim_start_matches('[').trim_end_matches(']');
            (host == name || host.ends_with(&format!(".{name}")))
                && entry_port.is_none_or(|wanted| Some(wanted) == port)
        })
    }
}

/// A proxy named by the settings or the environment, with its exceptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Named {
    pub proxy: Url,
    pub exceptions: Exceptions,
    pub source: RouteSource,
}

impl Named {
    pub(crate) fn route(&self, url: &Url) -> Route {
        let via = if self.exceptions.matches(url) { Via::Direct } else { Via::Proxy(self.proxy.clone()) };
        Route { via, source: self.source.clone() }
    }
}

/// The `*_PROXY` variables as curl reads them: the scheme's own first (`HTTPS_PROXY`
/// for https), then `ALL_PROXY`; lower case before upper case; `NO_PROXY` for both.
/// `HTTP_PROXY` in upper case is not read for http (CGI sets it from a request header).
pub(crate) fn from_environment(url: &Url, var: impl Fn(&str) -> Option<String>) -> Option<Named> {
    let names: &[&str] = match url.scheme() {
        "https" => &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"],
        _ => &["http_proxy", "all_proxy", "ALL_PROXY"],
    };
    let (name, value) =
        names.iter().find_map(|name| var(name).filter(|value| !value.trim().is_empty()).map(|value| (*name, value)))?;
    let proxy = match parse_proxy(&value) {
        Ok(proxy) => proxy,
        Err(problem) => {
            tracing::warn!(variable = name, %problem, "ignoring a proxy variable");
            return None;
        }
    };
    let exceptions = ["no_proxy", "NO_PROXY"]
        .iter()
        .find_map(|name| var(name))
        .map(|list| Exceptions::parse([list.as_str()]))
        .unwrap_or_default();
    Some(Named { proxy, exceptions, source: RouteSource::Environment(name.to_owned()) })
}

/// Whether `url` names this computer: never proxied, and the one place plain http may
/// carry the API key (the simulator).
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn exceptions_match_a_host_its_subdomains_and_a_port_as_no_proxy_does() {
        let exceptions = Exceptions::parse([" localhost, .corp.example ,*.intranet, 10.0.0.1:8443 "]);
        assert!(exceptions.matches(&url("https://corp.example/")));
        assert!(exceptions.matches(&url("https://chat.corp.example/")));
        assert!(exceptions.matches(&url("http://wiki.intranet/")));
        assert!(exceptions.matches(&url("https://10.0.0.1:8443/")));
        assert!(!exceptions.matches(&url("https://10.0.0.1/")));
        assert!(!exceptions.matches(&url("https://notcorp.example/")));
        assert!(!exceptions.matches(&url("https://mm-v1.ximasoftware.com/")));
        assert!(Exceptions::parse(["*"]).matches(&url("https://anything.example/")));
    }

    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
        };
        let https = url("https://mm-v1.ximasoftware.com/chat");
        let named =
            from_environment(&https, env(&[("HTTPS_PROXY", "proxy.corp:3128"), ("ALL_PROXY", "http://other:1")]))
                .unwrap();
        assert_eq!(named.proxy.as_str(), "http://proxy.corp:3128/");
        assert_eq!(named.source, RouteSource::Environment("HTTPS_PROXY".into()));
        let named =
            from_environment(&https, env(&[("all_proxy", "http://all:8080"), ("NO_PROXY", "ximasoftware.com")]))
                .unwrap();
        assert_eq!(named.route(&https).via, Via::Direct);
        assert_eq!(named.route(&url("https://sqs.us-east-1.amazonaws.com/")).via, Via::Proxy(url("http://all:8080")));
        assert_eq!(from_environment(&url("http://127.0.0.1/"), env(&[("HTTP_PROXY", "http://cgi:1")])), None);
        assert_eq!(from_environment(&https, env(&[("HTTPS_PROXY", "socks5://s:1080")])), None);
        assert_eq!(from_environment(&https, env(&[("HTTPS_PROXY", "  ")])), None);
    }

    #[test]
    fn a_route_is_shown_without_the_proxy_password() {
        let route = Route {
            via: Via::Proxy(parse_proxy("http://corp-user:s3cret@proxy.corp:3128").unwrap()),
            source: RouteSource::Setting,
        };
        assert_eq!(route.to_string(), "through the proxy http://proxy.corp:3128 (from the app's proxy setting)");
        assert!(parse_proxy("https://proxy.corp").is_err());
        assert!(parse_proxy("http://").is_err());
    }
}

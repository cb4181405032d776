//! The desktop's own proxy settings, the last place a route is looked for: where IT
//! deploys them on managed PCs. Each platform answers for one URL at a time, since a
//! PAC file may send each host its own way.
//!
//! - Linux: libproxy, the desktop's library for this (GNOME's and KDE's settings, a PAC
//!   file run by its JavaScript engine, WPAD), loaded at run time: without it (or its
//!   plugins) nothing is found and requests go direct, as they did before.
//! - Windows: WinHTTP, with the user's Internet Options (a fixed proxy, a PAC address,
//!   or WPAD's automatic detection, which `WinHttpGetProxyForUrl` runs).
//! - macOS: System Configuration's fixed HTTPS proxy and its exceptions (a PAC file
//!   there needs CFNetwork's run-loop API, which this app does not drive yet).
//!
//! Every answer is parsed into a [`Via`]; anything but an http proxy or "direct" (a
//! SOCKS proxy, say) is skipped in favour of the next one the desktop names.

use url::Url;

use super::route::{parse_proxy, Via};

/// What the desktop said for one URL, and how it was asked.
pub(crate) struct DesktopAnswer {
    pub via: Via,
    pub how: String,
}

/// The first usable entry of a desktop's list: `direct://`, `DIRECT`, an http proxy.
fn first_usable<'a>(entries: impl IntoIterator<Item = &'a str>) -> Option<Via> {
    entries.into_iter().find_map(|entry| {
        let entry = entry.trim();
        if entry.is_empty() {
            return None;
        }
        if entry.eq_ignore_ascii_case("direct://") || entry.eq_ignore_ascii_case("direct") {
            return Some(Via::Direct);
        }
        parse_proxy(entry).ok().map(Via::Proxy)
    })
}

pub(crate) use platform::Desktop;

#[cfg(target_os = "linux")]
mod platform {
    use std::ffi::{c_char, c_void, CStr, CString};
    use std::sync::Mutex;

    use super::*;

    type FactoryNew = unsafe extern "C" fn() -> *mut c_void;
    type GetProxies = unsafe extern "C" fn(*mut c_void, *const c_char) -> *mut *mut c_char;
    type FreeProxies = unsafe extern "C" fn(*mut *mut c_char);

    /// libproxy's factory, loaded once per [`Desktop`]; it keeps the PAC file it
    /// fetched, so only the first question of a run waits for it.
    struct LibProxy {
        factory: *mut c_void,
        get_proxies: GetProxies,
        free_proxies: FreeProxies,
        _library: libloading::Library,
    }

    // libproxy's factory locks itself (px_proxy_factory_get_proxies is documented as
    // thread safe); here it is behind a Mutex as well.
    unsafe impl Send for LibProxy {}

    impl LibProxy {
        fn load() -> Result<Self, String> {
            // SAFETY: libproxy's constructor only sets up its plugin list.
            unsafe {
                let library = libloading::Library::new("libproxy.so.1").map_err(|error| error.to_string())?;
                let new: FactoryNew = *library.get(b"px_proxy_factory_new\0").map_err(|error| error.to_string())?;
                let get_proxies: GetProxies =
                    *library.get(b"px_proxy_factory_get_proxies\0").map_err(|error| error.to_string())?;
                let free_proxies: FreeProxies =
                    *library.get(b"px_proxy_factory_free_proxies\0").map_err(|error| error.to_string())?;
                let factory = new();
                if factory.is_null() {
                    return Err("px_proxy_factory_new returned nothing".into());
                }
                Ok(Self { factory, get_proxies, free_proxies, _library: library })
            }
        }

        fn proxies(&self, url: &str) -> Vec<String> {
            let Ok(url) = CString::new(url) else { return Vec::new() };
            let mut found = Vec::new();
            // SAFETY: libproxy returns a NULL-terminated array of C strings (or NULL),
            // which is given back to its own free function once read.
            unsafe {
                let list = (self.get_proxies)(self.factory, url.as_ptr());
                if list.is_null() {
                    return found;
                }
                let mut entry = list;
                while !(*entry).is_null() {
                    found.push(CStr::from_ptr(*entry).to_string_lossy().into_owned());
                    entry = entry.add(1);
                }
                (self.free_proxies)(list);
            }
            found
        }
    }

    pub(crate) struct Desktop {
        libproxy: Mutex<Option<Result<LibProxy, String>>>,
    }

    impl std::fmt::Debug for Desktop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Desktop(libproxy)")
        }
    }

    impl Desktop {
        pub(crate) fn new() -> Self {
            Self { libproxy: Mutex::new(None) }
        }

        /// Blocks while libproxy fetches a PAC file or reads the settings: call it off
        /// the async threads.
        pub(crate) fn ask(&self, url: &Url) -> Option<DesktopAnswer> {
            let mut libproxy = self.libproxy.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let loaded = libproxy.get_or_insert_with(|| {
                LibProxy::load().inspect_err(|error| {
                    tracing::info!(%error, "libproxy is not available: the desktop's proxy settings are not read");
                })
            });
            let library = loaded.as_ref().ok()?;
            let answer = library.proxies(url.as_str());
            tracing::debug!(url = %url.origin().ascii_serialization(), ?answer, "libproxy answered");
            let via = first_usable(answer.iter().map(String::as_str))?;
            Some(DesktopAnswer { via, how: "libproxy (GNOME or KDE settings, PAC, WPAD)".into() })
        }
    }
}

#[cfg(windows)]
mod platform {
    use std::ptr::null;

    use windows_sys::Win32::Foundation::GlobalFree;
    use windows_sys::Win32::Networking::WinHttp::{
        WinHttpCloseHandle, WinHttpGetIEProxyConfigForCurrentUser, WinHttpGetProxyForUrl, WinHttpOpen,
        WINHTTP_ACCESS_TYPE_NAMED_PROXY, WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_AUTOPROXY_AUTO_DETECT,
        WINHTTP_AUTOPROXY_CONFIG_URL, WINHTTP_AUTOPROXY_OPTIONS, WINHTTP_AUTO_DETECT_TYPE_DHCP,
        WINHTTP_AUTO_DETECT_TYPE_DNS_A, WINHTTP_CURRENT_USER_IE_PROXY_CONFIG, WINHTTP_PROXY_INFO,
    };

    use super::super::route::Exceptions;
    use super::*;

    pub(crate) struct Desktop;

    impl std::fmt::Debug for Desktop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Desktop(WinHTTP)")
        }
    }

    fn wide(text: &str) -> Vec<u16> {
        text.encode_utf16().chain(std::iter::once(0)).collect()
    }

    /// Reads a string WinHTTP allocated, and frees it with GlobalFree as it asks.
    unsafe fn take(text: *mut u16) -> Option<String> {
        if text.is_null() {
            return None;
        }
        let mut length = 0;
        while *text.add(length) != 0 {
            length += 1;
        }
        let value = String::from_utf16_lossy(std::slice::from_raw_parts(text, length));
        GlobalFree(text.cast());
        Some(value)
    }

    /// WinHTTP's proxy list: `host:port`, or `http=host:port;https=host:port`, entries
    /// split by `;` or spaces; the https entry wins for an https URL.
    fn pick(list: &str, url: &Url) -> Option<Via> {
        let entries: Vec<&str> = list.split([';', ' ']).filter(|entry| !entry.is_empty()).collect();
        let scheme = format!("{}=", url.scheme());
        let ours = entries.iter().find_map(|entry| entry.strip_prefix(scheme.as_str()));
        let plain = entries.iter().copied().filter(|entry| !entry.contains('='));
        first_usable(ours.into_iter().chain(plain))
    }

    impl Desktop {
        pub(crate) fn new() -> Self {
            Desktop
        }

        pub(crate) fn ask(&self, url: &Url) -> Option<DesktopAnswer> {
            // SAFETY: every WinHTTP string is read once and freed with GlobalFree, the
            // session handle closed; the structs are zeroed as WinHTTP expects.
            unsafe {
                let mut user: WINHTTP_CURRENT_USER_IE_PROXY_CONFIG = std::mem::zeroed();
                if WinHttpGetIEProxyConfigForCurrentUser(&mut user) == 0 {
                    return None;
                }
                let auto_config = take(user.lpszAutoConfigUrl);
                let fixed = take(user.lpszProxy);
                let bypass = take(user.lpszProxyBypass);
                if user.fAutoDetect != 0 || auto_config.is_some() {
                    if let Some(answer) = Self::automatic(url, user.fAutoDetect != 0, auto_config.as_deref()) {
                        return Some(answer);
                    }
                }
                let fixed = fixed?;
                let exceptions = Exceptions::parse(bypass.as_deref().unwrap_or("").split([';', ' ']));
                let via = if exceptions.matches(url) { Via::Direct } else { pick(&fixed, url)? };
                Some(DesktopAnswer { via, how: "Windows Internet Options (a fixed proxy)".into() })
            }
        }

        /// PAC or WPAD: WinHTTP fetches and runs the script.
        unsafe fn automatic(url: &Url, detect: bool, config_url: Option<&str>) -> Option<DesktopAnswer> {
            let agent = wide("XimaChatDesktop");
            let session = WinHttpOpen(agent.as_ptr(), WINHTTP_ACCESS_TYPE_NO_PROXY, null(), null(), 0);
            if session.is_null() {
                return None;
            }
            let config = config_url.map(wide);
            let mut options: WINHTTP_AUTOPROXY_OPTIONS = std::mem::zeroed();
            if detect {
                options.dwFlags |= WINHTTP_AUTOPROXY_AUTO_DETECT;
                options.dwAutoDetectFlags = WINHTTP_AUTO_DETECT_TYPE_DHCP | WINHTTP_AUTO_DETECT_TYPE_DNS_A;
            }
            if let Some(config) = &config {
                options.dwFlags |= WINHTTP_AUTOPROXY_CONFIG_URL;
                options.lpszAutoConfigUrl = config.as_ptr();
            }
            options.fAutoLogonIfChallenged = 1;
            let target = wide(url.as_str());
            let mut info: WINHTTP_PROXY_INFO = std::mem::zeroed();
            let found = WinHttpGetProxyForUrl(session, target.as_ptr(), &mut options, &mut info) != 0;
            WinHttpCloseHandle(session);
            if !found {
                return None;
            }
            let list = take(info.lpszProxy);
            let _ = take(info.lpszProxyBypass);
            let via = if info.dwAccessType == WINHTTP_ACCESS_TYPE_NAMED_PROXY {
                pick(list.as_deref()?, url)?
            } else {
                Via::Direct
            };
            let how = match config_url {
                Some(pac) => format!("Windows (WinHTTP, PAC {pac})"),
                None => "Windows (WinHTTP, WPAD)".to_owned(),
            };
            Some(DesktopAnswer { via, how })
        }
    }
}

#[cfg(target_os = "macos")]
mod platform {
    use system_configuration::core_foundation::number::CFNumber;
    use system_configuration::core_foundation::string::CFString;
    use system_configuration::dynamic_store::SCDynamicStoreBuilder;

    use super::*;

    pub(crate) struct Desktop;

    impl std::fmt::Debug for Desktop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Desktop(SystemConfiguration)")
        }
    }

    impl Desktop {
        pub(crate) fn new() -> Self {
            Desktop
        }

        /// The fixed proxy of the network settings. Its exception list is not read:
        /// this app only ever talks to the cloud and to AWS, which such lists rarely name.
        pub(crate) fn ask(&self, url: &Url) -> Option<DesktopAnswer> {
            let proxies = SCDynamicStoreBuilder::new("XimaChatDesktop").build().get_proxies()?;
            let prefix = if url.scheme() == "https" { "HTTPS" } else { "HTTP" };
            let value = |key: String| proxies.find(&CFString::new(&key)).map(|value| value.clone());
            let enabled = value(format!("{prefix}Enable"))?.downcast::<CFNumber>()?.to_i64();
            if enabled != Some(1) {
                return None;
            }
            let host = value(format!("{prefix}Proxy"))?.downcast::<CFString>()?.to_string();
            let port = value(format!("{prefix}Port"))
                .and_then(|port| port.downcast::<CFNumber>())
                .and_then(|port| port.to_i64());
            let proxy = parse_proxy(&format!("{host}:{}", port.unwrap_or(8080))).ok()?;
            Some(DesktopAnswer { via: Via::Proxy(proxy), how: "macOS network settings (a fixed proxy)".into() })
        }
    }
}

#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
mod platform {
    use super::*;

    #[derive(Debug)]
    pub(crate) struct Desktop;

    impl Desktop {
        pub(crate) fn new() -> Self {
            Desktop
        }

        pub(crate) fn ask(&self, _url: &Url) -> Option<DesktopAnswer> {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_entry_the_clients_can_use_is_taken() {
        assert_eq!(
            first_usable(["socks5://s:1080", "http://proxy.corp:3128"]),
            Some(Via::Proxy(parse_proxy("proxy.corp:3128").unwrap()))
        );
        assert_eq!(first_usable(["direct://"]), Some(Via::Direct));
        assert_eq!(first_usable(["DIRECT", "http://later:1"]), Some(Via::Direct));
        assert_eq!(first_usable(["socks://s:1"]), None);
    }
}

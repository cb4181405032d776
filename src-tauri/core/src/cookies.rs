//! The cloud client's cookie store, which unlike `reqwest`'s own jar can be emptied: a
//! kiosk's privacy wipe must drop the last customer's HTTP session cookie.

use std::sync::{Arc, RwLock};

use reqwest::cookie::{CookieStore, Jar};
use reqwest::header::HeaderValue;
use url::Url;

#[derive(Default)]
pub struct ForgetfulJar {
    jar: RwLock<Arc<Jar>>,
}

impl ForgetfulJar {
    fn current(&self) -> Arc<Jar> {
        self.jar.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    pub fn forget(&self) {
        *self.jar.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::default();
    }
}

impl std::fmt::Debug for ForgetfulJar {
    // Cookie values are session secrets: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ForgetfulJar")
    }
}

impl CookieStore for ForgetfulJar {
    fn set_cookies(&self, cookie_headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        self.current().set_cookies(cookie_headers, url);
    }

    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        self.current().cookies(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgotten_cookies_are_not_sent_again() {
        let jar = ForgetfulJar::default();
        let url = Url::parse("https://mm-v1.ximasoftware.com/chat").unwrap();
        let set = HeaderValue::from_static("JSESSIONID=abc; Path=/; HttpOnly");
        jar.set_cookies(&mut std::iter::once(&set), &url);
        assert_eq!(jar.cookies(&url).unwrap(), "JSESSIONID=abc");
        jar.forget();
        assert_eq!(jar.cookies(&url), None);
    }
}

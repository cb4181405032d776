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

    /// Puts back cookies for `url` from a `Cookie` header value (`a=1; b=2`) saved in an
    /// earlier run, as if the server had just set them.
    pub fn restore(&self, url: &Url, header: &str) {
        let jar = self.current();
        for pair in header.split(';').map(str::trim).filter(|pair| pair.contains('=')) {
            jar.add_cookie_str(&format!("{pair}; Path=/"), url);
        }
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

    #[test]
    fn saved_cookies_come_back_in_a_new_jar() {
        let url = Url::parse("https://mm-v1.ximasoftware.com/").unwrap();
        let first = ForgetfulJar::default();
        let set = [
            HeaderValue::from_static("JSESSIONID=abc; Path=/; HttpOnly"),
            HeaderValue::from_static("AWSALB=x=y; Path=/"),
        ];
        first.set_cookies(&mut set.iter(), &url);
        let saved = first.cookies(&url).unwrap();
        let second = ForgetfulJar::default();
        second.restore(&url, saved.to_str().unwrap());
        let end = Url::parse("https://mm-v1.ximasoftware.com/chat/end").unwrap();
        let pairs = |jar: &ForgetfulJar| {
            let header = jar.cookies(&end).unwrap();
            let mut pairs: Vec<String> = header.to_str().unwrap().split("; ").map(str::to_owned).collect();
            pairs.sort();
            pairs
        };
        assert_eq!(pairs(&second), ["AWSALB=x=y", "JSESSIONID=abc"]);
        assert_eq!(pairs(&second), pairs(&first));
    }
}

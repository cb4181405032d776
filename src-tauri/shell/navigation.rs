//! Where the chat window may go: nowhere but the app's own pages. A link, a script or a
//! drag that tries to take it elsewhere is refused, so no page of anybody's can sit in
//! the trusted window (or on a kiosk's screen, where there would be no way back) and
//! receive the chat's events. Links reach the system browser through `open_link` only.

use tauri::webview::{NewWindowFeatures, NewWindowResponse};
use tauri::{Runtime, Url};

/// The origins the app's own pages are served from: `tauri://localhost` on Linux and
/// macOS, `http(s)://tauri.localhost` on Windows (WebView2 serves custom protocols so).
pub fn is_app_page(url: &Url) -> bool {
    let host = url.host_str();
    match url.scheme() {
        "tauri" => host == Some("localhost") && url.port().is_none(),
        "http" | "https" => host == Some("tauri.localhost") && url.port().is_none(),
        _ => false,
    }
}

/// `on_navigation`: the app's pages load, nothing else does.
pub fn allow_navigation(url: &Url) -> bool {
    let allowed = is_app_page(url);
    if !allowed {
        // The scheme and host say what was tried; the rest may be the customer's.
        tracing::warn!(
            scheme = url.scheme(),
            host = url.host_str().unwrap_or(""),
            "the window refused to leave the app"
        );
    }
    allowed
}

/// `on_new_window`: `window.open` and `target=_blank` open nothing.
pub fn refuse_new_window<R: Runtime>(url: Url, _features: NewWindowFeatures) -> NewWindowResponse<R> {
    tracing::warn!(scheme = url.scheme(), host = url.host_str().unwrap_or(""), "the window refused to open another");
    NewWindowResponse::Deny
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(url: &str) -> bool {
        is_app_page(&Url::parse(url).expect("a URL"))
    }

    #[test]
    fn only_the_apps_own_origin_is_a_place_the_window_may_go() {
        assert!(allowed("tauri://localhost/index.html"));
        assert!(allowed("http://tauri.localhost/"));
        assert!(allowed("https://tauri.localhost/index.html#chat"));

        assert!(!allowed("https://example.com/"));
        assert!(!allowed("https://tauri.localhost.example.com/"));
        assert!(!allowed("https://tauri.localhost:8443/"), "another server on the same name");
        assert!(!allowed("http://localhost/"));
        assert!(!allowed("tauri://evil/"));
        assert!(!allowed("file:///etc/passwd"));
        assert!(!allowed("data:text/html,<h1>pay here</h1>"));
        assert!(!allowed("javascript:alert(1)"));
        assert!(!allowed("about:blank"));
        assert!(!allowed("smb://server/share"));
    }
}

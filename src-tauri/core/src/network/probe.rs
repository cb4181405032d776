//! Asks a proxy, by hand, what it wants before it opens a tunnel: the HTTP clients only
//! say "407", while an IT team needs to know *which* scheme the proxy asks for (Basic,
//! which this app answers, or NTLM/Negotiate, which it cannot). Used by `doctor` and
//! after a 407, to log the scheme.

use std::time::Duration;

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use url::Url;

/// What a proxy answered to `CONNECT host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyAnswer {
    pub status: u16,
    /// The schemes of its `Proxy-Authenticate` headers ("Basic realm=…", "NTLM").
    pub schemes: Vec<String>,
}

impl ProxyAnswer {
    /// Whether the proxy offers a scheme this app can answer.
    pub fn offers_basic(&self) -> bool {
        self.schemes
            .iter()
            .any(|scheme| scheme.split_whitespace().next().is_some_and(|name| name.eq_ignore_ascii_case("basic")))
    }
}

const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Sends one `CONNECT` for `target` (host:port) to `proxy`, with the proxy URL's own
/// credentials if it has any, and reads the answer's head; the tunnel, if opened, is
/// closed at once.
pub async fn probe_proxy(proxy: &Url, target: &str) -> std::io::Result<ProxyAnswer> {
    let host = proxy.host_str().ok_or_else(|| std::io::Error::other("the proxy has no host"))?;
    let port = proxy.port_or_known_default().unwrap_or(80);
    let exchange = async {
        let mut stream = TcpStream::connect((host.trim_start_matches('[').trim_end_matches(']'), port)).await?;
        let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
        if !proxy.username().is_empty() {
            let decode = |text: &str| percent_decode(text);
            let pair = format!("{}:{}", decode(proxy.username()), decode(proxy.password().unwrap_or("")));
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            request.push_str(&format!("Proxy-Authorization: Basic {encoded}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut head = Vec::new();
        let mut buffer = [0u8; 2048];
        while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < 16 * 1024 {
            let read = stream.read(&mut buffer).await?;
            if read == 0 {
                break;
            }
            head.extend_from_slice(&buffer[..read]);
        }
        Ok::<_, std::io::Error>(head)
    };
    let head = tokio::time::timeout(PROBE_TIMEOUT, exchange)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "the proxy did not answer in time"))??;
    parse_head(&String::from_utf8_lossy(&head))
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "the proxy's answer is not HTTP"))
}

fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

fn parse_head(head: &str) -> Option<ProxyAnswer> {
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let schemes = lines
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("proxy-authenticate"))
        .map(|(_, value)| value.trim().to_owned())
        .collect();
    Some(ProxyAnswer { status, schemes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxys_answer_names_its_status_and_schemes() {
        let answer = parse_head(
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\nproxy-authenticate: Negotiate\r\n\r\n",
        )
        .unwrap();
        assert_eq!(answer.status, 407);
        assert_eq!(answer.schemes, ["NTLM", "Negotiate"]);
        assert!(!answer.offers_basic());
        let basic = parse_head("HTTP/1.0 407 x\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n\r\n").unwrap();
        assert!(basic.offers_basic());
        assert_eq!(parse_head("garbage"), None);
    }

    #[test]
    fn credentials_in_a_proxy_url_are_decoded_before_they_are_sent() {
        assert_eq!(percent_decode("s3cret%20pass%3Aword"), "s3cret pass:word");
        assert_eq!(percent_decode("a+b"), "a+b");
    }
}

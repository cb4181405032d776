//! Why a request did not get an answer, by cause: what the customer is told and what
//! the log and `doctor` name. reqwest hides its connector's errors behind `source()`
//! chains (and hyper-util's tunnel error is private), so the chain is walked here, once,
//! and its links recognised by type where they have a public one and by their words
//! where they do not; the tests pin those words against the locked versions.

use std::error::Error as StdError;
use std::fmt;

use super::tls::UntrustedCertificate;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkFailure {
    /// The server's certificate is not one the operating system trusts: a
    /// TLS-inspecting proxy whose root IT has not installed, usually.
    #[error("this computer does not trust the server's certificate: {0}")]
    UntrustedCertificate(UntrustedCertificate),
    /// The proxy answered 407: it wants credentials, or did not take ours.
    #[error("the proxy asked for credentials{}", if *.sent { " and refused the ones sent" } else { " and none are set" })]
    ProxyAuthentication { sent: bool },
    /// The proxy refused to open the connection (403, 502…): its policy, usually.
    #[error("the proxy refused the connection")]
    ProxyRefused,
    /// Nothing answered at the proxy's address.
    #[error("the proxy could not be reached")]
    ProxyUnreachable,
    /// The server's name does not resolve: no network yet, or a DNS that does not know it.
    #[error("the server's name could not be resolved")]
    NameNotResolved,
    /// The connection to the server itself failed or was cut.
    #[error("the connection failed")]
    ConnectionFailed,
}

impl NetworkFailure {
    /// The cause of `error`, read from its chain of sources; `credentials` says whether
    /// the request carried proxy credentials.
    pub fn of(error: &(dyn StdError + 'static), credentials: bool) -> Self {
        let mut tunnel = false;
        let mut link: Option<&(dyn StdError + 'static)> = Some(error);
        while let Some(current) = link {
            if let Some(untrusted) = untrusted_certificate(current) {
                return NetworkFailure::UntrustedCertificate(untrusted);
            }
            let words = current.to_string();
            if words.contains("tunnel error: proxy authorization required") {
                return NetworkFailure::ProxyAuthentication { sent: credentials };
            }
            if words.contains("tunnel error: unsuccessful") {
                return NetworkFailure::ProxyRefused;
            }
            if words.contains("tunnel error: failed to create underlying connection")
                || words.contains("tunnel error: io error establishing tunnel")
                || words.contains("tunnel error: unexpected end of file")
            {
                tunnel = true;
            }
            if words.starts_with("dns error") && !tunnel {
                return NetworkFailure::NameNotResolved;
            }
            link = current.source();
        }
        if tunnel {
            NetworkFailure::ProxyUnreachable
        } else {
            NetworkFailure::ConnectionFailed
        }
    }

    /// A stable code for the IPC boundary and the window's words.
    pub fn code(&self) -> &'static str {
        match self {
            NetworkFailure::UntrustedCertificate(_) => "network_certificate",
            NetworkFailure::ProxyAuthentication { .. } => "network_proxy_password",
            NetworkFailure::ProxyRefused => "network_proxy_refused",
            NetworkFailure::ProxyUnreachable => "network_proxy_unreachable",
            NetworkFailure::NameNotResolved => "network_name",
            NetworkFailure::ConnectionFailed => "cloud_unreachable",
        }
    }

    /// Whether waiting and trying again may help by itself: not when IT has to act.
    pub fn may_pass(&self) -> bool {
        matches!(
            self,
            NetworkFailure::NameNotResolved | NetworkFailure::ConnectionFailed | NetworkFailure::ProxyUnreachable
        )
    }
}

/// The issuer-naming refusal of our verifier, inside rustls's error inside an io error.
fn untrusted_certificate(error: &(dyn StdError + 'static)) -> Option<UntrustedCertificate> {
    let tls = match error.downcast_ref::<rustls::Error>() {
        Some(tls) => tls,
        None => error.downcast_ref::<std::io::Error>()?.get_ref()?.downcast_ref::<rustls::Error>()?,
    };
    match tls {
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => {
            other.0.downcast_ref::<UntrustedCertificate>().cloned()
        }
        rustls::Error::InvalidCertificate(other) => {
            Some(UntrustedCertificate { reason: format!("{other:?}"), issuer: "an unnamed issuer".into() })
        }
        _ => None,
    }
}

/// The whole chain of an error in one line, for the log: "error sending request" alone
/// tells an IT team nothing.
pub(crate) struct Chain<'a>(pub &'a (dyn StdError + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut link = self.0.source();
        while let Some(current) = link {
            write!(f, ": {current}")?;
            link = current.source();
        }
        Ok(())
    }
}

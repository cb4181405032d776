//! The one TLS policy of the app: certificates are checked by the operating system's
//! own verifier and trust store (rustls-platform-verifier), never by a bundled list, and
//! there is no switch that skips the check. A corporate root that IT installed the OS's
//! way (`update-ca-certificates`, the Windows ROOT store, the macOS keychain) is trusted;
//! nothing else is.
//!
//! The verifier is wrapped so that a refusal names the certificate's issuer: behind a
//! TLS-inspecting proxy the issuer is the proxy's own CA, which is what an IT team needs
//! to read, where "error sending request" told them nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

use super::der;

/// Why the OS did not trust a server's certificate, with the name of who issued it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (certificate issued by {issuer})")]
pub struct UntrustedCertificate {
    /// rustls's words for the refusal ("unknown issuer", "expired", …).
    pub reason: String,
    /// The issuer's common name and organisation, or "an unnamed issuer".
    pub issuer: String,
}

/// The verifier both HTTP clients are built with.
#[derive(Debug)]
pub(crate) struct OsVerifier {
    /// `Err` when the OS verifier could not be set up (no trust store could be read):
    /// then every certificate is refused with that reason, rather than trusting any.
    platform: Result<rustls_platform_verifier::Verifier, String>,
    provider: Arc<CryptoProvider>,
    /// The issuer of the last certificate each server presented, for `doctor`.
    issuers: Mutex<HashMap<String, String>>,
}

impl OsVerifier {
    fn new(provider: Arc<CryptoProvider>) -> Self {
        let platform = rustls_platform_verifier::Verifier::new(provider.clone()).map_err(|error| {
            tracing::error!(%error, "the operating system's certificate verifier could not be set up");
            error.to_string()
        });
        Self { platform, provider, issuers: Mutex::default() }
    }

    pub(crate) fn issuer_seen(&self, host: &str) -> Option<String> {
        self.issuers.lock().unwrap_or_else(PoisonError::into_inner).get(host).cloned()
    }
}

impl ServerCertVerifier for OsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let issuer = der::issuer_name(end_entity).unwrap_or_else(|| "an unnamed issuer".to_owned());
        self.issuers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(server_name.to_str().into_owned(), issuer.clone());
        let verdict = match &self.platform {
            Ok(platform) => platform.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now),
            Err(reason) => Err(rustls::Error::General(reason.clone())),
        };
        verdict.map_err(|error| {
            let reason = match &error {
                rustls::Error::InvalidCertificate(CertificateError::Other(other)) => other.0.to_string(),
                rustls::Error::InvalidCertificate(certificate) => describe(certificate),
                other => other.to_string(),
            };
            tracing::warn!(server = %server_name.to_str(), %issuer, %reason, "this computer does not trust the server's certificate");
            rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(UntrustedCertificate {
                reason,
                issuer,
            }))))
        })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// Plain words for rustls's certificate errors (its `Debug` names are CamelCase).
fn describe(error: &CertificateError) -> String {
    match error {
        CertificateError::UnknownIssuer => "the issuer is not one this computer trusts".into(),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "the certificate has expired".into(),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "the certificate is not valid yet".into()
        }
        CertificateError::Revoked => "the certificate was revoked".into(),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "the certificate is for another name".into()
        }
        CertificateError::BadSignature => "the certificate's signature is wrong".into(),
        other => format!("{other:?}"),
    }
}

/// The TLS side of a [`super::Network`]: one `ClientConfig` for the cloud client and the
/// SQS client alike.
#[derive(Debug, Clone)]
pub(crate) struct TlsPolicy {
    config: Arc<rustls::ClientConfig>,
    verifier: Arc<OsVerifier>,
}

impl TlsPolicy {
    pub(crate) fn of_this_computer() -> Result<Self, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(OsVerifier::new(provider.clone()));
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            // Our own verifier is the OS's: the wrapper only adds the issuer's name.
            .dangerous()
            .with_custom_certificate_verifier(verifier.clone())
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self { config: Arc::new(config), verifier })
    }

    pub(crate) fn client_config(&self) -> rustls::ClientConfig {
        (*self.config).clone()
    }

    pub(crate) fn issuer_seen(&self, host: &str) -> Option<String> {
        self.verifier.issuer_seen(host)
    }
}

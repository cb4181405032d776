//! SQS keys for the serverToClientQueue, fetched from `GET /chat/queue/auth`.
//!
//! The vendor warns the keys "may change over time", so they are refetched once they
//! are older than the refresh interval, and at once when SQS rejects them. The AWS
//! SDK's own identity cache is turned off by the inbox, so this type is the only cache
//! and an invalidation takes effect on the very next request.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_credential_types::provider::{self, error::CredentialsError, ProvideCredentials};
use aws_credential_types::Credentials;
use tokio::sync::Mutex;

use crate::wire::cloud::{CloudClient, CloudError};

#[derive(Debug)]
struct Cached {
    credentials: Credentials,
    /// The normalised `sqsRegion`, if it named one.
    region: Option<String>,
    fetched: Instant,
}

#[derive(Debug)]
struct Inner {
    cloud: CloudClient,
    installation_id: String,
    refresh_every: Duration,
    cached: Mutex<Option<Cached>>,
}

/// A shared, refreshing source of SQS credentials for one installation.
#[derive(Debug, Clone)]
pub struct SqsCredentialSource {
    inner: Arc<Inner>,
}

impl SqsCredentialSource {
    pub fn new(cloud: CloudClient, installation_id: impl Into<String>, refresh_every: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                cloud,
                installation_id: installation_id.into(),
                refresh_every,
                cached: Mutex::new(None),
            }),
        }
    }

    /// How SQS is reached: the same way as the cloud.
    pub fn network(&self) -> &crate::network::Network {
        self.inner.cloud.network()
    }

    /// Current credentials and their region, fetching them if stale or missing.
    /// A failed refresh keeps using keys that were never rejected.
    pub async fn current(&self) -> Result<(Credentials, Option<String>), CloudError> {
        let mut cached = self.inner.cached.lock().await;
        if let Some(entry) = cached.as_ref() {
            if entry.fetched.elapsed() < self.inner.refresh_every {
                return Ok((entry.credentials.clone(), entry.region.clone()));
            }
        }
        match self.inner.cloud.sqs_credentials(&self.inner.installation_id).await {
            Ok(fresh) => {
                let region = fresh.region();
                if region.is_none() {
                    tracing::warn!(sqs_region = ?fresh.sqs_region, "the credentials name no region AWS knows");
                }
                let credentials = Credentials::new(
                    fresh.sqs_access_key.trim(),
                    fresh.sqs_secret_key.expose().trim(),
                    None,
                    None,
                    "xima-chat-queue-auth",
                );
                tracing::debug!(?region, "fetched SQS credentials");
                *cached =
                    Some(Cached { credentials: credentials.clone(), region: region.clone(), fetched: Instant::now() });
                Ok((credentials, region))
            }
            Err(error) => match cached.as_ref() {
                Some(stale) => {
                    tracing::warn!(%error, "could not refresh SQS credentials; keeping the current ones");
                    Ok((stale.credentials.clone(), stale.region.clone()))
                }
                None => Err(error),
            },
        }
    }

    /// Forget the cached keys: SQS said they are no longer good.
    pub async fn invalidate(&self) {
        *self.inner.cached.lock().await = None;
    }
}

impl ProvideCredentials for SqsCredentialSource {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(async move {
            self.current().await.map(|(credentials, _)| credentials).map_err(CredentialsError::provider_error)
        })
    }
}

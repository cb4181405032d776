//! The UI-free core of Xima Chat Desktop.
//!
//! It speaks Xima's Web Chat Cloud API ([`CloudClient`] over HTTP, an SQS inbox), runs
//! the chat lifecycle ([`Chat`]) and reports what happens as [`ChatEvent`]s. Nothing
//! here knows about Tauri or windows; the desktop shell adapts it.
//!
//! The public surface is what the shell, the tests and the benches use, re-exported
//! here (as reqwest does); the modules behind it are private. Four stay public as
//! namespaces: [`protocol`] (the wire types), [`lenient`] (reading the cloud's JSON),
//! [`capture`] and [`deeplink`] (functions the shell calls by their module's name).

mod avatar;
mod backoff;
pub mod capture;
mod clocks;
mod cloud;
mod config;
mod cookies;
mod credentials;
mod data_dir_lock;
mod dedupe;
pub mod deeplink;
mod error;
mod events;
mod export;
mod inbox;
mod keychain;
pub mod lenient;
mod lifecycle;
mod network;
mod notification_text;
pub mod protocol;
mod secret;
mod session;
mod store;
mod transcript;
mod utc;
mod wire_log;

pub use cloud::{checked_base_url, CloudClient, CloudError, CloudOptions, DEFAULT_BASE_URL};
pub use config::{default_config_path, download_dir, AppConfig, ConfigError, ConfigProblem, KioskConfig};
pub use data_dir_lock::{create_private_dir, DataDirLock, DataDirLockError};
pub use error::ChatError;
pub use events::{ChatEvent, EventSink};
pub use export::{ExportFormat, ExportLanguage};
pub use inbox::{sqs_endpoint, InboxOptions};
pub use keychain::{ApiKeyStore, KeyHome, KeychainError, OsKeychain, ProxyAccount};
pub use lifecycle::{Agent, EndReason, SessionState};
pub use network::{
    parse_proxy, probe_proxy, Network, NetworkError, NetworkFailure, NetworkSettings, ProxyAnswer, ProxyAsked, Route, RouteSource,
    UntrustedCertificate, Via,
};
pub use notification_text::{notification_body, notification_title};
pub use protocol::{CustomChatInfo, ServerMessage, SessionId, StartAuth, StartRequest};
pub use secret::Secret;
pub use clocks::Waking;
pub use session::{Chat, ChatSettings, ChatSnapshot, ScreenshotPreview};
pub use store::SessionStore;
pub use transcript::{Author, Delivery, Entry, SystemLine};
pub use wire_log::WireLog;

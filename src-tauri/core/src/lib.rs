//! The UI-free core of Xima Chat Desktop.
//!
//! It speaks Xima's Web Chat Cloud API ([`CloudClient`] over HTTP, an SQS inbox), runs
//! the chat lifecycle ([`Chat`]) and reports what happens as [`ChatEvent`]s. Nothing
//! here knows about Tauri or windows; the desktop shell adapts it.
//!
//! Grouped by concern, each folder importing only those before it in this list, so each
//! can be read knowing only what comes before it:
//! - `text`: words for people (the lent catalogue, UTC times, safe one-line text);
//! - `device`: this computer (private files, the keychain, screens, clocks, links);
//! - `network`: how this computer reaches the outside (routes, proxies, TLS);
//! - `wire`: the cloud's API and its SQS queue, as they travel;
//! - `error`: [`ChatError`], what the shell is told, wrapping the layers' own errors;
//! - `config`: the settings of every layer;
//! - `chat`: the chat itself, at the top.
//!
//! `tests/architecture.rs` (in the app's package) holds the core to that order and to
//! no import cycle between any of its modules.
//!
//! The public surface is what the shell uses, re-exported here (as reqwest does); the
//! modules behind it are private. Two stay public as namespaces of functions the shell
//! calls by their module's name: [`capture`] and [`deeplink`].

mod chat;
mod config;
mod device;
mod error;
mod network;
mod text;
mod wire;

pub use device::{capture, deeplink};

pub use chat::events::{ChatEvent, EventSink};
pub use chat::export::ExportFormat;
pub use chat::lifecycle::{Agent, EndReason, SessionState};
pub use chat::page_renewal::{LeftChat, PageRenewal, Renewal};
pub use chat::session::{Chat, ChatSettings, ChatSnapshot, ScreenshotPreview};
pub use chat::store::SessionStore;
pub use chat::transcript::{Author, Delivery, Entry, SystemLine};
pub use config::machine::{layered_settings, machine_config_path, MachineSettings};
pub use config::{default_config_path, download_dir, AppConfig, ConfigError, ConfigProblem, KioskConfig};
pub use device::clocks::Waking;
pub use device::data_dir_lock::{DataDirLock, DataDirLockError};
pub use device::facts::{Fact, Facts, Screen, UnknownFact};
pub use device::keychain::{ApiKeyStore, KeyHome, KeychainError};
pub use device::private_fs::create_private_dir;
pub use device::secret::Secret;
pub use error::ChatError;
pub use network::{
    parse_proxy, probe_proxy, Network, NetworkError, NetworkFailure, NetworkSettings, OsKeychain, ProxyAccount,
    ProxyAnswer, ProxyAsked, Route, RouteSource, UntrustedCertificate, Via,
};
pub use text::notification_text::{notification_body, notification_title};
pub use text::words::{LentWords, Words};
pub use wire::cloud::{checked_base_url, CloudClient, CloudError, CloudOptions, DEFAULT_BASE_URL};
pub use wire::inbox::{sqs_endpoint, InboxOptions};
pub use wire::protocol::{
    screenshot_body, Availability, CustomChatInfo, QueueStatus, ScreenshotAnswer, ServerMessage, SessionId,
    SessionShape, StartAuth, StartRequest,
};
pub use wire::wire_log::WireLog;

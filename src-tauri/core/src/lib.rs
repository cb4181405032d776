//! The UI-free core of Xima Chat Desktop.
//!
//! It speaks Xima's Web Chat Cloud API ([`cloud`] over HTTP, [`inbox`] over SQS), runs
//! the chat lifecycle ([`session`]) and reports what happens as [`events::ChatEvent`]s.
//! Nothing here knows about Tauri or windows; the desktop shell adapts it.

pub mod avatar;
pub mod backoff;
pub mod capture;
pub mod cloud;
pub mod config;
pub mod cookies;
pub mod credentials;
pub mod dedupe;
pub mod deeplink;
pub mod error;
pub mod events;
pub mod export;
pub mod inbox;
pub mod lenient;
pub mod lifecycle;
pub mod protocol;
pub mod secret;
pub mod keychain;
pub mod session;
pub mod store;
pub mod transcript;
mod utc;
pub mod wire_log;

pub use config::{AppConfig, KioskConfig};
pub use cloud::{CloudClient, CloudError, CloudOptions, DEFAULT_BASE_URL};
pub use error::ChatError;
pub use events::{ChatEvent, EventSink};
pub use protocol::{CustomChatInfo, ServerMessage, SessionId, StartAuth, StartRequest};
pub use secret::Secret;
pub use session::{Chat, ChatSettings, ChatSnapshot, ScreenshotPreview};
pub use lifecycle::{Agent, EndReason, SessionState};

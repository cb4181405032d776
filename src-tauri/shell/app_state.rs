//! What the shell keeps between commands: the configuration, the chat built from it,
//! and a screenshot waiting for the customer's consent.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use xima_chat_core::capture::Screenshot;
use xima_chat_core::secrets::ApiKeyStore;
use xima_chat_core::{AppConfig, Chat, EventSink};

use crate::error::{Error, Result};

pub struct AppState {
    pub config: AppConfig,
    pub config_path: Option<PathBuf>,
    pub keys: ApiKeyStore,
    chat: Option<Chat>,
    pending_screenshot: Mutex<Option<Screenshot>>,
}

impl AppState {
    pub fn new(config: AppConfig, config_path: Option<PathBuf>, events: Arc<dyn EventSink>) -> Self {
        let chat = if config.problems().is_empty() {
            match Chat::from_config(&config, events) {
                Ok(chat) => Some(chat),
                Err(error) => {
                    tracing::error!(%error, "the configuration cannot be used");
                    None
                }
            }
        } else {
            None
        };
        Self {
            config,
            config_path,
            keys: ApiKeyStore,
            chat,
            pending_screenshot: Mutex::new(None),
        }
    }

    /// The chat, or why there is none.
    pub fn chat(&self) -> Result<&Chat> {
        self.chat
            .as_ref()
            .ok_or_else(|| Error::NotConfigured(self.config.problems().join(" ")))
    }

    pub fn hold_screenshot(&self, shot: Screenshot) {
        *self.pending_screenshot.lock().unwrap_or_else(|p| p.into_inner()) = Some(shot);
    }

    pub fn take_screenshot(&self) -> Option<Screenshot> {
        self.pending_screenshot.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

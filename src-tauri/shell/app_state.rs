//! What the shell keeps between commands: the configuration and the chat built from it.
//! Saving new settings rebuilds the chat, so it lives behind a lock.

use std::sync::{Arc, Mutex, RwLock, RwLockWriteGuard};

use xima_chat_core::deeplink::ChatLink;
use xima_chat_core::{ApiKeyStore, Facts};
use xima_chat_core::{AppConfig, Chat, ConfigProblem, EventSink, KioskConfig, SessionState};

use crate::cli::SettingsFiles;
use crate::error::{Error, Result};
use crate::owned_task::OwnedTask;

struct Configured {
    config: AppConfig,
    chat: Option<Chat>,
    /// The start-up check of the chat the last run left going: it may still make this
    /// chat live. Dropping it cancels the check.
    resuming: Option<OwnedTask>,
}

pub struct AppState {
    configured: RwLock<Configured>,
    files: SettingsFiles,
    events: Arc<dyn EventSink>,
    pub keys: ApiKeyStore,
    /// Why the config file could not be read, when it could not: the window then opens
    /// on the settings screen saying so (no chat, no saving over the file), instead of
    /// the app exiting with a message nobody who started it from a menu would see.
    config_problem: Option<String>,
    /// A `xima-chat://` deep link the window has not taken yet.
    pending_deep_link: Mutex<Option<ChatLink>>,
    /// Who the last chat on a desk was, for the next form (never on a kiosk).
    last_customer: Mutex<Option<Customer>>,
    /// The computer's facts as the form last showed them: a chat started from that form
    /// sends these, not what a second read might say.
    shown_facts: Mutex<Option<Facts>>,
}

/// The name and email a desk's customer last gave: the form comes back with them after
/// *Start a new chat*, where it would otherwise be empty and refuse to start.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Customer {
    pub name: String,
    pub email: String,
}

fn build_chat(config: &AppConfig, events: &Arc<dyn EventSink>) -> Option<Chat> {
    if !config.problems().is_empty() {
        return None;
    }
    match Chat::from_config(config, events.clone()) {
        Ok(chat) => Some(chat),
        Err(error) => {
            tracing::error!(%error, "the configuration cannot be used");
            None
        }
    }
}

/// Problems in English, one after the other (errors and the log).
pub fn english(problems: &[ConfigProblem]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

/// At start, before any chat: saved transcripts older than `keep-transcripts-days` go
/// (0 keeps them all). Logged as a count: the files are named by session id.
fn delete_old_transcripts(config: &AppConfig) {
    let (Ok(dir), days @ 1..) = (config.data_dir(), config.keep_transcripts_days) else { return };
    let max_age = std::time::Duration::from_secs(u64::from(days) * 24 * 60 * 60);
    match xima_chat_core::SessionStore::new(dir).prune_transcripts(max_age) {
        Ok(count) => tracing::info!(count, "old transcripts deleted"),
        Err(error) => tracing::warn!(%error, "could not delete old transcripts"),
    }
}

impl AppState {
    pub fn new(config: AppConfig, files: SettingsFiles, events: Arc<dyn EventSink>) -> Self {
        Self::with_problem(config, files, events, None)
    }

    /// A window for a config file that cannot be read: the defaults, and the reason.
    pub fn with_broken_config(files: SettingsFiles, events: Arc<dyn EventSink>, problem: String) -> Self {
        Self::with_problem(AppConfig::default(), files, events, Some(problem))
    }

    fn with_problem(
        config: AppConfig,
        files: SettingsFiles,
        events: Arc<dyn EventSink>,
        problem: Option<String>,
    ) -> Self {
        let chat = if problem.is_some() {
            None
        } else {
            delete_old_transcripts(&config);
            build_chat(&config, &events)
        };
        Self {
            configured: RwLock::new(Configured { config, chat, resuming: None }),
            files,
            events,
            keys: ApiKeyStore,
            pending_deep_link: Mutex::new(None),
            last_customer: Mutex::new(None),
            shown_facts: Mutex::new(None),
            config_problem: problem,
        }
    }

    /// What stands between this app and a chat, for the settings screen.
    pub fn problems(&self) -> Vec<ConfigProblem> {
        match &self.config_problem {
            Some(detail) => vec![ConfigProblem::FileUnreadable { detail: detail.clone() }],
            None => self.config().problems(),
        }
    }

    fn configured_mut(&self) -> RwLockWriteGuard<'_, Configured> {
        self.configured.write().unwrap_or_else(|p| p.into_inner())
    }

    pub fn kiosk(&self) -> KioskConfig {
        self.configured.read().unwrap_or_else(|p| p.into_inner()).config.kiosk.clone()
    }

    /// Refuses what a kiosk's customer must not do (settings, files, the browser).
    pub fn deny_in_kiosk(&self) -> Result<()> {
        if self.kiosk().enabled {
            return Err(Error::KioskLocked);
        }
        Ok(())
    }

    pub fn set_pending_deep_link(&self, link: ChatLink) {
        *self.pending_deep_link.lock().unwrap_or_else(|p| p.into_inner()) = Some(link);
    }

    pub fn take_pending_deep_link(&self) -> Option<ChatLink> {
        self.pending_deep_link.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Keeps who started a chat, on a desk only: a kiosk's next customer is someone else.
    pub fn remember_customer(&self, name: &str, email: &str) {
        if self.kiosk().enabled {
            return;
        }
        let customer = Customer { name: name.trim().to_owned(), email: email.trim().to_owned() };
        *self.last_customer.lock().unwrap_or_else(|p| p.into_inner()) = Some(customer);
    }

    pub fn last_customer(&self) -> Option<Customer> {
        self.last_customer.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Keeps the facts the form is about to show.
    pub fn show_facts(&self, facts: Facts) {
        *self.shown_facts.lock().unwrap_or_else(|p| p.into_inner()) = Some(facts);
    }

    /// The facts the form showed; read now (without a screen) if it showed none yet.
    pub fn shown_facts(&self) -> Facts {
        let shown = self.shown_facts.lock().unwrap_or_else(|p| p.into_inner()).clone();
        shown.unwrap_or_else(|| Facts::read(self.config().facts_named(), None))
    }

    pub fn config(&self) -> AppConfig {
        self.configured.read().unwrap_or_else(|p| p.into_inner()).config.clone()
    }

    pub fn files(&self) -> &SettingsFiles {
        &self.files
    }

    /// The chat, or why there is none.
    pub fn chat(&self) -> Result<Chat> {
        let configured = self.configured.read().unwrap_or_else(|p| p.into_inner());
        configured.chat.clone().ok_or_else(|| match &self.config_problem {
            Some(detail) => {
                Error::BrokenConfigFile(ConfigProblem::FileUnreadable { detail: detail.clone() }.to_string())
            }
            None => Error::NotConfigured(english(&configured.config.problems())),
        })
    }

    /// At start-up: a chat the last run left going carries on, if the cloud still has
    /// it. The check runs in the background, owned here until it is done.
    /// A kiosk never resumes: its last chat was the last customer's (see
    /// [`Chat::discard_last`]).
    pub fn resume_last_chat(&self) {
        let mut configured = self.configured_mut();
        let Some(chat) = configured.chat.clone() else { return };
        if configured.config.kiosk.enabled {
            configured.resuming = Some(OwnedTask::spawn(async move {
                if let Err(error) = chat.discard_last().await {
                    tracing::warn!(%error, "could not wipe the chat of the last run");
                }
            }));
            return;
        }
        configured.resuming = Some(OwnedTask::spawn(async move {
            match chat.resume().await {
                Ok(true) => tracing::info!("resumed the chat of the last run"),
                Ok(false) => {}
                Err(error) => tracing::warn!(%error, "could not check the chat of the last run"),
            }
        }));
    }

    /// Saves `config` and rebuilds the chat from it. Refused while a chat is going on,
    /// starting or being resumed: the old chat would go on hidden, its events still
    /// reaching the window.
    pub fn reconfigure(&self, config: AppConfig) -> Result<()> {
        let mut configured = self.configured_mut();
        if let Some(chat) = &configured.chat {
            let state = chat.state();
            if state.is_live() || state == SessionState::Starting {
                return Err(Error::ChatInProgress);
            }
        }
        if configured.resuming.as_ref().is_some_and(|check| !check.is_finished()) {
            return Err(Error::ChatInProgress);
        }
        if let Some(detail) = &self.config_problem {
            return Err(Error::BrokenConfigFile(ConfigProblem::FileUnreadable { detail: detail.clone() }.to_string()));
        }
        if let Some(machine) = &self.files.machine {
            // What the window cannot edit, it cannot send edited either.
            let mut enforced = config.clone();
            if machine.enforce(&mut enforced).map_or(true, |overruled| !overruled.is_empty()) {
                return Err(Error::SettingLocked);
            }
        }
        let path = self.files.user.clone().ok_or(Error::NoConfigFile)?;
        config.save_edited(&path, |key| self.files.is_locked(key))?;
        configured.chat = build_chat(&config, &self.events);
        configured.config = config;
        configured.resuming = None;
        Ok(())
    }

    /// At exit: stops background work without ending the chat, so the next start
    /// resumes it.
    pub async fn shutdown(&self) {
        let chat = {
            let mut configured = self.configured_mut();
            configured.resuming = None;
            configured.chat.clone()
        };
        if let Some(chat) = chat {
            chat.shutdown().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::Duration;

    use xima_chat_core::{ChatEvent, Secret, StartAuth, StartRequest};

    /// A configured app whose cloud (`base_url`) accepts connections and never answers.
    fn app_with_a_silent_cloud(name: &str) -> (AppState, std::net::TcpListener, PathBuf) {
        let cloud = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dir = std::env::temp_dir().join(format!("xima-chat-shell-{name}-{}", std::process::id()));
        let config = AppConfig {
            base_url: format!("http://{}", cloud.local_addr().unwrap()),
            installation_id: "installation".into(),
            skills: vec!["Support".into()],
            data_dir: Some(dir.join("data")),
            ..AppConfig::default()
        };
        let (events, _) = tokio::sync::mpsc::unbounded_channel::<ChatEvent>();
        let files = SettingsFiles { user: Some(dir.join("config.toml")), ..SettingsFiles::default() };
        let state = AppState::new(config, files, Arc::new(events));
        (state, cloud, dir)
    }

    #[tokio::test]
    async fn settings_cannot_change_while_a_chat_is_starting() {
        let (state, _cloud, dir) = app_with_a_silent_cloud("starting");
        let chat = state.chat().unwrap();
        let starting = tokio::spawn(async move {
            let request = StartRequest {
                installation_id: "installation".into(),
                email: "ann@example.com".into(),
                name: "Ann".into(),
                skill: "Support".into(),
                auth: StartAuth::ApiKey(Secret::new("key")),
                custom_chat_info: Vec::new(),
            };
            chat.start(request).await
        });
        let chat = state.chat().unwrap();
        tokio::time::timeout(Duration::from_secs(5), async {
            while chat.state() != SessionState::Starting {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("the chat is starting");

        let outcome = state.reconfigure(state.config());
        assert!(matches!(outcome, Err(Error::ChatInProgress)), "{outcome:?}");
        assert!(!dir.join("config.toml").exists(), "nothing was saved");
        starting.abort();
        let _ = std::fs::remove_dir_all(dir);
    }
}

//! A `POST /chat/end` the cloud has not heard yet. A customer may end a chat while the
//! computer has no network (a chat resumed at login before the Wi-Fi, say); it ends on
//! screen at once, and the cloud is told as soon as it can be: by a task that retries
//! with backoff for as long as the app runs, and after a restart from the saved
//! session, which says the end is owed. No new chat starts before it has gone out, so
//! no chat is left in an agent's queue with nobody in it.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::Shared;
use crate::chat::lifecycle::{EndReason, SessionState};
use crate::chat::store::SavedSession;
use crate::wire::backoff::Backoff;
use crate::wire::cloud::CloudError;
use crate::wire::protocol::SessionId;

/// The task that owes the cloud an end, owned by the chat. It holds what it owes in
/// memory too: a kiosk's wipe takes the saved copy.
pub(super) struct Closing {
    owed: SavedSession,
    cancel: CancellationToken,
    handle: JoinHandle<()>,
}

impl Closing {
    pub fn stop(self) -> JoinHandle<()> {
        self.cancel.cancel();
        self.handle
    }
}

impl Shared {
    /// The customer ended chat `id`, and the cloud could not be told: the end is saved
    /// as owed and sent again until the cloud hears it.
    pub(super) fn owe_end(self: &Arc<Self>, id: &SessionId) {
        let owed = SavedSession {
            session_id: id.clone(),
            installation_id: self.settings.installation_id.clone(),
            base_url: self.cloud.base_url().to_string(),
            state: SessionState::Ended { reason: EndReason::ByUser },
            cookies: self.cloud.session_cookies(),
            queue: None,
            end_unsent: true,
        };
        if let Err(error) = self.store.save_current(&owed) {
            tracing::error!(%error, "could not save the end owed to the contact center");
        }
        self.keep_ending(owed);
    }

    /// Sends the owed end in the background until the cloud hears it.
    pub(super) fn keep_ending(self: &Arc<Self>, owed: SavedSession) {
        let cancel = CancellationToken::new();
        let handle = tokio::spawn(keep_ending(Arc::downgrade(self), owed.clone(), cancel.clone()));
        if let Some(before) = self.lock().closing.replace(Closing { owed, cancel, handle }) {
            drop(before.stop());
        }
    }

    /// Sends an owed end now, if there is one: `Err` when the cloud still cannot hear
    /// it (a new chat must not start then).
    pub(super) async fn settle_owed_end(&self) -> Result<(), CloudError> {
        let in_memory = self.lock().closing.as_ref().map(|closing| closing.owed.clone());
        let owed = match in_memory {
            Some(owed) => owed,
            None => match self.store.load_current() {
                Ok(Some(saved)) if saved.end_unsent => saved,
                _ => return Ok(()),
            },
        };
        self.send_owed_end(&owed).await?;
        if let Some(closing) = self.lock().closing.take() {
            drop(closing.stop());
        }
        Ok(())
    }

    /// One try at the owed end, through a client of its own whose cookies (the ended
    /// chat's HTTP session, the only way the cloud finds it) cannot mix with a new chat.
    /// A refusal means the cloud no longer has the chat: nothing is owed any more.
    async fn send_owed_end(&self, owed: &SavedSession) -> Result<(), CloudError> {
        let cloud = self.cloud.detached()?;
        if let Some(cookies) = &owed.cookies {
            cloud.restore_session_cookies(cookies);
        }
        match cloud.end().await {
            Ok(()) => tracing::info!("the contact center heard the end of the chat at last"),
            Err(refusal) if refusal.is_rejection() => {
                tracing::info!(%refusal, "the contact center no longer has the chat that was ended offline");
            }
            Err(error) => return Err(error),
        }
        match self.store.load_current() {
            Ok(Some(saved)) if saved.end_unsent && saved.session_id == owed.session_id => {
                if let Err(error) = self.store.clear_current() {
                    tracing::error!(%error, "could not clear the end that was owed");
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// Tries the owed end with backoff (capped at a minute, with jitter) until it is heard;
/// then the chat owes nothing.
async fn keep_ending(shared: Weak<Shared>, owed: SavedSession, cancel: CancellationToken) {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(backoff.next_delay()) => {}
        }
        let Some(shared) = shared.upgrade() else { return };
        let outcome = tokio::select! {
            _ = cancel.cancelled() => return,
            outcome = shared.send_owed_end(&owed) => outcome,
        };
        match outcome {
            Ok(()) => {
                let mut inner = shared.lock();
                if inner.closing.as_ref().is_some_and(|closing| closing.owed.session_id == owed.session_id) {
                    inner.closing = None;
                }
                return;
            }
            Err(error) => tracing::debug!(%error, "the end of the chat still cannot be sent"),
        }
    }
}

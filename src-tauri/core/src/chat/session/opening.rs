//! How a chat comes to be on screen: resumed from an earlier run, or started from the
//! pre-chat form (with the agents' availability the form shows beforehand).

use super::Chat;
use crate::chat::events::ChatEvent;
use crate::chat::lifecycle::{Agent, EndReason, SessionState};
use crate::error::ChatError;
use crate::wire::protocol::{Availability, ChatSession, QueueDescriptor, StartRequest};

impl Chat {
    /// At start-up: picks up a session saved by an earlier run if the cloud still has it
    /// and the customer has not started another chat meanwhile. Returns whether it did.
    /// A network failure keeps the saved session so a later call can try again.
    pub async fn resume(&self) -> Result<bool, ChatError> {
        let Some(saved) = self.shared.store.load_current()? else {
            return Ok(false);
        };
        if saved.installation_id != self.shared.settings.installation_id {
            tracing::info!("saved session belongs to another installation; not resuming");
            self.shared.store.clear_current()?;
            return Ok(false);
        }
        if saved.end_unsent {
            tracing::info!("the last run ended a chat the contact center has not heard end; telling it");
            self.shared.keep_ending(saved);
            return Ok(false);
        }
        if let Some(cookies) = &saved.cookies {
            self.shared.cloud.restore_session_cookies(cookies);
        }
        // Whatever chat begins while the cloud is asked (even one started, ended and
        // reset meanwhile, back at Idle) wins: the check's answer is then stale.
        let began_before = self.shared.lock().generations;
        self.shared.cloud.prepare_route().await;
        let session = match self.shared.cloud.check_session(&saved.session_id).await {
            Ok(Some(session)) => {
                self.shared.store.remember_session_shape(session.shape);
                session
            }
            Ok(None) => {
                tracing::info!("saved session has ended in the cloud");
                // Only if it is still the saved one: a chat started meanwhile saved its own.
                if self.shared.store.load_current()?.is_some_and(|now| now.session_id == saved.session_id) {
                    self.shared.store.clear_current()?;
                }
                // Shown ended, so the customer learns why it is gone; its queue is read
                // once, where its credentials still allow, for the agent's last words.
                if let Some(queue) = &saved.queue {
                    let mut transcript = self.shared.store.load_transcript(&saved.session_id)?;
                    for unconfirmed in transcript.unconfirmed_to_uncertain() {
                        self.shared.store.append_entry(&saved.session_id, &unconfirmed)?;
                    }
                    let session = ChatSession::saved(
                        saved.session_id.clone(),
                        QueueDescriptor::at(queue.url.clone(), queue.arn.clone()),
                    );
                    let gone = SessionState::Ended { reason: EndReason::Expired };
                    self.shared.begin(&SessionState::Idle, Some(began_before), session, gone, Some(transcript));
                }
                return Ok(false);
            }
            // The cloud cannot say whether the chat lives (no network yet at login, a
            // proxy that refuses, a contact center in trouble): it goes on from what was
            // saved, with the connection shown as down, and the keepalive asks the cloud
            // again and again until it can answer. Only its answer ends it.
            Err(error) if !error.is_rejection() => match &saved.queue {
                Some(queue) => {
                    tracing::warn!(%error, "the cloud cannot be asked about the saved chat; it goes on from what was saved");
                    ChatSession::saved(
                        saved.session_id.clone(),
                        QueueDescriptor::at(queue.url.clone(), queue.arn.clone()),
                    )
                }
                None => return Err(error.into()),
            },
            Err(error) => return Err(error.into()),
        };
        let mut transcript = self.shared.store.load_transcript(&saved.session_id)?;
        for unconfirmed in transcript.unconfirmed_to_uncertain() {
            self.shared.store.append_entry(&saved.session_id, &unconfirmed)?;
        }
        let state = resumed_state(&session, saved.state);
        let resumed = self.shared.begin(&SessionState::Idle, Some(began_before), session, state, Some(transcript));
        if resumed {
            tracing::info!("resumed the saved session");
        } else {
            tracing::info!("a chat was started while the saved one was checked; not resuming");
        }
        Ok(resumed)
    }

    /// A kiosk at start-up: a chat its last run left going (a crash, a power cut)
    /// belonged to a customer who has walked away, and must not greet the next one.
    /// Everything of it is wiped before anything is shown, then the cloud is told it
    /// ended (best effort, so the agent does not wait for nobody) through a client of
    /// its own, whose cookies cannot mix with a chat the next customer starts meanwhile.
    pub async fn discard_last(&self) -> Result<(), ChatError> {
        let saved = self.shared.store.load_current()?;
        self.shared.store.wipe()?;
        let Some(saved) = saved.filter(|saved| saved.installation_id == self.shared.settings.installation_id) else {
            return Ok(());
        };
        tracing::info!("a kiosk does not resume the last customer's chat: ended and wiped");
        let cloud = self.shared.cloud.detached()?;
        if let Some(cookies) = &saved.cookies {
            cloud.restore_session_cookies(cookies);
        }
        if let Err(error) = cloud.end().await {
            tracing::warn!(%error, "could not tell the contact center the last customer's chat ended");
        }
        Ok(())
    }

    /// Enters the queue. Fails without side effects if the cloud refuses.
    pub async fn start(&self, request: StartRequest) -> Result<(), ChatError> {
        request.validate()?;
        {
            let mut inner = self.shared.lock();
            if inner.state.is_live() || inner.state == SessionState::Starting {
                return Err(ChatError::AlreadyActive);
            }
            inner.state = SessionState::Starting;
        }
        self.shared.events.emit(ChatEvent::State { state: SessionState::Starting });
        self.shared.stop_tasks().await;
        self.shared.cloud.prepare_route().await;
        // A chat ended offline is ended in the cloud first: never two at once.
        if let Err(error) = self.shared.settle_owed_end().await {
            tracing::warn!(%error, "the last chat's end cannot be sent yet; not starting another");
            self.shared.set_state_from(&SessionState::Starting, SessionState::Idle);
            return Err(ChatError::StartFailed(error));
        }
        match self.shared.cloud.start(&request).await {
            Ok(session) => {
                self.shared.store.remember_session_shape(session.shape);
                let details = &session.session_details;
                let state = match details.agent.as_deref() {
                    Some(agent) => {
                        SessionState::Chatting { agent: Agent::from_wire(Some(agent), details.agent_image.as_deref()) }
                    }
                    None => SessionState::Queued { estimated_wait: None },
                };
                if self.shared.begin(&SessionState::Starting, None, session, state, None) {
                    return Ok(());
                }
                // The customer cancelled while the cloud was answering: close what it opened.
                if let Err(error) = self.shared.cloud.end().await {
                    tracing::warn!(%error, "could not close a chat cancelled while starting");
                }
                Err(ChatError::Cancelled)
            }
            Err(error) if error.is_rejection() => {
                tracing::warn!(%error, "the contact center refused to start a chat");
                self.shared.set_state_from(&SessionState::Starting, SessionState::Idle);
                Err(error.into())
            }
            Err(error) if error.never_left() => {
                tracing::warn!(%error, "could not start a chat: the request never left this computer");
                self.shared.set_state_from(&SessionState::Starting, SessionState::Idle);
                Err(ChatError::StartFailed(error))
            }
            Err(error) => {
                // The cloud may have queued a chat whose answer never reached us (a
                // timeout, an answer we could not read): close it, or an agent picks up
                // a chat nobody is in. Its HTTP session cookie, if it set one, finds it.
                tracing::warn!(%error, "could not start a chat; closing whatever the cloud may have opened");
                if let Err(end_error) = self.shared.cloud.end().await {
                    tracing::debug!(%end_error, "nothing to close after the failed start");
                }
                self.shared.set_state_from(&SessionState::Starting, SessionState::Idle);
                Err(ChatError::StartFailed(error))
            }
        }
    }

    /// Whether `skill` has an agent ready. Never an error: a server without the
    /// (undocumented) availability endpoint, a failure or an odd answer is `Unknown`.
    pub async fn availability(&self, skill: &str) -> Availability {
        match self.shared.cloud.queue_status(&self.shared.settings.installation_id).await {
            Ok(Some(status)) => status.for_skill(skill),
            Ok(None) => Availability::Unknown,
            Err(error) => {
                tracing::debug!(%error, "agent availability unknown");
                Availability::Unknown
            }
        }
    }
}

/// What a resumed session looks like: the cloud's agent wins over what we saved.
fn resumed_state(session: &ChatSession, saved: SessionState) -> SessionState {
    let details = &session.session_details;
    match details.agent.as_deref() {
        Some(name) => SessionState::Chatting { agent: Agent::from_wire(Some(name), details.agent_image.as_deref()) },
        None if saved.is_live() => saved,
        None => SessionState::Queued { estimated_wait: None },
    }
}

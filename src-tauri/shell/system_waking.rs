//! The system's own word that the computer woke, or that its network is back, passed to
//! the chat so that it reconnects at once rather than at the end of a backoff. On
//! Linux: logind's `PrepareForSleep(false)` and NetworkManager's `StateChanged` to
//! "connected" (70), both on the system bus; where either is missing, nothing is lost
//! but a few seconds, since the core notices a sleep by its clocks alone
//! (core/src/chat/session/waking.rs). Windows' power broadcast (WM_POWERBROADCAST) reaches
//! only a window procedure, which tao does not lend; there, and on macOS, the clocks
//! serve.

use futures_util::StreamExt;
use tauri::{AppHandle, Manager};
use xima_chat_core::Waking;
use zbus::{Connection, MessageStream};

use crate::app_state::AppState;
use crate::owned_task::OwnedTask;

const SLEEPS: &str = "type='signal',interface='org.freedesktop.login1.Manager',member='PrepareForSleep'";
const NETWORK: &str = "type='signal',interface='org.freedesktop.NetworkManager',member='StateChanged'";
/// NM_STATE_CONNECTED_GLOBAL: the network reaches the internet.
const CONNECTED: u32 = 70;

/// The task that follows the system bus, kept by the app for as long as it runs.
pub struct SystemWaking {
    _following: OwnedTask,
}

/// Follows the system bus for as long as the value is kept.
pub fn follow(app: AppHandle) -> SystemWaking {
    let following = OwnedTask::spawn(async move {
        let tell = move |waking: Waking| {
            if let Some(Ok(chat)) = app.try_state::<AppState>().map(|state| state.chat()) {
                chat.woke(waking);
            }
        };
        match Connection::system().await {
            Ok(bus) => {
                if let Err(error) = listen(&bus, tell).await {
                    tracing::info!(%error, "the system's sleep and network signals cannot be followed; the clocks tell");
                }
            }
            Err(error) => tracing::info!(%error, "no system bus: a sleep is noticed by the clocks alone"),
        }
    });
    SystemWaking { _following: following }
}

/// Calls `tell` for every waking `bus` announces, until the bus goes.
async fn listen(bus: &Connection, mut tell: impl FnMut(Waking)) -> zbus::Result<()> {
    let sleeps = MessageStream::for_match_rule(SLEEPS, bus, Some(8)).await?;
    let network = MessageStream::for_match_rule(NETWORK, bus, Some(8)).await?;
    let sleeps = sleeps.map(|message| {
        let going_to_sleep = message.ok()?.body().deserialize::<bool>().ok()?;
        (!going_to_sleep).then_some(Waking::Slept)
    });
    let network = network.map(|message| {
        let state = message.ok()?.body().deserialize::<u32>().ok()?;
        (state == CONNECTED).then_some(Waking::NetworkBack)
    });
    let mut signals = futures_util::stream::select(sleeps, network);
    while let Some(signal) = signals.next().await {
        if let Some(waking) = signal {
            tracing::info!(?waking, "the system says so");
            tell(waking);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The signals as logind and NetworkManager send them, on the test session's own
    /// bus (the system bus is not the tests' to write to).
    #[tokio::test]
    async fn a_wake_and_a_network_back_are_told_and_the_rest_is_not() {
        let bus = Connection::session().await.expect("the test session's D-Bus");
        let (sender, mut told) = tokio::sync::mpsc::unbounded_channel();
        let listening = bus.clone();
        let listener = tokio::spawn(async move {
            let _ = listen(&listening, move |waking| {
                let _ = sender.send(waking);
            })
            .await;
        });
        let system = Connection::session().await.expect("a second connection");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let login = ("/org/freedesktop/login1", "org.freedesktop.login1.Manager", "PrepareForSleep");
        let nm = ("/org/freedesktop/NetworkManager", "org.freedesktop.NetworkManager", "StateChanged");
        system.emit_signal(None::<&str>, login.0, login.1, login.2, &(true,)).await.unwrap();
        system.emit_signal(None::<&str>, nm.0, nm.1, nm.2, &(20u32,)).await.unwrap();
        system.emit_signal(None::<&str>, login.0, login.1, login.2, &(false,)).await.unwrap();
        system.emit_signal(None::<&str>, nm.0, nm.1, nm.2, &(CONNECTED,)).await.unwrap();
        let within = Duration::from_secs(5);
        let first = tokio::time::timeout(within, told.recv()).await.expect("told of the wake");
        let second = tokio::time::timeout(within, told.recv()).await.expect("told of the network");
        // Two streams, one per signal: their order between them is not kept.
        let told_of = [first, second];
        assert!(told_of.contains(&Some(Waking::Slept)) && told_of.contains(&Some(Waking::NetworkBack)), "{told_of:?}");
        assert!(told.try_recv().is_err(), "going to sleep and a network going away are not wakings");
        listener.abort();
    }
}

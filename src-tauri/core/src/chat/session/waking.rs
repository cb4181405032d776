//! Noticing that the computer slept (or the app was stopped), and starting the chat's
//! network work over when it wakes.
//!
//! No timer runs while a computer sleeps or a process is stopped: a still-here due in
//! 30 s may go out hours later, on another network, for a chat the cloud ended
//! meanwhile, while a long poll waits on a connection that went with the old network.
//! So a watch ticks every [`TICK`] and compares the time that passed, on the monotonic
//! clock and on the wall clock, with the tick: a stopped process shows on both, a
//! suspend only on the wall clock (Linux's monotonic clock stands still in it). The
//! shell adds the system's own signals (logind's PrepareForSleep, NetworkManager's
//! state) through [`Chat::woke`].

use std::sync::Weak;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::stamp::Stamp;
use super::{Chat, Shared};
use crate::device::clocks::{ClockMark, Waking};

/// How often the watch looks at the clocks.
const TICK: Duration = Duration::from_secs(2);

/// Tells chat `stamp` whenever the clocks show that time passed without it.
pub(super) async fn watch_the_clocks(shared: Weak<Shared>, stamp: Stamp, gap: Duration, cancel: CancellationToken) {
    loop {
        let mark = ClockMark::now();
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(TICK) => {}
        }
        let passed = mark.passed();
        if passed > TICK + gap {
            let Some(shared) = shared.upgrade() else { return };
            tracing::info!(away = ?passed, "the computer slept or the app was stopped");
            shared.woke(&stamp, Waking::Slept);
        }
    }
}

impl Shared {
    /// Chat `stamp`'s network work starts over now: the long poll on a new connection
    /// with its credentials asked for again, a still-here (and, if refused, the resume
    /// check), and the messages that wait for the network.
    pub(super) fn woke(&self, stamp: &Stamp, waking: Waking) {
        let mut inner = self.lock();
        let Some(live) = inner.current(stamp) else { return };
        live.woke.send_replace(Some(waking));
        live.outbox.wake.now.notify_one();
    }
}

impl Chat {
    /// The system says the computer woke, or that its network is back: the live chat,
    /// if any, reconnects now instead of at the end of a backoff.
    pub fn woke(&self, waking: Waking) {
        let stamp = self.shared.lock().live_stamp();
        if let Ok(stamp) = stamp {
            tracing::info!(?waking, "told by the system");
            self.shared.woke(&stamp, waking);
        }
    }
}

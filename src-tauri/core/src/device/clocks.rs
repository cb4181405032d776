//! Telling whether time passed without the app: a computer asleep or a process stopped
//! runs no timer, so a wait that overran by much is a waking.

use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

/// What the chat was told when it woke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Waking {
    /// The computer slept, or the app was stopped: the chat may have ended meanwhile.
    Slept,
    /// The system says the network is back (a new Wi-Fi, a cable).
    NetworkBack,
}

/// Both clocks at one moment, to tell later how much time passed, asleep or not.
pub struct ClockMark {
    monotonic: Instant,
    wall: SystemTime,
}

impl ClockMark {
    pub fn now() -> Self {
        Self { monotonic: Instant::now(), wall: SystemTime::now() }
    }

    /// The longer of the two clocks' counts. A wall clock set back is no sleep; one set
    /// forward by much looks like one, and costs only a reconnection.
    pub fn passed(&self) -> Duration {
        self.monotonic.elapsed().max(self.wall.elapsed().unwrap_or_default())
    }
}

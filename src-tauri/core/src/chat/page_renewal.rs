//! When the window's page starts over in a fresh web process, between two chats.
//!
//! A web engine's content process keeps what a chat's page allocated: emptied, or
//! reloaded in the same process, the page still weighs what its longest chat made it
//! weigh (docs/benchmarks.md: +35 MiB stays after a 5000-line chat). Only a new process
//! starts from the floor, and a new process also holds nothing of the last customer's
//! words. The core owns the transcript, so the new page loses nothing: it draws itself
//! from the core's snapshot, as at start.
//!
//! A kiosk renews its page for every new customer (privacy first). A desk renews it when
//! the customer comes back to a chat that ended long ago (nobody watches the page come
//! back), or once the page has shown enough lines to weigh what a renewal is worth
//! ([`RENEW_AFTER_LINES`]); otherwise a quick "new chat" keeps the page it has.

use std::time::Duration;

/// By the bench's 5000-line chat (+40 MiB while shown), a line costs about 8 KiB of web
/// heap that stays: 1000 lines is 8 MiB, which keeps a desk that never idles within the
/// week's goal of 10 MiB over its first chat.
pub const RENEW_AFTER_LINES: usize = 1000;

/// A chat that ended this long before *Start a new chat* was left, not just finished:
/// the customer has been elsewhere and a page coming back unseen costs them nothing.
pub const RENEW_AFTER_IDLE: Duration = Duration::from_secs(5 * 60);

/// Why the page is renewed (the log says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// A kiosk's next customer finds nothing of the last one, in memory either.
    NextKioskCustomer,
    /// The customer left the ended chat alone for [`RENEW_AFTER_IDLE`] or more.
    AfterIdle,
    /// The page has shown [`RENEW_AFTER_LINES`] lines since it was loaded.
    Grown,
}

/// What the page has carried since it was last loaded. One per window.
#[derive(Debug, Default)]
pub struct PageRenewal {
    lines_since_load: usize,
}

/// The chat the customer is leaving for a new one, as the renewal weighs it.
#[derive(Debug, Clone, Copy)]
pub struct LeftChat {
    pub kiosk: bool,
    /// The transcript's lines, the page's own included.
    pub lines: usize,
    /// Since the transcript's last line.
    pub idle: Duration,
}

impl PageRenewal {
    /// The customer leaves a chat for a new one: whether the page is renewed now. A
    /// renewal starts the count again (the new page carries nothing).
    pub fn chat_left(&mut self, chat: LeftChat) -> Option<Renewal> {
        self.lines_since_load += chat.lines;
        let renewal = if chat.kiosk {
            Some(Renewal::NextKioskCustomer)
        } else if chat.idle >= RENEW_AFTER_IDLE {
            Some(Renewal::AfterIdle)
        } else if self.lines_since_load >= RENEW_AFTER_LINES {
            Some(Renewal::Grown)
        } else {
            None
        };
        if renewal.is_some() {
            self.lines_since_load = 0;
        }
        renewal
    }
}

impl LeftChat {
    /// The idle time from the transcript's last line (milliseconds since the epoch) to
    /// `now_ms`; a clock set back reads as no idle time.
    pub fn idle_since(last_line_ms: Option<u64>, now_ms: u64) -> Duration {
        last_line_ms.map_or(Duration::ZERO, |at| Duration::from_millis(now_ms.saturating_sub(at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desk(lines: usize, idle_secs: u64) -> LeftChat {
        LeftChat { kiosk: false, lines, idle: Duration::from_secs(idle_secs) }
    }

    #[test]
    fn a_kiosk_renews_its_page_for_every_customer_however_short_the_chat() {
        let mut page = PageRenewal::default();
        for _ in 0..3 {
            let left = LeftChat { kiosk: true, lines: 1, idle: Duration::ZERO };
            assert_eq!(page.chat_left(left), Some(Renewal::NextKioskCustomer));
        }
    }

    #[test]
    fn a_desk_keeps_its_page_for_a_quick_new_chat_until_it_has_shown_a_thousand_lines() {
        let mut page = PageRenewal::default();
        for chat in 1..10 {
            assert_eq!(page.chat_left(desk(100, 10)), None, "chat {chat}");
        }
        assert_eq!(page.chat_left(desk(100, 10)), Some(Renewal::Grown));
        // The new page starts counting from nothing.
        assert_eq!(page.chat_left(desk(999, 10)), None);
        assert_eq!(page.chat_left(desk(1, 10)), Some(Renewal::Grown));
    }

    #[test]
    fn a_desk_renews_its_page_when_the_customer_comes_back_to_a_chat_left_alone() {
        let mut page = PageRenewal::default();
        assert_eq!(page.chat_left(desk(5, RENEW_AFTER_IDLE.as_secs() - 1)), None);
        assert_eq!(page.chat_left(desk(5, RENEW_AFTER_IDLE.as_secs())), Some(Renewal::AfterIdle));
    }

    #[test]
    fn idle_time_is_read_from_the_last_line_and_a_clock_set_back_is_no_idle_time() {
        assert_eq!(LeftChat::idle_since(Some(1_000), 61_000), Duration::from_secs(60));
        assert_eq!(LeftChat::idle_since(Some(61_000), 1_000), Duration::ZERO);
        assert_eq!(LeftChat::idle_since(None, 61_000), Duration::ZERO);
    }
}

//! How many desktop notifications a chat makes: the first agent line while the customer
//! is away shows at once; what follows within `gap` is folded into one update of the
//! same notification, counted ("3 new messages from Myles"), shown when the gap is over.
//! A burst of twenty lines makes two notifications, not twenty.
//!
//! Time is passed in, so the policy is tested without waiting.

use std::time::{Duration, Instant};

use xima_chat_core::Words;

/// What a notification says, before the core's notification text makes it safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub summary: String,
    pub body: String,
}

impl Notice {
    pub fn screen_asked(words: &Words) -> Self {
        Self {
            summary: words.say("appName", &[], || "Xima Chat".into()),
            body: words.say("screenAskedNotice", &[], || "The agent asked to see your screen.".into()),
        }
    }
}

pub struct Coalescer {
    gap: Duration,
    shown_at: Option<Instant>,
    /// Agent lines since the customer last looked: the attention's count, as told.
    unread: u32,
    /// Who wrote them: one name, or None once two agents did (a transfer).
    author: Option<String>,
    latest: String,
    /// Lines arrived that no notification has shown yet.
    pending: bool,
}

impl Coalescer {
    pub fn new(gap: Duration) -> Self {
        Self { gap, shown_at: None, unread: 0, author: None, latest: String::new(), pending: false }
    }

    /// The `unread`th line the customer has not seen, from `name`.
    pub fn agent_line(&mut self, name: &str, text: &str, unread: u32) {
        self.author = match (unread, self.author.take()) {
            (..=1, _) => Some(name.to_owned()),
            (_, Some(author)) if author == name => Some(author),
            _ => None,
        };
        self.unread = unread;
        self.latest = text.to_owned();
        self.pending = true;
    }

    /// The customer looked at the window: nothing is unseen any more, and nothing waits.
    pub fn seen(&mut self) {
        self.unread = 0;
        self.author = None;
        self.pending = false;
    }

    /// When the pending notice may be shown; None when nothing waits.
    pub fn due_at(&self) -> Option<Instant> {
        if !self.pending {
            return None;
        }
        self.shown_at.map(|shown| shown + self.gap)
    }

    /// The notice to show now, in `words`, if one waits and the gap since the last one is over.
    pub fn take_due(&mut self, now: Instant, words: &Words) -> Option<Notice> {
        if !self.pending || self.due_at().is_some_and(|due| now < due) {
            return None;
        }
        self.pending = false;
        self.shown_at = Some(now);
        let summary = match (&self.author, self.unread) {
            (Some(name), 1) => name.clone(),
            (Some(name), count) => {
                words.count("newMessagesFrom", count, &[("name", name)], || format!("{count} new messages from {name}"))
            }
            (None, count) => words.count("newMessages", count, &[], || format!("{count} new messages")),
        };
        Some(Notice { summary, body: self.latest.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAP: Duration = Duration::from_secs(4);

    fn english() -> Words {
        Words::english()
    }

    fn notice(summary: &str, body: &str) -> Option<Notice> {
        Some(Notice { summary: summary.into(), body: body.into() })
    }

    #[test]
    fn the_first_line_shows_at_once_and_a_burst_after_it_becomes_one_counted_update() {
        let start = Instant::now();
        let mut chat = Coalescer::new(GAP);
        chat.agent_line("Myles", "line 1", 1);
        assert_eq!(chat.take_due(start, &english()), notice("Myles", "line 1"));
        for n in 2..=20 {
            chat.agent_line("Myles", &format!("line {n}"), n as u32);
            assert_eq!(chat.take_due(start + Duration::from_millis(50 * n), &english()), None, "line {n} waits");
        }
        assert_eq!(chat.due_at(), Some(start + GAP));
        assert_eq!(chat.take_due(start + GAP, &english()), notice("20 new messages from Myles", "line 20"));
        assert_eq!(chat.take_due(start + GAP * 3, &english()), None, "nothing new, nothing shown");
        assert_eq!(chat.due_at(), None);
    }

    #[test]
    fn a_line_after_a_quiet_spell_shows_at_once_with_the_count_so_far() {
        let start = Instant::now();
        let mut chat = Coalescer::new(GAP);
        chat.agent_line("Myles", "Are you there?", 1);
        assert!(chat.take_due(start, &english()).is_some());
        chat.agent_line("Myles", "I can wait.", 2);
        assert_eq!(chat.take_due(start + GAP * 2, &english()), notice("2 new messages from Myles", "I can wait."));
    }

    #[test]
    fn looking_at_the_window_starts_the_count_again_and_drops_what_waited() {
        let start = Instant::now();
        let mut chat = Coalescer::new(GAP);
        chat.agent_line("Myles", "one", 1);
        chat.take_due(start, &english());
        chat.agent_line("Myles", "two", 2);
        chat.seen();
        assert_eq!(chat.take_due(start + GAP, &english()), None, "the customer read it in the window");
        chat.agent_line("Myles", "three", 1);
        assert_eq!(chat.take_due(start + GAP * 2, &english()), notice("Myles", "three"));
    }

    #[test]
    fn lines_from_two_agents_are_counted_without_a_name() {
        let start = Instant::now();
        let mut chat = Coalescer::new(GAP);
        chat.agent_line("Myles", "Let me transfer you.", 1);
        chat.take_due(start, &english());
        chat.agent_line("Ana", "Hi, Ana here.", 2);
        assert_eq!(chat.take_due(start + GAP, &english()), notice("2 new messages", "Hi, Ana here."));
    }
}

//! Whether the customer is looking, and how many agent messages they have not seen:
//! what the notifications and the tray's unread badge go by.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

#[derive(Debug)]
pub struct Attention {
    /// Kept up to date from window events; asking the window instead would block a
    /// worker thread on the main thread, which may itself be waiting for the worker.
    focused: AtomicBool,
    unread: AtomicU32,
}

impl Default for Attention {
    fn default() -> Self {
        Self {
            focused: AtomicBool::new(true),
            unread: AtomicU32::new(0),
        }
    }
}

impl Attention {
    pub fn is_focused(&self) -> bool {
        self.focused.load(Ordering::Relaxed)
    }

    /// Returns the unread count when it changed (the window came to the front with
    /// unread messages), so the badge is redrawn only then.
    pub fn focus_changed(&self, focused: bool) -> Option<u32> {
        self.focused.store(focused, Ordering::Relaxed);
        (focused && self.unread.swap(0, Ordering::Relaxed) > 0).then_some(0)
    }

    /// An agent message arrived; returns the new unread count if nobody was looking.
    pub fn agent_spoke(&self) -> Option<u32> {
        (!self.is_focused()).then(|| self.unread.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// A new chat starts with nothing unread.
    pub fn clear(&self) -> Option<u32> {
        (self.unread.swap(0, Ordering::Relaxed) > 0).then_some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_count_as_unread_only_while_the_window_is_in_the_background() {
        let attention = Attention::default();
        assert_eq!(attention.agent_spoke(), None, "seen as it arrived");
        assert_eq!(attention.focus_changed(false), None);
        assert_eq!(attention.agent_spoke(), Some(1));
        assert_eq!(attention.agent_spoke(), Some(2));
        assert_eq!(attention.focus_changed(true), Some(0), "looking clears the badge");
        assert_eq!(attention.focus_changed(false), None);
        assert_eq!(attention.focus_changed(true), None, "nothing to redraw");
        attention.focus_changed(false);
        attention.agent_spoke();
        assert_eq!(attention.clear(), Some(0));
        assert_eq!(attention.clear(), None);
    }
}

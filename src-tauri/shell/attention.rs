//! Whether the customer is looking, and how many agent messages they have not seen: the
//! one unread count, which the tray's badge shows and the notifications' summary says.
//!
//! The count is shown through a callback given at construction (the tray's badge), so
//! the window and the event forwarder that report focus and messages here need not
//! know where it is shown.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

pub struct Attention {
    /// Kept up to date from window events; asking the window instead would block a
    /// worker thread on the main thread, which may itself be waiting for the worker.
    focused: AtomicBool,
    unread: AtomicU32,
    /// Redraws the unread count; called only when it changed.
    show_unread: Box<dyn Fn(u32) + Send + Sync>,
}

impl Attention {
    pub fn new(show_unread: impl Fn(u32) + Send + Sync + 'static) -> Self {
        Self { focused: AtomicBool::new(true), unread: AtomicU32::new(0), show_unread: Box::new(show_unread) }
    }

    pub fn is_focused(&self) -> bool {
        self.focused.load(Ordering::Relaxed)
    }

    /// The window came to the front or went to the background; coming to the front
    /// clears the unread count.
    pub fn focus_changed(&self, focused: bool) {
        self.focused.store(focused, Ordering::Relaxed);
        if focused {
            self.clear();
        }
    }

    /// An agent message arrived; it counts as unread if nobody was looking. Returns
    /// the unread count it made, or None when it was seen as it arrived.
    pub fn agent_line(&self) -> Option<u32> {
        if self.is_focused() {
            return None;
        }
        let unread = self.unread.fetch_add(1, Ordering::Relaxed) + 1;
        (self.show_unread)(unread);
        Some(unread)
    }

    /// A new chat starts with nothing unread.
    pub fn clear(&self) {
        if self.unread.swap(0, Ordering::Relaxed) > 0 {
            (self.show_unread)(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn messages_count_as_unread_only_while_the_window_is_in_the_background() {
        let shown = Arc::new(Mutex::new(Vec::new()));
        let badge = shown.clone();
        let attention = Attention::new(move |unread| badge.lock().unwrap().push(unread));
        let redrawn = || -> Vec<u32> { std::mem::take(&mut *shown.lock().unwrap()) };

        assert_eq!(attention.agent_line(), None);
        assert!(redrawn().is_empty(), "seen as it arrived");
        attention.focus_changed(false);
        assert!(redrawn().is_empty());
        assert_eq!(attention.agent_line(), Some(1));
        assert_eq!(attention.agent_line(), Some(2));
        assert_eq!(redrawn(), [1, 2]);
        attention.focus_changed(true);
        assert_eq!(redrawn(), [0], "looking clears the badge");
        attention.focus_changed(false);
        attention.focus_changed(true);
        assert!(redrawn().is_empty(), "nothing to redraw");
        attention.focus_changed(false);
        attention.agent_line();
        attention.clear();
        assert_eq!(redrawn(), [1, 0]);
        attention.clear();
        assert!(redrawn().is_empty());
    }
}

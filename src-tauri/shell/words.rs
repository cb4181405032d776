//! The words of the window's language for what the app writes outside the window (the
//! tray, notifications, saved transcripts): English until the page lends its own
//! (`lend_words`), then the page's, replaced whole.

use std::sync::{Arc, PoisonError, RwLock};

use xima_chat_core::{LentWords, Words};

#[derive(Clone)]
pub struct SharedWords(Arc<RwLock<Arc<Words>>>);

impl SharedWords {
    pub fn english() -> Self {
        Self(Arc::new(RwLock::new(Arc::new(Words::english()))))
    }

    /// The words lent last (English before any).
    pub fn current(&self) -> Arc<Words> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub fn lend(&self, lent: LentWords) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(lent.into());
    }
}

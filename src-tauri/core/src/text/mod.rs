//! Words for people, knowing nothing of chats or clouds: the catalogue the window lends
//! ([`words`]), a line of someone's text made safe to show on one line
//! ([`notification_text`]), and UTC times read and written without a time-zone database
//! ([`utc`]). The bottom of the core: it imports nothing from the crate.

pub(crate) mod notification_text;
pub(crate) mod utc;
pub(crate) mod words;

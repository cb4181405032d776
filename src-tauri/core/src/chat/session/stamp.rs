//! Which chat a piece of work belongs to. Every open chat gets a new generation; work
//! that finishes after an await (a delivery, an upload, a still-here, a message from the
//! queue) carries the stamp of the chat it began in and is applied only if that chat is
//! still the one on screen, so a late result never lands in the next customer's chat.

use crate::wire::protocol::SessionId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stamp {
    pub id: SessionId,
    pub generation: u64,
}

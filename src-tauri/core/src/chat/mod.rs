//! The chat: [`session`] (the [`Chat`](session::Chat) the shell drives), its state
//! machine ([`lifecycle`]), what was said ([`transcript`]), what it saves ([`store`]),
//! what it reports ([`events`]), when the window's page starts over in a
//! fresh process ([`page_renewal`]), and its transcript as a file ([`export`]) with the
//! agents' pictures ([`avatar`]). The top of the core: everything below serves it.

pub(crate) mod avatar;
pub(crate) mod events;
pub(crate) mod export;
pub(crate) mod lifecycle;
pub(crate) mod page_renewal;
pub(crate) mod session;
pub(crate) mod store;
pub(crate) mod transcript;

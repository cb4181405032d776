//! Xima's Web Chat Cloud API as it travels: the wire types ([`protocol`], read through
//! [`lenient`]), the HTTP client of every endpoint ([`cloud`], with its [`cookies`]), the
//! SQS side ([`credentials`], the [`inbox`] and its [`dedupe`]), the retry pacing of both
//! ([`backoff`]) and the field diagnosis ([`wire_log`]). It imports [`crate::network`],
//! [`crate::device`] and [`crate::text`], never the chat above it.

pub(crate) mod backoff;
pub(crate) mod cloud;
pub(crate) mod cookies;
pub(crate) mod credentials;
pub(crate) mod dedupe;
pub(crate) mod inbox;
pub(crate) mod lenient;
pub(crate) mod protocol;
pub(crate) mod wire_log;

#[cfg(test)]
mod spec_examples;

//! This computer: its files only the user may read ([`private_fs`], [`data_dir_lock`]),
//! its keychain ([`keychain`]), its screens ([`capture`]), its clocks across a sleep
//! ([`clocks`]), the links the desktop hands the app ([`deeplink`]), the facts about it a
//! custom field may share ([`facts`]), and [`secret`], the string that never prints. It imports only [`crate::text`].

pub mod capture;
pub(crate) mod clocks;
pub(crate) mod data_dir_lock;
pub mod deeplink;
pub(crate) mod facts;
pub(crate) mod keychain;
pub(crate) mod private_fs;
pub(crate) mod secret;

//! Logs go to standard error and, for the window, to a daily-rotated file in the
//! platform's log dir, where a help desk asks for them. `XIMA_LOG` sets the filter
//! (`info` by default, `debug` for a support case). Secrets never reach a log: the core
//! keeps them in `Secret`, whose `Debug` prints a placeholder.

use std::path::Path;

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// A week of logs is enough to cover a ticket raised days after the chat.
const KEPT_LOG_FILES: usize = 7;

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("XIMA_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Standard error only: the administrator's subcommands.
pub fn to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        .try_init();
}

/// Standard error and a rotating file in `dir`. A dir that cannot be written is not a
/// reason to refuse the customer a chat: the app then logs to standard error only.
pub fn to_stderr_and_file(dir: &Path) {
    // The appender prunes old files at start and complains when the dir is not there.
    let _ = std::fs::create_dir_all(dir);
    let file = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("xima-chat")
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(dir);
    let (file_layer, file_error) = match file {
        // Written synchronously: the volume is a few lines a minute, and nothing is
        // left in a buffer when the event loop ends the process.
        Ok(file) => (Some(fmt::layer().with_ansi(false).with_writer(file).with_filter(filter())), None),
        Err(error) => (None, Some(error)),
    };
    let stderr_layer = fmt::layer().with_writer(std::io::stderr).with_filter(filter());
    let _ = tracing_subscriber::registry().with(stderr_layer).with(file_layer).try_init();
    match file_error {
        None => tracing::info!(dir = %dir.display(), "logging to a file"),
        Some(error) => tracing::warn!(dir = %dir.display(), %error, "cannot log to a file; standard error only"),
    }
}

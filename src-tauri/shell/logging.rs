//! Logs go to standard error and, for the window, to a daily-rotated file in the
//! platform's log dir, where a help desk asks for them. `XIMA_LOG` sets the filter
//! (`info` by default, `debug` for a support case). Secrets never reach a log: the core
//! keeps them in `Secret`, whose `Debug` prints a placeholder.
//!
//! Customer data is kept out in three more ways: a bare level in `XIMA_LOG` applies to
//! our crates only (at trace, aws-smithy logs SQS bodies: the agent's words); control
//! characters in what is logged are escaped, so an agent's text or a server's error body
//! cannot forge a log line or drive the terminal; and the log dir is owner-only.

use std::fmt::Display;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tracing::level_filters::LevelFilter;
use tracing::Metadata;
use tracing_appender::rolling::{InitError, RollingFileAppender, Rotation};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// A week of logs is enough to cover a ticket raised days after the chat.
const KEPT_LOG_FILES: usize = 7;

/// The targets a bare level in `XIMA_LOG` (`debug`, `trace`) is about.
const OUR_CRATES: [&str; 2] = ["xima_chat_core", "xima_chat_desktop"];

/// What every other crate logs unless `XIMA_LOG` names it.
const OTHERS: LevelFilter = LevelFilter::WARN;

fn filter() -> EnvFilter {
    let spec = std::env::var("XIMA_LOG").unwrap_or_default();
    EnvFilter::try_new(filter_directives(&spec)).unwrap_or_else(|_| EnvFilter::new(filter_directives("")))
}

/// `XIMA_LOG` as `EnvFilter` directives. A bare level (`trace`) is for our crates, the
/// rest stay at `warn` (or quieter, for `error` or `off`); a directive naming a target
/// (`aws_smithy_http=debug`) is kept as written, and wins over the bare level for the
/// crate it names.
fn filter_directives(spec: &str) -> String {
    let directives: Vec<&str> = spec.split(',').map(str::trim).filter(|d| !d.is_empty()).collect();
    let ours = directives.iter().rev().find_map(|d| d.parse::<LevelFilter>().ok()).unwrap_or(LevelFilter::INFO);
    let named: Vec<&str> = directives.iter().copied().filter(|d| d.parse::<LevelFilter>().is_err()).collect();
    let mut filter = vec![ours.min(OTHERS).to_string().to_lowercase()];
    filter.extend(
        OUR_CRATES
            .iter()
            .filter(|krate| !named.iter().any(|directive| directive_target(directive) == **krate))
            .map(|krate| format!("{krate}={}", ours.to_string().to_lowercase())),
    );
    filter.extend(named.iter().map(|directive| directive.to_string()));
    filter.join(",")
}

/// `aws_smithy_http` in `aws_smithy_http[span]=debug`.
fn directive_target(directive: &str) -> &str {
    directive.split(['=', '[']).next().unwrap_or_default().trim()
}

/// Standard error only: the administrator's subcommands.
pub fn to_stderr() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_ansi(false)
        .with_writer(EscapingControls(io::stderr))
        .try_init();
}

/// Standard error and a rotating file in `dir`. A dir that cannot be written, or no
/// dir at all (no home folder), is not a reason to refuse the customer a chat: the app
/// then logs to standard error only.
pub fn to_stderr_and_file(dir: Result<PathBuf, impl Display>) {
    let dir = match dir {
        Ok(dir) => dir,
        Err(no_home) => {
            to_stderr();
            tracing::warn!(%no_home, "cannot log to a file; standard error only");
            return;
        }
    };
    let (file_layer, file_error) = match open_log_file(&dir) {
        // Written synchronously: the volume is a few lines a minute, and nothing is
        // left in a buffer when the event loop ends the process.
        Ok(file) => (Some(plain_layer(file).with_filter(filter())), None),
        Err(error) => (None, Some(error)),
    };
    // No colours: their escape codes would be escaped like anyone else's.
    let stderr_layer = plain_layer(io::stderr).with_filter(filter());
    let _ = tracing_subscriber::registry().with(stderr_layer).with(file_layer).try_init();
    match file_error {
        None => tracing::info!(dir = %dir.display(), "logging to a file"),
        Some(error) => tracing::warn!(dir = %dir.display(), %error, "cannot log to a file; standard error only"),
    }
}

fn plain_layer<S, M>(writer: M) -> fmt::Layer<S, fmt::format::DefaultFields, fmt::format::Format, EscapingControls<M>>
where
    M: for<'a> MakeWriter<'a> + 'static,
{
    fmt::layer().with_ansi(false).with_writer(EscapingControls(writer))
}

#[derive(Debug, thiserror::Error)]
enum LogFileError {
    #[error("cannot make the log folder owner-only: {0}")]
    Folder(#[source] io::Error),
    #[error(transparent)]
    Appender(#[from] InitError),
}

/// The daily file in `dir`, made owner-only first. The appender creates its files with
/// the process's umask (0644 under 022) and offers no way to set their mode, so the
/// 0700 dir is what keeps other users out of them.
fn open_log_file(dir: &Path) -> Result<RollingFileAppender, LogFileError> {
    xima_chat_core::create_private_dir(dir).map_err(LogFileError::Folder)?;
    Ok(RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("xima-chat")
        .filename_suffix("log")
        .max_log_files(KEPT_LOG_FILES)
        .build(dir)?)
}

/// A `MakeWriter` whose writers escape control characters (see [`escape_controls`]).
struct EscapingControls<M>(M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for EscapingControls<M> {
    type Writer = EscapingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapingWriter(self.0.make_writer())
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        EscapingWriter(self.0.make_writer_for(meta))
    }
}

/// The formatter writes each event in one call, newline included, so every write is one
/// whole line.
struct EscapingWriter<W>(W);

impl<W: Write> Write for EscapingWriter<W> {
    fn write(&mut self, line: &[u8]) -> io::Result<usize> {
        self.0.write_all(&escape_controls(line))?;
        Ok(line.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// Escapes every control character but the line's final newline: `\n`, `\r` and `\t`
/// as such, others as `\x1b` (C0, DEL) or `\u{9b}` (C1), bytes that are not UTF-8 as
/// `\xff`. What is left is one line, printable, whatever the fields held.
fn escape_controls(line: &[u8]) -> Vec<u8> {
    let (body, newline) = match line.strip_suffix(b"\n") {
        Some(body) => (body, "\n"),
        None => (line, ""),
    };
    let mut escaped = String::with_capacity(line.len());
    for chunk in body.utf8_chunks() {
        chunk.valid().chars().for_each(|c| push_escaped(&mut escaped, c));
        chunk.invalid().iter().for_each(|byte| escaped.push_str(&format!("\\x{byte:02x}")));
    }
    escaped.push_str(newline);
    escaped.into_bytes()
}

fn push_escaped(escaped: &mut String, c: char) {
    match c {
        '\n' => escaped.push_str("\\n"),
        '\r' => escaped.push_str("\\r"),
        '\t' => escaped.push_str("\\t"),
        c if c.is_ascii_control() => escaped.push_str(&format!("\\x{:02x}", u32::from(c))),
        c if c.is_control() => escaped.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        c => escaped.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_level_is_for_our_crates_and_everything_else_stays_at_warn() {
        assert_eq!(filter_directives(""), "warn,xima_chat_core=info,xima_chat_desktop=info");
        assert_eq!(filter_directives("trace"), "warn,xima_chat_core=trace,xima_chat_desktop=trace");
        assert_eq!(filter_directives(" debug "), "warn,xima_chat_core=debug,xima_chat_desktop=debug");
        assert_eq!(
            filter_directives("error"),
            "error,xima_chat_core=error,xima_chat_desktop=error",
            "quieter is quieter everywhere"
        );
    }

    #[test]
    fn a_named_third_party_target_is_kept_as_written() {
        assert_eq!(
            filter_directives("trace,aws_smithy_http=debug"),
            "warn,xima_chat_core=trace,xima_chat_desktop=trace,aws_smithy_http=debug"
        );
        assert_eq!(
            filter_directives("aws_smithy_runtime[invoke]=trace"),
            "warn,xima_chat_core=info,xima_chat_desktop=info,aws_smithy_runtime[invoke]=trace"
        );
    }

    #[test]
    fn naming_one_of_our_crates_wins_over_the_bare_level() {
        assert_eq!(
            filter_directives("trace,xima_chat_core=info,xima_chat_core::inbox=debug"),
            "warn,xima_chat_desktop=trace,xima_chat_core=info,xima_chat_core::inbox=debug"
        );
    }

    #[test]
    fn every_filter_built_is_one_env_filter_accepts() {
        for spec in ["", "trace", "off", "trace,aws_smithy_http=debug", "xima_chat_core::inbox[poll]=trace"] {
            assert!(EnvFilter::try_new(filter_directives(spec)).is_ok(), "{spec:?}");
        }
    }

    #[test]
    fn an_agents_text_cannot_forge_a_log_line_or_drive_the_terminal() {
        let mut written = Vec::new();
        let line = "INFO message text=\"hi\n2026-01-01 INFO forged\r\u{1b}[2J\u{9b}31m\tok\u{7f}\"\n";
        EscapingWriter(&mut written).write_all(line.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(written).unwrap(),
            "INFO message text=\"hi\\n2026-01-01 INFO forged\\r\\x1b[2J\\u{9b}31m\\tok\\x7f\"\n"
        );
    }

    #[test]
    fn plain_text_and_its_final_newline_pass_unchanged() {
        let mut written = Vec::new();
        let line = "INFO Zoë said “merci” 👍\n";
        EscapingWriter(&mut written).write_all(line.as_bytes()).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), line);
        assert_eq!(escape_controls(b"no newline \xff"), b"no newline \\xff");
    }

    #[test]
    fn a_logged_field_with_a_newline_stays_on_one_line() {
        use std::sync::{Arc, Mutex};
        let written = Arc::new(Mutex::new(Vec::new()));
        let sink = written.clone();
        let make_writer = move || SharedBuffer(sink.clone());
        let subscriber = tracing_subscriber::registry().with(plain_layer(make_writer));
        tracing::subscriber::with_default(subscriber, || {
            // As `%error` logs a server's error body: displayed, not quoted.
            let body = "boom\nERROR forged";
            tracing::warn!(detail = %body, "cloud refused");
        });
        let text = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("boom\\nERROR forged"), "{text}");
    }

    struct SharedBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for SharedBuffer {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().write(bytes)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_log_file_is_out_of_other_users_reach_even_in_a_dir_an_administrator_made() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let nanos = std::time::UNIX_EPOCH.elapsed().unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("xima-logs-{}-{nanos}", std::process::id()));
        // `mkdir /var/log/xima-chat` under a 022 umask.
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();

        let appender = open_log_file(&dir).unwrap();
        EscapingControls(appender).make_writer().write_all(b"INFO a line\n").unwrap();

        let files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().path()).collect();
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(std::fs::read_to_string(&files[0]).unwrap(), "INFO a line\n");
        assert_eq!(mode(&dir), 0o700, "group and others cannot reach {}", files[0].display());
        std::fs::remove_dir_all(dir).unwrap();
    }
}

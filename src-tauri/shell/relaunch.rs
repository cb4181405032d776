//! A launch that finds another instance hands its arguments over and exits. If that
//! instance is itself quitting at that moment (the customer closed it and started the
//! app again at once), the handover fails; this launch then starts over, by when the
//! old instance is gone and this one becomes the instance.

use std::process::{Command, ExitCode};
use std::time::Duration;

const ATTEMPT: &str = "XIMA_HANDOVER_ATTEMPT";
const MAX_ATTEMPTS: u32 = 5;
const PAUSE: Duration = Duration::from_millis(300);

pub fn after_failed_handover(reason: &str) -> ExitCode {
    let attempt: u32 = std::env::var(ATTEMPT).ok().and_then(|value| value.parse().ok()).unwrap_or(0);
    if attempt >= MAX_ATTEMPTS {
        eprintln!("error: another Xima Chat is running but does not answer: {reason}");
        return ExitCode::FAILURE;
    }
    tracing::info!(attempt, reason, "the running instance went away during the handover; starting again");
    std::thread::sleep(PAUSE);
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("error: cannot start again: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut again = Command::new(exe);
    again.args(std::env::args_os().skip(1)).env(ATTEMPT, (attempt + 1).to_string());
    run(again)
}

#[cfg(unix)]
fn run(mut command: Command) -> ExitCode {
    use std::os::unix::process::CommandExt;
    // Replaces this process, so whoever started the app keeps waiting on the same pid.
    let error = command.exec();
    eprintln!("error: cannot start again: {error}");
    ExitCode::FAILURE
}

#[cfg(not(unix))]
fn run(mut command: Command) -> ExitCode {
    match command.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: cannot start again: {error}");
            ExitCode::FAILURE
        }
    }
}

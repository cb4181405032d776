//! A virtual screen for the tests that capture one.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Capture reads DISPLAY from the process environment, which tests running in parallel
/// share: whoever changes it holds this (across awaits, hence tokio's mutex).
pub static DISPLAY_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// An Xvfb server of a given size, stopped on drop.
pub struct VirtualScreen {
    process: Child,
    number: u32,
    previous: Option<String>,
}

impl VirtualScreen {
    pub fn start(width: u32, height: u32) -> Self {
        let number = (200..400)
            .find(|n| {
                !std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free display number");
        let process = Command::new("Xvfb")
            .args([
                format!(":{number}"),
                "-screen".into(),
                "0".into(),
                format!("{width}x{height}x24"),
                "-nolisten".into(),
                "tcp".into(),
                "-noreset".into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is installed (tests/run.sh installs it)");
        // Ready when a client can connect, which is later than the socket appearing.
        let deadline = Instant::now() + Duration::from_secs(10);
        let ready = || {
            Command::new("xdpyinfo")
                .args(["-display", &format!(":{number}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        };
        while !ready() {
            assert!(Instant::now() < deadline, "Xvfb :{number} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let previous = std::env::var("DISPLAY").ok();
        std::env::set_var("DISPLAY", format!(":{number}"));
        Self { process, number, previous }
    }
}

impl Drop for VirtualScreen {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        // A killed Xvfb cannot remove its lock and socket; left behind, they would use up
        // the display numbers after a few hundred screens on a machine that is kept.
        let _ = std::fs::remove_file(format!("/tmp/.X{}-lock", self.number));
        let _ = std::fs::remove_file(format!("/tmp/.X11-unix/X{}", self.number));
        match &self.previous {
            Some(display) => std::env::set_var("DISPLAY", display),
            None => std::env::remove_var("DISPLAY"),
        }
    }
}

//! The core's integration tests, in one binary (one link of the AWS SDK, not one per
//! suite): each module is a suite, against moto and the cloud simulator that
//! `tests/harness/services.py` starts (`tests/run.sh` does). [`support`] holds what they
//! share: the simulator's admin calls, a chat wired to both, a cuttable proxy, a
//! virtual screen.

mod support;

mod chat_faults;
mod chat_lifecycle;
mod corporate_network;
// A GNOME desktop's proxy settings and a Wayland desktop are Linux's, a process stopped
// by a signal is Unix's: elsewhere these suites are not built.
#[cfg(target_os = "linux")]
mod desktop_proxy;
mod dialects;
mod kiosk_wipe;
mod network_drop;
mod screenshots;
mod session_integrity;
#[cfg(unix)]
mod sleep_and_wake;
#[cfg(target_os = "linux")]
mod wayland_capture;

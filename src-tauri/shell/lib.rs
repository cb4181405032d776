//! Xima Chat Desktop: a thin Tauri shell over `xima-chat-core`.
//!
//! - `cli`: flags, `XIMA_*` variables and which subcommand to run
//! - `admin`, `doctor`: the administrator's subcommands (keychain entries; a deployment's checks)
//! - `logging`: standard error and the rotating log file
//! - `app_state`: what lives between commands
//! - `command_list`, `commands`: the commands the window may invoke, named once
//! - `events`: the core's events, forwarded to the window as one `chat` event
//! - `attention`, `tray`: unread messages while the window is in the background
//! - `notices`: desktop notifications while the customer looks elsewhere, folded
//! - `tray_host`: whether the desktop shows tray icons at all
//! - `navigation`: the window stays on the app's own pages
//! - `window`: bringing the window back, remembering its place, what closing it means
//! - `kiosk`: a kiosk's window
//! - `deeplink`: `xima-chat://` deep links that pre-fill the form
//! - `login`: start at login
//! - `relaunch`: a second launch whose handover failed starts over
//! - `portal_parent`: the window named as the parent of the desktop's screenshot dialog
//! - `owned_task`: background work with an owner, cancelled when the owner lets go
//! - `system_waking`: logind's and NetworkManager's word that the computer woke (Linux)
//! - `words`: the window's words, lent for the tray, the notifications and saved transcripts
//! - `error`: the one error type, serialised as `{code, message}`

#[macro_use]
mod command_list;

mod admin;
mod app_state;
mod attention;
mod cli;
mod commands;
mod deeplink;
mod doctor;
mod error;
mod events;
mod kiosk;
mod logging;
mod login;
mod navigation;
mod notices;
mod owned_task;
mod page_renewal;
mod portal_parent;
mod relaunch;
#[cfg(target_os = "linux")]
mod system_waking;
mod tray;
mod tray_host;
mod window;
mod words;

use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tauri::webview::PageLoadEvent;
use tauri::Manager;
use xima_chat_core::deeplink::{ChatLink, LinkError};
use xima_chat_core::{AppConfig, EventSink};

use crate::app_state::AppState;
use crate::attention::Attention;
use crate::cli::Command;
use crate::events::WindowEvents;
use crate::notices::Notices;
use crate::tray_host::TrayHost;
use crate::window::GeometrySaver;
use crate::words::SharedWords;

/// When the process started, for the start-up time in the log.
static STARTED: OnceLock<Instant> = OnceLock::new();

fn since_start_ms() -> u128 {
    STARTED.get().map_or(0, |started| started.elapsed().as_millis())
}

pub fn main() -> ExitCode {
    STARTED.get_or_init(Instant::now);
    webkit_without_compositing();
    owner_only_files();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, config, files) = match cli::parse(&args) {
        Ok(parsed) => parsed,
        // Started from a menu, nobody reads standard error: the window opens and says it.
        Err(cli::CliError::Config(error)) if cli::opens_the_window(&args) => {
            eprintln!("error: {error}");
            let problem = error.to_string();
            let config = AppConfig::default();
            logging::to_stderr_and_file(config.log_dir());
            return run_window(config, cli::SettingsFiles::default(), None, Some(problem));
        }
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Window { chat } => {
            logging::to_stderr_and_file(config.log_dir());
            if !files.overruled.is_empty() {
                tracing::warn!(keys = ?files.overruled, "locked by the computer's settings file: what else set them is ignored");
            }
            run_window(config, files, chat, None)
        }
        Command::ApiKeySet => {
            logging::to_stderr();
            admin::api_key_set(&config)
        }
        Command::ApiKeyClear => {
            logging::to_stderr();
            admin::api_key_clear(&config)
        }
        Command::ProxyPasswordSet => {
            logging::to_stderr();
            admin::proxy_password_set(&config)
        }
        Command::ProxyPasswordClear => {
            logging::to_stderr();
            admin::proxy_password_clear(&config)
        }
        Command::Doctor => {
            logging::to_stderr();
            doctor::run(&config, &files)
        }
        Command::Help => {
            print!("{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        Command::Version => {
            println!("xima-chat {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
    }
}

/// Everything the app creates (logs, whose appender has no mode setting, saved
/// transcripts, window state, the config) is its user's alone: customer data never
/// lands world-readable under an administrator's `/var/log/xima-chat` or `/srv`.
fn owner_only_files() {
    // SAFETY: umask only swaps the process's file-creation mask; it cannot fail.
    #[cfg(unix)]
    unsafe {
        libc::umask(0o077);
    }
}

/// WebKitGTK draws the page through GL when it may (its compositing mode). Without a GPU
/// (a kiosk, a VM, Xvfb) that GL is Mesa's software renderer inside the web process, 60
/// MiB of its memory (162 → 100 MiB PSS, `tests/bench/run.sh --only memory`) for a page
/// of text bubbles with nothing to accelerate. The environment variable rather than WebKit's
/// hardware-acceleration setting: set on the webview, which has begun loading by then,
/// the setting left the page unloaded under sway (the Wayland end-to-end test). Off
/// unless the user set the variable themselves (`WEBKIT_DISABLE_COMPOSITING_MODE=0`
/// keeps GL). Set first thing, before any thread exists to read the environment.
fn webkit_without_compositing() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

/// The commands only a desk user's window is granted (tauri.conf.json grants the rest to
/// every window): a kiosk's customer cannot reach them even by calling them by hand.
const DESK_CAPABILITY: &str = include_str!("../desk-capability.json");

/// The window's command handler, from the one list in `command_list.rs`.
macro_rules! handler {
    ($($name:ident),*) => {
        tauri::generate_handler![$(commands::$name),*]
    };
}

/// The window; with a `config_problem` (the file could not be read) it opens on the
/// settings screen saying so, and no chat can start.
fn run_window(
    config: AppConfig,
    files: cli::SettingsFiles,
    chat: Option<Result<ChatLink, LinkError>>,
    config_problem: Option<String>,
) -> ExitCode {
    let kiosk = config.kiosk.clone();
    let start_at_login = config.start_at_login;
    let data_dir = config.data_dir();
    let language = config.language_tag().map(str::to_owned);
    let mut builder = tauri::Builder::default()
        // First: a second launch hands its arguments to this one and exits before
        // anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            window::bring_to_front(app);
            deeplink::hand_over(app, cli::chat_request(args.get(1..).unwrap_or_default()));
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_autostart::init(tauri_plugin_autostart::MacosLauncher::LaunchAgent, None));
    #[cfg(not(target_os = "linux"))]
    {
        builder = builder.plugin(tauri_plugin_notification::init());
    }
    if !kiosk.enabled {
        // A kiosk is always fullscreen; a desk user's window comes back where they left it.
        builder =
            builder.plugin(tauri_plugin_window_state::Builder::new().with_state_flags(window::REMEMBERED).build());
    }
    let app = builder
        .setup(move |app| {
            if !kiosk.enabled {
                app.add_capability(DESK_CAPABILITY)?;
            }
            let main = window::create(app.handle(), language.as_deref())?;
            // With "window interactive": how the start divides between making the window
            // (GTK, WebKit's context and network process) and its page loading.
            tracing::info!(since_start_ms = since_start_ms(), "window created");
            // English until the page lends its language's words (lend_words).
            let words = SharedWords::english();
            app.manage(words.clone());
            app.manage(page_renewal::WindowPage::new(language.clone()));
            let badge = Arc::new(tray::UnreadBadge::new(app.handle().clone()));
            // A kiosk has no tray; a desk's icon is built once the page has loaded.
            let tray_host = (!kiosk.enabled).then(|| Arc::new(TrayHost::follow()));
            if let Some(host) = &tray_host {
                app.manage(tray::PendingTray::new(host.clone(), badge.clone()));
            }
            let notices = Arc::new(Notices::start(app.handle().clone(), words));
            let seen = notices.clone();
            let attention = Arc::new(Attention::new(move |unread| {
                badge.show(unread);
                if unread == 0 {
                    seen.seen();
                }
            }));
            let behaviour = window::Behaviour { remember_place: !kiosk.enabled, tray: tray_host };
            window::watch(&main, attention.clone(), behaviour);
            if kiosk.enabled {
                kiosk::take_over_screen(&main, kiosk.fullscreen);
            }
            let events: Arc<dyn EventSink> = Arc::new(WindowEvents::new(app.handle().clone(), attention, notices));
            let state = match config_problem {
                Some(problem) => AppState::with_broken_config(files, events, problem),
                None => AppState::new(config, files, events),
            };
            state.resume_last_chat();
            app.manage(state);
            #[cfg(target_os = "linux")]
            app.manage(system_waking::follow(app.handle().clone()));
            login::sync(app.handle(), start_at_login);
            deeplink::listen(app.handle());
            deeplink::hand_over(app.handle(), chat);
            Ok(())
        })
        .on_page_load(|webview, payload| {
            if !matches!(payload.event(), PageLoadEvent::Finished) {
                return;
            }
            if webview.label() == window::MAIN {
                tracing::info!(since_start_ms = since_start_ms(), "window interactive");
            }
            tray::PendingTray::after_page_load(webview.app_handle());
        })
        .invoke_handler(app_commands!(handler))
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(tauri::Error::PluginInitialization(plugin, reason)) if plugin == "single-instance" => {
            return relaunch::after_failed_handover(&reason);
        }
        Err(error) => {
            eprintln!("error: the window could not be created: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Held until the process ends. Taken only now: a second launch in this desktop has
    // handed its link over and exited in `build`; one still here (another user session,
    // or a failed handover) would split the chat's queue with us. The patience covers
    // an app the customer just closed that is still exiting.
    let patience = std::time::Duration::from_secs(3);
    let _data_dir_lock = match data_dir
        .map_err(xima_chat_core::DataDirLockError::from)
        .and_then(|dir| xima_chat_core::DataDirLock::acquire_within(&dir, patience))
    {
        Ok(lock) => lock,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            if let Some(geometry) = handle.try_state::<GeometrySaver>() {
                geometry.cancel();
            }
            // Stop polling but keep the session: the next start resumes it.
            if let Some(state) = handle.try_state::<AppState>() {
                tauri::async_runtime::block_on(state.shutdown());
            }
        }
    });
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    macro_rules! names {
        ($($name:ident),*) => {
            &[$(stringify!($name)),*]
        };
    }
    const COMMANDS: &[&str] = app_commands!(names);

    fn granted(capability: &serde_json::Value) -> Vec<String> {
        capability["permissions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|permission| permission.as_str()?.strip_prefix("allow-"))
            .map(|command| command.replace('-', "_"))
            .collect()
    }

    /// tauri.conf.json's capability and the desk's must together grant what the handler
    /// serves, each command once: a command left out is refused at run time, with
    /// nothing at build time to say so.
    #[test]
    fn the_window_is_granted_exactly_the_commands_the_app_has() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json is JSON");
        let desk: serde_json::Value =
            serde_json::from_str(super::DESK_CAPABILITY).expect("the desk capability is JSON");
        let capabilities = conf["app"]["security"]["capabilities"].as_array().expect("capabilities");
        let every_window: Vec<String> = capabilities.iter().flat_map(granted).collect();
        let desk_only = granted(&desk);
        let mut all: Vec<String> = every_window.iter().chain(&desk_only).cloned().collect();
        let mut commands: Vec<String> = COMMANDS.iter().map(|name| name.to_string()).collect();
        all.sort();
        commands.sort();
        assert_eq!(all, commands, "the allow-<command> permissions, each granted once");
        for admin in
            ["save_settings", "set_api_key", "clear_api_key", "open_link", "save_transcript", "transcript_text"]
        {
            assert!(!every_window.contains(&admin.to_owned()), "{admin} is granted to a kiosk's window");
        }
    }
}

//! Xima Chat Desktop: a thin Tauri shell over `xima-chat-core`.
//!
//! - `cli`: flags and the administrator's subcommands
//! - `logging`: standard error and the rotating log file
//! - `app_state`: what lives between commands
//! - `commands`: what the window may invoke
//! - `events`: the core's events, forwarded to the window
//! - `attention`, `tray`: unread messages while the window is in the background
//! - `window`: bringing the window back, and what closing it means
//! - `kiosk`: a kiosk's window
//! - `links`: `xima-chat://` links that pre-fill the form
//! - `login`: start at login
//! - `relaunch`: a second launch whose handover failed starts over
//! - `error`: the one error type, serialised as `{code, message}`

mod app_state;
mod attention;
mod cli;
mod commands;
mod error;
mod events;
mod kiosk;
mod links;
mod logging;
mod login;
mod relaunch;
mod tray;
mod window;

use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use tauri::webview::PageLoadEvent;
use tauri::Manager;
use xima_chat_core::{AppConfig, EventSink};

use crate::app_state::AppState;
use crate::attention::Attention;
use crate::cli::Command;
use crate::events::WindowEvents;

pub use events::event_name;

/// When the process started, for the start-up time in the log.
static STARTED: OnceLock<Instant> = OnceLock::new();

pub fn main() -> ExitCode {
    STARTED.get_or_init(Instant::now);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, config, config_path) = match cli::parse(&args) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Window { link } => {
            logging::to_stderr_and_file(&config.log_dir());
            run_window(config, config_path, link)
        }
        Command::ApiKeySet => {
            logging::to_stderr();
            cli::api_key_set(&config)
        }
        Command::ApiKeyClear => {
            logging::to_stderr();
            cli::api_key_clear(&config)
        }
        Command::Doctor => {
            logging::to_stderr();
            cli::doctor(&config)
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

fn run_window(config: AppConfig, config_path: Option<std::path::PathBuf>, link: Option<String>) -> ExitCode {
    let kiosk = config.kiosk.clone();
    let start_at_login = config.start_at_login;
    let mut builder = tauri::Builder::default()
        // First: a second launch hands its arguments to this one and exits before
        // anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            window::bring_to_front(app);
            for link in links::in_arguments(&args) {
                links::open(app, link);
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ));
    if !kiosk.enabled {
        // A kiosk is always fullscreen; a desk user's window comes back where they left it.
        builder = builder.plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(window::REMEMBERED)
                .build(),
        );
    }
    let app = builder
        .setup(move |app| {
            let attention = Arc::new(Attention::default());
            if let Some(main) = app.get_webview_window(window::MAIN) {
                window::watch(&main, attention.clone(), !kiosk.enabled);
                if kiosk.enabled {
                    kiosk::take_over_screen(&main, kiosk.fullscreen);
                }
            }
            let events: Arc<dyn EventSink> = Arc::new(WindowEvents::new(app.handle().clone(), attention));
            let state = AppState::new(config, config_path, events);
            resume_last_chat(&state);
            app.manage(state);
            if !kiosk.enabled {
                tray::install(app.handle());
            }
            login::sync(app.handle(), start_at_login);
            links::listen(app.handle());
            if let Some(link) = &link {
                links::open(app.handle(), link);
            }
            Ok(())
        })
        .on_page_load(|webview, payload| {
            if webview.label() == window::MAIN && matches!(payload.event(), PageLoadEvent::Finished) {
                let since_start_ms = STARTED.get().map_or(0, |started| started.elapsed().as_millis());
                tracing::info!(since_start_ms, "window interactive");
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::settings,
            commands::snapshot,
            commands::start_chat,
            commands::agent_availability,
            commands::send_message,
            commands::retry_message,
            commands::set_typing,
            commands::focus_input,
            commands::end_chat,
            commands::new_chat,
            commands::transcript_text,
            commands::save_transcript,
            commands::list_screens,
            commands::capture_screenshot,
            commands::respond_screenshot,
            commands::save_settings,
            commands::set_api_key,
            commands::clear_api_key,
            commands::open_link,
            commands::take_chat_link,
        ])
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
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            // Stop polling but keep the session: the next start resumes it.
            if let Some(chat) = handle.try_state::<AppState>().and_then(|state| state.chat().ok()) {
                tauri::async_runtime::block_on(chat.shutdown());
            }
        }
    });
    ExitCode::SUCCESS
}

/// A chat the last run left going carries on, if the cloud still has it.
fn resume_last_chat(state: &AppState) {
    let Ok(chat) = state.chat() else { return };
    tauri::async_runtime::spawn(async move {
        match chat.resume().await {
            Ok(true) => tracing::info!("resumed the chat of the last run"),
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "could not check the chat of the last run"),
        }
    });
}

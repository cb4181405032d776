//! Xima Chat Desktop: a thin Tauri shell over `xima-chat-core`.
//!
//! - `cli`: flags and the administrator's subcommands
//! - `app_state`: what lives between commands
//! - `commands`: what the window may invoke
//! - `events`: the core's events, forwarded to the window
//! - `error`: the one error type, serialised as `{code, message}`

mod app_state;
mod cli;
mod commands;
mod error;
mod events;

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tauri::Manager;
use tracing_subscriber::EnvFilter;
use xima_chat_core::{AppConfig, EventSink};

use crate::app_state::AppState;
use crate::cli::Command;
use crate::events::WindowEvents;

pub use events::event_name;

pub fn main() -> ExitCode {
    init_logging();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, config, config_path) = match cli::parse(&args) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Window => run_window(config, config_path),
        Command::ApiKeySet => cli::api_key_set(&config),
        Command::ApiKeyClear => cli::api_key_clear(&config),
        Command::Doctor => cli::doctor(&config),
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

fn init_logging() {
    let filter = EnvFilter::try_from_env("XIMA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn run_window(config: AppConfig, config_path: Option<std::path::PathBuf>) -> ExitCode {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            let focused = Arc::new(AtomicBool::new(true));
            if let Some(window) = app.get_webview_window("main") {
                let focused = focused.clone();
                window.on_window_event(move |event| {
                    if let tauri::WindowEvent::Focused(now) = event {
                        focused.store(*now, Ordering::Relaxed);
                    }
                });
            }
            let events: Arc<dyn EventSink> = Arc::new(WindowEvents::new(app.handle().clone(), focused));
            let state = AppState::new(config, config_path, events);
            if let Ok(chat) = state.chat() {
                tauri::async_runtime::spawn(async move {
                    match chat.resume().await {
                        Ok(true) => tracing::info!("resumed the chat of the last run"),
                        Ok(false) => {}
                        Err(error) => tracing::warn!(%error, "could not check the chat of the last run"),
                    }
                });
            }
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::settings,
            commands::snapshot,
            commands::start_chat,
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
        ])
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            eprintln!("error: the window could not be created: {error}");
            return ExitCode::FAILURE;
        }
    };
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            // Stop polling but keep the session: the next start resumes it.
            if let Ok(chat) = handle.state::<AppState>().chat() {
                tauri::async_runtime::block_on(chat.shutdown());
            }
        }
    });
    ExitCode::SUCCESS
}

//! The commands the window may invoke. Each one is thin: it adapts arguments, calls the
//! core, and returns `Result<T, Error>` so failures reach the UI as `{code, message}`.

use serde::{Deserialize, Serialize};
use tauri::State;
use xima_chat_core::capture::{self, CaptureTarget};
use xima_chat_core::transcript::Entry;
use xima_chat_core::{ChatSnapshot, CustomChatInfo, StartAuth, StartRequest};

use crate::app_state::AppState;
use crate::error::{Error, Result};

/// What the pre-chat form needs to know; never the API key.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub problems: Vec<String>,
    pub skills: Vec<String>,
    pub name: String,
    pub email: String,
    pub custom_chat_info: Vec<CustomChatInfo>,
    pub installation_id: String,
    pub base_url: String,
    /// Where an administrator sets the app up.
    pub config_file: Option<String>,
}

#[tauri::command]
pub fn settings(state: State<'_, AppState>) -> SettingsView {
    let config = &state.config;
    SettingsView {
        problems: config.problems(),
        skills: config.skills.clone(),
        name: config.name.clone(),
        email: config.email.clone(),
        custom_chat_info: config.custom_chat_info.clone(),
        installation_id: config.installation_id.clone(),
        base_url: config.base_url.clone(),
        config_file: state.config_path.as_ref().map(|path| path.display().to_string()),
    }
}

#[tauri::command]
pub fn snapshot(state: State<'_, AppState>) -> Result<ChatSnapshot> {
    Ok(state.chat()?.snapshot())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartForm {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub skill: Option<String>,
    #[serde(default)]
    pub custom_chat_info: Vec<CustomChatInfo>,
}

#[tauri::command]
pub async fn start_chat(state: State<'_, AppState>, form: StartForm) -> Result<()> {
    let chat = state.chat()?.clone();
    let installation_id = state.config.installation_id.clone();
    let keys = state.keys.clone();
    let lookup = installation_id.clone();
    // The keychain may block on a D-Bus round trip or an unlock prompt.
    let key = tauri::async_runtime::spawn_blocking(move || keys.get(&lookup))
        .await
        .map_err(|error| Error::Task(error.to_string()))??
        .ok_or(Error::NoApiKey)?;
    let skill = form
        .skill
        .filter(|skill| state.config.skills.contains(skill))
        .or_else(|| state.config.default_skill().map(str::to_owned))
        .unwrap_or_default();
    let request = StartRequest {
        installation_id,
        email: form.email,
        name: form.name,
        skill,
        auth: StartAuth::ApiKey(key),
        custom_chat_info: form.custom_chat_info,
    };
    chat.start(request).await.map_err(Into::into)
}

#[tauri::command]
pub async fn send_message(state: State<'_, AppState>, text: String) -> Result<Entry> {
    let chat = state.chat()?.clone();
    chat.send(&text).await.map_err(Into::into)
}

#[tauri::command]
pub async fn retry_message(state: State<'_, AppState>, id: u64) -> Result<Entry> {
    let chat = state.chat()?.clone();
    chat.retry(id).await.map_err(Into::into)
}

#[tauri::command]
pub async fn set_typing(state: State<'_, AppState>, typing: bool) -> Result<()> {
    let chat = state.chat()?.clone();
    chat.set_typing(typing).await.map_err(Into::into)
}

#[tauri::command]
pub async fn focus_input(state: State<'_, AppState>) -> Result<()> {
    let chat = state.chat()?.clone();
    chat.focus().await.map_err(Into::into)
}

#[tauri::command]
pub async fn end_chat(state: State<'_, AppState>) -> Result<()> {
    let chat = state.chat()?.clone();
    chat.end().await.map_err(Into::into)
}

#[tauri::command]
pub fn new_chat(state: State<'_, AppState>) -> Result<()> {
    state.chat()?.reset().map_err(Into::into)
}

#[tauri::command]
pub fn transcript_text(state: State<'_, AppState>) -> Result<String> {
    Ok(state.chat()?.transcript_text())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScreenshotPreview {
    pub preview: String,
    pub width: u32,
    pub height: u32,
}

/// Captures the screen for the consent dialog's preview; nothing is sent yet.
#[tauri::command]
pub async fn capture_screenshot(state: State<'_, AppState>) -> Result<ScreenshotPreview> {
    state.chat()?;
    let (shot, preview) = tauri::async_runtime::spawn_blocking(|| {
        let shot = capture::capture(CaptureTarget::AllScreens)?;
        let preview = capture::preview_data_url(&shot.png, 640)?;
        Ok::<_, capture::CaptureError>((shot, preview))
    })
    .await
    .map_err(|error| Error::Task(error.to_string()))??;
    let view = ScreenshotPreview {
        preview,
        width: shot.width,
        height: shot.height,
    };
    state.hold_screenshot(shot);
    Ok(view)
}

/// Sends the previewed screenshot (`send: true`) or declines the request.
#[tauri::command]
pub async fn respond_screenshot(state: State<'_, AppState>, send: bool) -> Result<()> {
    let chat = state.chat()?.clone();
    let held = state.take_screenshot();
    let png = match (send, held) {
        (true, Some(shot)) => Some(shot.png),
        (true, None) => return Err(Error::NoScreenshot),
        (false, _) => None,
    };
    chat.answer_screenshot(png).await.map(drop).map_err(Into::into)
}

//! The commands the window may invoke. Each one is thin: it adapts arguments, calls the
//! core, and returns `Result<T, Error>` so failures reach the UI as `{code, message}`.

use serde::{Deserialize, Serialize};
use tauri::{State, Window};
use tauri_plugin_dialog::DialogExt;
use xima_chat_core::capture::{self, CaptureTarget, ScreenInfo};
use xima_chat_core::deeplink::FormFill;
use xima_chat_core::Entry;
use xima_chat_core::{AppConfig, ExportFormat, LentWords};
use xima_chat_core::{Availability, Fact, Facts, Screen};
use xima_chat_core::{ChatSnapshot, ConfigProblem, CustomChatInfo, ScreenshotPreview, Secret, StartAuth, StartRequest};

use crate::app_state::{AppState, Customer};
use crate::error::{Error, Result};
use crate::page_renewal::WindowPage;
use crate::portal_parent;
use crate::words::SharedWords;

/// Runs blocking work (keychain D-Bus calls, screen queries) off the async runtime.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tauri::async_runtime::spawn_blocking(work).await.map_err(|error| Error::Task(error.to_string()))?
}

/// What the settings screen and the pre-chat form show; never the API key itself.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    pub problems: Vec<ConfigProblem>,
    pub skills: Vec<String>,
    pub name: String,
    pub email: String,
    pub custom_chat_info: Vec<CustomChatInfo>,
    /// The fields that share the computer's facts with the agent, as they will be sent:
    /// the form shows them before the customer starts.
    pub shared_facts: Vec<CustomChatInfo>,
    pub installation_id: String,
    pub base_url: String,
    /// Where an administrator sets the app up.
    pub config_file: Option<String>,
    /// The computer's own settings file, which IT deploys, when there is one.
    pub machine_file: Option<String>,
    /// Which of the fields above that file locks (`AppConfig::EDITED`'s keys).
    pub locked: Vec<&'static str>,
    pub has_api_key: bool,
    /// Why the keychain could not be asked, if it could not.
    pub keychain_error: Option<String>,
    /// Where the logs are, for a help-desk ticket.
    pub log_dir: String,
    pub kiosk: Option<KioskView>,
    /// Who the last chat on this desk was; the form starts from them, not from blanks.
    pub last_customer: Option<Customer>,
}

/// What the window needs to behave as a kiosk.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KioskView {
    /// Fields the customer is not asked for.
    pub fixed_name: bool,
    pub fixed_email: bool,
    pub reset_after_end_seconds: u64,
    pub idle_reset_seconds: u64,
    /// `null`: a customer waiting in the queue is never taken to be gone.
    pub queue_idle_reset_seconds: Option<u64>,
}

#[tauri::command]
pub async fn settings(state: State<'_, AppState>, window: Window) -> Result<SettingsView> {
    let config = state.config();
    let named = config.facts_named();
    // The monitor is asked only when a field shares it, like every other fact.
    let screen = if named.contains(&Fact::Screen) { screen_of(&window) } else { None };
    // Read off the runtime: on macOS two of them ask a system tool.
    let facts = blocking(move || Ok(Facts::read(named, screen))).await?;
    let shared_facts = config.shared_facts(&facts);
    state.show_facts(facts);
    let keys = state.keys.clone();
    // Not set up yet (no installation id, no https base URL): no key to look for.
    let stored = match config.key_home() {
        Ok(home) => blocking(move || keys.get(&home).map_err(Into::into)).await,
        Err(_) => Ok(None),
    };
    let (has_api_key, keychain_error) = match stored {
        Ok(key) => (key.is_some(), None),
        Err(error) => {
            // The window says what it means in the customer's language; why is here.
            tracing::warn!(%error, "the keychain could not be asked for the API key");
            (false, Some(error.to_string()))
        }
    };
    Ok(SettingsView {
        problems: state.problems(),
        skills: config.skills.clone(),
        name: config.name.clone(),
        email: config.email.clone(),
        custom_chat_info: config.custom_chat_info.clone(),
        shared_facts,
        installation_id: config.installation_id.clone(),
        base_url: config.base_url.clone(),
        config_file: state.files().user.as_ref().map(|path| path.display().to_string()),
        machine_file: state.files().machine.as_ref().map(|machine| machine.path().display().to_string()),
        locked: AppConfig::EDITED.into_iter().filter(|key| state.files().is_locked(key)).collect(),
        has_api_key,
        keychain_error,
        log_dir: config.log_dir().map_or_else(|no_home| no_home.to_string(), |dir| dir.display().to_string()),
        kiosk: config.kiosk.enabled.then(|| KioskView {
            fixed_name: config.kiosk.fixed_name().is_some(),
            fixed_email: config.kiosk.fixed_email().is_some(),
            reset_after_end_seconds: config.kiosk.reset_after_end_seconds,
            idle_reset_seconds: config.kiosk.idle_reset_seconds,
            queue_idle_reset_seconds: config.kiosk.queue_idle_reset_seconds,
        }),
        last_customer: state.last_customer(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsForm {
    pub installation_id: String,
    pub skills: Vec<String>,
    pub base_url: String,
    pub name: String,
    pub email: String,
}

#[tauri::command]
pub async fn save_settings(state: State<'_, AppState>, window: Window, form: SettingsForm) -> Result<SettingsView> {
    state.deny_in_kiosk()?;
    let mut config = state.config();
    config.installation_id = form.installation_id.trim().to_owned();
    config.skills = form.skills.iter().map(|skill| skill.trim().to_owned()).filter(|skill| !skill.is_empty()).collect();
    config.base_url = form.base_url.trim().to_owned();
    config.name = form.name.trim().to_owned();
    config.email = form.email.trim().to_owned();
    state.reconfigure(config)?;
    settings(state, window).await
}

/// The screen the window is on, for the `{screen}` fact.
fn screen_of(window: &Window) -> Option<Screen> {
    let monitor = window.current_monitor().ok().flatten()?;
    Some(Screen { width: monitor.size().width, height: monitor.size().height, scale: monitor.scale_factor() })
}

#[tauri::command]
pub async fn set_api_key(state: State<'_, AppState>, key: String) -> Result<()> {
    state.deny_in_kiosk()?;
    let home = state.config().key_home().map_err(|error| Error::NotConfigured(format!("{error}: set it first")))?;
    let key = Secret::new(key.trim());
    if key.is_empty() {
        return Err(Error::Chat(xima_chat_core::ChatError::InvalidInput("the API key is empty".into())));
    }
    let keys = state.keys.clone();
    blocking(move || keys.set(&home, &key).map_err(Into::into)).await
}

#[tauri::command]
pub async fn clear_api_key(state: State<'_, AppState>) -> Result<()> {
    state.deny_in_kiosk()?;
    let home = state.config().key_home().map_err(|error| Error::NotConfigured(error.to_string()))?;
    let keys = state.keys.clone();
    blocking(move || keys.clear(&home).map_err(Into::into)).await
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
    let chat = state.chat()?;
    let config = state.config();
    let keys = state.keys.clone();
    let home = config.key_home().map_err(|error| Error::NotConfigured(error.to_string()))?;
    let key = blocking(move || keys.get(&home).map_err(Into::into)).await?.ok_or(Error::NoApiKey)?;
    let skill = config.skill_for(form.skill.as_deref()).unwrap_or_default();
    // A kiosk's fixed answers win over whatever reached the form.
    let request = StartRequest {
        installation_id: config.installation_id.clone(),
        email: config.kiosk.fixed_email().map_or(form.email, str::to_owned),
        name: config.kiosk.fixed_name().map_or(form.name, str::to_owned),
        skill,
        auth: StartAuth::ApiKey(key),
        custom_chat_info: config.custom_chat_info_with(form.custom_chat_info, &state.shown_facts())?,
    };
    state.remember_customer(&request.name, &request.email);
    chat.start(request).await.map_err(Into::into)
}

/// Whether an agent is ready for the skill a chat would go to (a kiosk's own skill on a
/// kiosk), for the pre-chat form's wording. It never stops a chat from starting.
#[tauri::command]
pub async fn agent_availability(state: State<'_, AppState>, skill: String) -> Result<Availability> {
    let chat = state.chat()?;
    let Some(skill) = state.config().skill_for(Some(&skill)) else {
        return Ok(Availability::Unknown);
    };
    Ok(chat.availability(&skill).await)
}

#[tauri::command]
pub async fn send_message(state: State<'_, AppState>, text: String) -> Result<Entry> {
    state.chat()?.send(&text).await.map_err(Into::into)
}

#[tauri::command]
pub async fn retry_message(state: State<'_, AppState>, id: u64) -> Result<Entry> {
    state.chat()?.retry(id).await.map_err(Into::into)
}

#[tauri::command]
pub async fn set_typing(state: State<'_, AppState>, typing: bool) -> Result<()> {
    state.chat()?.set_typing(typing).await.map_err(Into::into)
}

#[tauri::command]
pub async fn focus_input(state: State<'_, AppState>) -> Result<()> {
    state.chat()?.focus().await.map_err(Into::into)
}

#[tauri::command]
pub async fn end_chat(state: State<'_, AppState>) -> Result<()> {
    state.chat()?.end().await.map_err(Into::into)
}

/// What *Start a new chat* leads to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewChat {
    /// A fresh page (a web process of its own, page_renewal.rs) will take the window with
    /// the form: the page that asked draws nothing more.
    pub fresh_page: bool,
}

/// Back to the pre-chat form; on a kiosk, with the privacy wipe.
#[tauri::command]
pub fn new_chat(window: Window, state: State<'_, AppState>, page: State<'_, WindowPage>) -> Result<NewChat> {
    let chat = state.chat()?;
    let kiosk = state.kiosk().enabled;
    let leaving = chat.leaving(kiosk);
    if kiosk {
        chat.wipe()?;
    } else {
        chat.reset()?;
    }
    Ok(NewChat { fresh_page: page.chat_left(&window, leaving) })
}

/// The page has drawn itself from the core and focused what the customer types into
/// first: a fresh page loading behind the last chat's takes the window now.
#[tauri::command]
pub fn page_ready(webview: tauri::Webview, page: State<'_, WindowPage>) {
    page.page_ready(&webview);
}

/// The transcript as text, for the clipboard, in the words of the window's language.
#[tauri::command]
pub fn transcript_text(state: State<'_, AppState>, words: State<'_, SharedWords>) -> Result<String> {
    state.deny_in_kiosk()?;
    Ok(state.chat()?.export_transcript(ExportFormat::Text, &words.current()))
}

/// Asks where to save the transcript (`text` or `html`) with the desktop's own save
/// dialog, starting in the Downloads folder under the chat's date, and writes it there,
/// in the words of the window's language. Returns the file's path, or None when the
/// customer cancelled.
#[tauri::command]
pub async fn save_transcript(
    window: Window,
    state: State<'_, AppState>,
    words: State<'_, SharedWords>,
    format: ExportFormat,
) -> Result<Option<String>> {
    state.deny_in_kiosk()?;
    let chat = state.chat()?;
    let language = words.current();
    let (text, name) = (chat.export_transcript(format, &language), chat.transcript_file_name(format, &language));
    let (chosen, answer) = tokio::sync::oneshot::channel();
    let mut dialog = window
        .dialog()
        .file()
        .set_parent(&window)
        .set_title(ExportFormat::dialog_title(&language))
        .set_file_name(name)
        .add_filter(format.kind(&language), &[format.extension()]);
    if let Some(folder) = xima_chat_core::download_dir() {
        dialog = dialog.set_directory(folder);
    }
    dialog.save_file(move |path| {
        let _ = chosen.send(path);
    });
    let Some(path) = answer.await.ok().flatten() else { return Ok(None) };
    let path =
        path.into_path().map_err(|error| Error::SaveTranscript(format!("the dialog gave no file path: {error}")))?;
    blocking(move || {
        std::fs::write(&path, text).map_err(|error| {
            tracing::warn!(path = %path.display(), %error, "the transcript could not be saved");
            Error::SaveTranscript(format!("{}: {error}", path.display()))
        })?;
        tracing::info!(path = %path.display(), "transcript saved");
        Ok(Some(path.display().to_string()))
    })
    .await
}

/// The monitors, so the consent dialog can offer a choice when there are several.
#[tauri::command]
pub async fn list_screens() -> Result<Vec<ScreenInfo>> {
    blocking(|| capture::screens().map_err(Into::into)).await
}

/// Captures the screen (all monitors, or `screen`) for the consent dialog's preview;
/// nothing is sent yet. Where the desktop takes the picture, its dialog (if it shows
/// one) belongs to this window.
#[tauri::command]
pub async fn capture_screenshot(
    window: Window,
    state: State<'_, AppState>,
    screen: Option<u32>,
) -> Result<ScreenshotPreview> {
    let target = screen.map_or(CaptureTarget::AllScreens, CaptureTarget::Screen);
    let chat = state.chat()?;
    if capture::Backend::of_this_session() != capture::Backend::Portal {
        return chat.capture_screenshot(target, None).await.map_err(Into::into);
    }
    // Kept until the portal has answered: the handle must outlive the request.
    let exported = portal_parent::export(&window).await;
    chat.capture_screenshot(target, exported.parent.clone()).await.map_err(Into::into)
}

/// Sends the previewed screenshot (`send: true`) or declines the request.
#[tauri::command]
pub async fn respond_screenshot(state: State<'_, AppState>, send: bool) -> Result<()> {
    state.chat()?.answer_screenshot(send).await.map(drop).map_err(Into::into)
}

/// The `xima-chat://` deep link (or `xima-chat start --field …`) waiting to fill the
/// pre-chat form, if any: only the fields the form asks for, and whether to start.
#[tauri::command]
pub fn take_deep_link(state: State<'_, AppState>) -> Option<FormFill> {
    let config = state.config();
    let link = state.take_pending_deep_link()?;
    Some(link.for_form(|field| config.asks_for(field), config.link_autostart))
}

/// Opens an http(s) link from the chat in the system browser; nothing else is opened,
/// and nothing at all on a kiosk, whose customer must not land in a browser.
#[tauri::command]
pub fn open_link(state: State<'_, AppState>, url: String) -> Result<()> {
    state.deny_in_kiosk()?;
    let link = safe_link(&url)?;
    tauri_plugin_opener::open_url(link.as_str(), None::<&str>).map_err(|error| Error::OpenInBrowser(error.to_string()))
}

/// Only web links with a host: no `file:`, `javascript:`, `data:` or custom schemes that
/// could start a program.
fn safe_link(url: &str) -> Result<url::Url> {
    let parsed = url::Url::parse(url.trim()).map_err(|_| Error::UnsafeLink)?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::UnsafeLink);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_links_are_opened() {
        assert!(safe_link("https://example.com/help?x=1").is_ok());
        assert!(safe_link(" http://example.com ").is_ok());
        for unsafe_link in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>x</script>",
            "ms-settings:privacy",
            "smb://server/share",
            "http://",
            "not a url",
        ] {
            assert!(matches!(safe_link(unsafe_link), Err(Error::UnsafeLink)), "{unsafe_link}");
        }
    }
}

/// The page's words for what the app writes outside the window (tray, notifications,
/// saved transcripts), in the language the page chose: sent once, as soon as it has
/// chosen.
#[tauri::command]
pub fn lend_words(app: tauri::AppHandle, words: State<'_, SharedWords>, lent: LentWords) {
    words.lend(lent);
    crate::tray::speak(&app, &words.current());
}

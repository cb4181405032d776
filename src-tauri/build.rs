// Declares the app's own commands so capabilities can grant them one by one: a window
// gets exactly the commands tauri.conf.json lists, nothing by default.
const COMMANDS: &[&str] = &[
    "settings",
    "snapshot",
    "start_chat",
    "agent_availability",
    "send_message",
    "retry_message",
    "set_typing",
    "focus_input",
    "end_chat",
    "new_chat",
    "transcript_text",
    "save_transcript",
    "list_screens",
    "capture_screenshot",
    "respond_screenshot",
    "save_settings",
    "set_api_key",
    "clear_api_key",
    "open_link",
    "take_chat_link",
];

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(error) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build step failed: {error:#}");
    }
}

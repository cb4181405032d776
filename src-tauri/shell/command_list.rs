// The app's commands, named once. This file is shared by the build script (which
// `include!`s it: it cannot import the crate) and the shell, so it holds nothing but
// this macro, and plain comments: an inner doc comment would not survive `include!`.
//
// `app_commands!(then)` calls the macro `then!` with every command's name:
// - `lib.rs` turns them into `tauri::generate_handler![commands::…]`, so a command
//   missing from `commands.rs` does not compile;
// - `build.rs` turns them into the strings tauri-build writes an `allow-<name>`
//   permission for;
// - the capability in `tauri.conf.json` grants each one by hand (a grant is a decision),
//   and the shell's test `the_window_is_granted_exactly_the_commands_the_app_has` fails
//   when it and this list disagree.
macro_rules! app_commands {
    ($then:ident) => {
        $then!(
            settings,
            snapshot,
            start_chat,
            agent_availability,
            send_message,
            retry_message,
            set_typing,
            focus_input,
            end_chat,
            new_chat,
            page_ready,
            transcript_text,
            save_transcript,
            list_screens,
            capture_screenshot,
            respond_screenshot,
            save_settings,
            set_api_key,
            clear_api_key,
            open_link,
            take_deep_link,
            lend_words
        )
    };
}

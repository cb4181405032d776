// Declares the app's own commands so capabilities can grant them one by one: a window
// gets exactly the commands tauri.conf.json lists, nothing by default. The names come
// from the one list in shell/command_list.rs.
include!("shell/command_list.rs");

macro_rules! names {
    ($($name:ident),*) => {
        &[$(stringify!($name)),*]
    };
}

const COMMANDS: &[&str] = app_commands!(names);

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(error) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build step failed: {error:#}");
    }
}

//! Files only the user may read. What the app keeps (sessions, transcripts, settings,
//! logs) is the customer's: a folder is made owner-only even where an administrator
//! named it under a 022 umask, a file is owner-only even where an older one was not,
//! and a file that is replaced is replaced whole, so a crash or a full disk never leaves
//! half of one.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why the app has nowhere of its own to keep files. A system's temp folder is shared
/// by every user, so the app refuses rather than fall back to it; the words say which
/// setting gives it a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoHomeFolder {
    #[error("no home folder to keep chats in: set data-dir in the config file, XIMA_DATA_DIR or --data-dir")]
    Data,
    #[error("no home folder to keep logs in: set log-dir in the config file, XIMA_LOG_DIR or --log-dir")]
    Logs,
}

/// Creates `dir` (and any missing parent) owner-only, and tightens it if it exists
/// with access for others. Files inside it are then out of others' reach, whatever
/// mode they were created with.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    tighten(dir)?;
    Ok(())
}

/// An existing dir keeps the mode it was made with; only its owner (or root) may
/// change it. One that is not ours is the administrator's to set up: left alone.
#[cfg(unix)]
fn tighten(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(dir)?.permissions().mode();
    if mode & 0o077 == 0 {
        return Ok(());
    }
    match fs::set_permissions(dir, fs::Permissions::from_mode(0o700)) {
        Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {
            tracing::warn!(dir = %dir.display(), "others can open this folder and it is not ours to restrict");
            Ok(())
        }
        other => other,
    }
}

/// Options for a new file that only its owner can read.
pub fn owner_only() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Writes `path` owner-only even if an older file there was not (the mode given at
/// creation does not apply to a file that already exists), and flushes it to disk.
pub fn write_owner_only(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = owner_only().write(true).truncate(true).open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Replaces `path` whole: the new bytes go to a file beside it (named for this process,
/// so two writers never share one) that then takes its place. A failed write leaves
/// the old file as it was and no temporary file behind.
pub fn replace_owner_only(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temporary = beside(path);
    let written = write_owner_only(&temporary, bytes).and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

fn beside(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.new", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xima-private-fs-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_others_could_open_is_made_owner_only_and_so_is_a_new_one() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        // What `mkdir /srv/xima-chat` leaves under a 022 umask.
        let existing = fresh_dir("open");
        fs::create_dir(&existing).unwrap();
        fs::set_permissions(&existing, fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&existing).unwrap();
        assert_eq!(mode(&existing), 0o700);

        let new = existing.join("a").join("b");
        create_private_dir(&new).unwrap();
        assert_eq!(mode(&new), 0o700);
        assert_eq!(mode(&existing.join("a")), 0o700);
        fs::remove_dir_all(existing).unwrap();
    }

    #[test]
    fn a_replaced_file_is_whole_owner_only_and_leaves_nothing_beside_it() {
        let dir = fresh_dir("replace");
        create_private_dir(&dir).unwrap();
        let path = dir.join("settings.toml");
        fs::write(&path, "old").unwrap();
        replace_owner_only(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        // A folder that cannot be written keeps the file it had: here, none at all.
        assert!(replace_owner_only(&dir.join("missing").join("x"), b"new").is_err());
        let left: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["settings.toml"]);
        fs::remove_dir_all(dir).unwrap();
    }
}

//! The data dir holds what customers said, and one app at a time polls its chat's queue.
//!
//! The folder is made owner-only ([`create_private_dir`]). [`DataDirLock`] keeps a
//! second app off the same data dir: two pollers would split the SQS queue between
//! them, each showing the customer half of what the agent wrote.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::device::private_fs::{create_private_dir, NoHomeFolder};

/// How often a patient [`DataDirLock::acquire_within`] tries again.
const RETRY_EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, thiserror::Error)]
pub enum DataDirLockError {
    #[error(transparent)]
    NoHome(#[from] NoHomeFolder),
    #[error(
        "another Xima Chat is already using the data folder {}: close it, or give this one its own data-dir",
        dir.display()
    )]
    InUse { dir: PathBuf },
    #[error("cannot use the data folder {}: {source}", dir.display())]
    Io {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// An exclusive advisory lock on the data dir's `lock` file, held until dropped (or the
/// process ends: the OS releases it with the file).
#[derive(Debug)]
pub struct DataDirLock {
    _locked: File,
}

impl DataDirLock {
    /// Takes the lock now, or says another app holds it.
    pub fn acquire(dir: &Path) -> Result<DataDirLock, DataDirLockError> {
        let io_error = |source| DataDirLockError::Io { dir: dir.to_owned(), source };
        create_private_dir(dir).map_err(io_error)?;
        let file = open_lock_file(&dir.join("lock")).map_err(io_error)?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _locked: file }),
            Err(TryLockError::WouldBlock) => Err(DataDirLockError::InUse { dir: dir.to_owned() }),
            Err(TryLockError::Error(source)) => Err(io_error(source)),
        }
    }

    /// Like [`DataDirLock::acquire`], but waits up to `patience` for the holder to let
    /// go: an app the customer just closed may still be exiting when the next starts.
    pub fn acquire_within(dir: &Path, patience: Duration) -> Result<DataDirLock, DataDirLockError> {
        let give_up_at = Instant::now() + patience;
        loop {
            match DataDirLock::acquire(dir) {
                Err(DataDirLockError::InUse { .. }) if Instant::now() < give_up_at => std::thread::sleep(RETRY_EVERY),
                outcome => return outcome,
            }
        }
    }
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    fn fresh_dir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("xima-{name}-{}-{}", std::process::id(), fastrand::u64(..)))
    }

    #[test]
    fn a_second_app_on_the_same_data_dir_is_refused_until_the_first_lets_go() {
        let dir = fresh_dir("lock");
        let first = DataDirLock::acquire(&dir).expect("the first app takes the data dir");
        match DataDirLock::acquire(&dir) {
            Err(DataDirLockError::InUse { dir: named }) => assert_eq!(named, dir, "the error names the dir"),
            other => panic!("a second app must be refused, got {other:?}"),
        }
        drop(first);
        DataDirLock::acquire(&dir).expect("free again once the first app is gone");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_patient_start_gets_the_data_dir_once_the_closing_app_is_gone() {
        let dir = fresh_dir("lock-wait");
        let closing = DataDirLock::acquire(&dir).unwrap();
        assert!(matches!(
            DataDirLock::acquire_within(&dir, Duration::from_millis(150)),
            Err(DataDirLockError::InUse { .. })
        ));
        let exits = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(closing);
        });
        DataDirLock::acquire_within(&dir, Duration::from_secs(5)).expect("taken once the old app exits");
        exits.join().unwrap();
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_refusal_names_the_data_dir() {
        let refused = DataDirLockError::InUse { dir: PathBuf::from("/srv/xima-chat") };
        assert!(refused.to_string().contains("/srv/xima-chat"), "{refused}");
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_file_is_owner_only_in_a_folder_made_so() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let dir = fresh_dir("private").join("a");
        let _lock = DataDirLock::acquire(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("lock")), 0o600);
        fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}

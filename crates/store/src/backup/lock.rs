//! Who holds a SQLite store. Every process that opens one ([`connect_sqlite`](crate::connect_sqlite):
//! `sked serve`, `sked worker`, `sked mcp`, the one-shot commands) holds a shared lock on
//! `<database>.lock` for as long as it runs; `sked restore` takes that lock exclusively. So a
//! restore never replaces a store a process is using, and no process opens a store while it is
//! being replaced. The lock is the kernel's (`flock`): it goes with the process, so a killed
//! server leaves nothing to clean up. SQLite's own locks cannot say this, since an idle server
//! holds none of them between transactions.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use super::{BackupError, io_error};

/// A held lock on a store; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

/// The lock file of the SQLite database at `db`: `<db>.lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    name.into()
}

/// Takes the lock shared, as every process using the store does. Refused while `sked restore`
/// holds it.
pub fn shared(db: &Path) -> Result<StoreLock, BackupError> {
    let path = lock_path(db);
    let file = open(&path)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(StoreLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(BackupError::BeingRestored { lock: path }),
        Err(TryLockError::Error(e)) => Err(io_error(format!("cannot lock {}", path.display()), e)),
    }
}

/// Takes the lock exclusively, as `sked restore` does. Refused while any other process (or any
/// other store in this one) holds it.
pub fn exclusive(db: &Path) -> Result<StoreLock, BackupError> {
    let path = lock_path(db);
    let file = open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(StoreLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(BackupError::InUse { store: db.to_path_buf(), lock: path }),
        Err(TryLockError::Error(e)) => Err(io_error(format!("cannot lock {}", path.display()), e)),
    }
}

/// Opens (creating, readable by the owner only) the lock file, and its directory.
fn open(path: &Path) -> Result<File, BackupError> {
    if let Some(dir) = path.parent() {
        super::private_dir(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    opts.open(path).map_err(|e| io_error(format!("cannot open {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_holders_keep_an_exclusive_one_out_and_the_other_way_round() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("data/sked.db");
        let a = shared(&db).unwrap();
        let b = shared(&db).unwrap();
        assert!(matches!(exclusive(&db), Err(BackupError::InUse { .. })));
        drop((a, b));
        let x = exclusive(&db).unwrap();
        assert!(matches!(shared(&db), Err(BackupError::BeingRestored { .. })));
        assert!(matches!(exclusive(&db), Err(BackupError::InUse { .. })));
        drop(x);
        assert!(shared(&db).is_ok());
        assert_eq!(lock_path(&db), dir.path().join("data/sked.db.lock"));
    }
}

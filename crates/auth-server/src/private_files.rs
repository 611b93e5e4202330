//! The data folder and the SQLite database hold password hashes, sealed
//! signing keys and the master key: on Unix the store creates the folder
//! 0700 and the database 0600 (`oauth_store_diesel::create_private_folder`),
//! and a server start warns about any of them that other local users may
//! open.

use std::path::PathBuf;

use crate::config::{Config, MasterKeySource};

/// Logs a warning for each private path that exists and grants its group or
/// other users any access. Existing modes are the operator's to change: a
/// deployment may share the folder with a backup user on purpose.
pub(crate) fn warn_if_shared(config: &Config) {
    #[cfg(unix)]
    for path in private_paths(config) {
        use std::os::unix::fs::PermissionsExt as _;
        let Ok(metadata) = std::fs::metadata(&path) else { continue };
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let expected = if metadata.is_dir() { "0700" } else { "0600" };
            tracing::warn!(
                path = %path.display(),
                mode = %format!("{mode:04o}"),
                expected,
                "other local users may open this, and it holds password hashes and keys; restrict it with chmod"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = config;
}

/// The data folder, the SQLite database with its side files, the master key file.
fn private_paths(config: &Config) -> Vec<PathBuf> {
    let mut paths = vec![config.database.data_dir.clone()];
    if let Some(database) = config.database.url.sqlite_path() {
        paths.push(database.to_owned());
        for suffix in ["-wal", "-shm"] {
            let mut side = database.as_os_str().to_owned();
            side.push(suffix);
            paths.push(side.into());
        }
    }
    if let MasterKeySource::File(path) = &config.keys.master_key {
        paths.push(path.clone());
    }
    paths
}

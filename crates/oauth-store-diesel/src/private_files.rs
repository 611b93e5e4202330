//! The SQLite database holds password hashes and sealed signing keys, so on
//! Unix its folder is created 0700 and its file 0600, whatever the umask.
//! SQLite gives the `-wal` and `-shm` files it creates the database file's
//! mode, so they follow.

use std::io;
use std::path::Path;

/// Creates `folder` and any missing parents, open to this user only.
///
/// # Errors
/// When a folder cannot be created.
pub fn create_folder(folder: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(folder)
}

/// Creates the empty database file, open to this user only, unless it exists:
/// SQLite takes an empty file for a new database and keeps its mode.
pub(crate) fn create_database_file(path: &Path) -> io::Result<()> {
    if path.as_os_str() == ":memory:" {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_folder_and_database_file_are_private_and_an_existing_file_is_kept() {
        let root = std::env::temp_dir().join(format!("manumu-private-{}", std::process::id()));
        let folder = root.join("a/b");
        create_folder(&folder).unwrap();
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&root.join("a")), 0o700, "parents too");

        let file = folder.join("auth.db");
        create_database_file(&file).unwrap();
        assert_eq!(mode(&file), 0o600);

        std::fs::write(&file, b"kept").unwrap();
        create_database_file(&file).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"kept", "an existing database is not truncated");
        std::fs::remove_dir_all(&root).unwrap();
    }
}

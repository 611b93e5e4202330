//! Which database a URL names, and how a connection to it is opened.
//!
//! Diesel's derived `MultiConnection::establish` tries each backend in turn and
//! swallows their errors, so a refused PostgreSQL connection would surface as
//! "invalid connection url". We dispatch on the scheme ourselves to keep the
//! real cause.

use std::fmt;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::error::StoreError;

/// One connection type for both backends, so each repository is written once.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// A parsed `database_url`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH`: a file, created on first start.
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, handed to libpq unchanged.
    Postgres(String),
}

/// Why a `database_url` was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    #[error("must start with sqlite:// or postgres:// (got scheme {0:?})")]
    UnknownScheme(String),
    #[error("sqlite:// must be followed by a file path, such as sqlite://./data/auth.db")]
    MissingPath,
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `postgres://…` or `postgresql://…`.
    pub fn parse(text: &str) -> Result<Self, DatabaseUrlError> {
        if let Some(path) = text.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(DatabaseUrlError::MissingPath);
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(Self::Postgres(text.to_owned()));
        }
        let scheme = text.split_once(':').map_or(text, |(scheme, _)| scheme);
        Err(DatabaseUrlError::UnknownScheme(scheme.to_owned()))
    }

    /// The SQLite file, if this is SQLite.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(path) => Some(path),
            Self::Postgres(_) => None,
        }
    }

    /// Opens one connection, creating the SQLite file if it does not exist:
    /// for start-up and migrations only.
    pub(crate) fn establish(&self) -> Result<AnyConnection, StoreError> {
        self.connect(true)
    }

    /// Opens one connection to a database that must already exist: for the
    /// pool. SECURITY: if the SQLite file is deleted while the server runs, a
    /// pooled reconnect must fail rather than silently create a new, empty
    /// database at the same path (and report itself ready).
    pub(crate) fn establish_existing(&self) -> Result<AnyConnection, StoreError> {
        self.connect(false)
    }

    fn connect(&self, create: bool) -> Result<AnyConnection, StoreError> {
        match self {
            Self::Sqlite(path) => {
                if create {
                    // SQLite would create the file with the umask (often 0644).
                    crate::private_files::create_database_file(path)
                        .map_err(|e| StoreError::Location(format!("{}: {e}", path.display())))?;
                }
                let location = if create { path.to_string_lossy().into_owned() } else { sqlite_uri_rw(path) };
                let mut connection =
                    SqliteConnection::establish(&location).map_err(|e| StoreError::Connect(e.to_string()))?;
                configure_sqlite(&mut connection)?;
                Ok(AnyConnection::Sqlite(connection))
            }
            Self::Postgres(url) => {
                // libpq links our vendored OpenSSL statically. Left to itself,
                // OpenSSL registers an atexit cleanup that frees its state while
                // r2d2's threads may still be mid-handshake, and the process
                // segfaults on exit (measured: 6 of 30 CLI runs). openssl-sys's
                // init passes OPENSSL_INIT_NO_ATEXIT, and OpenSSL keeps the
                // first initialisation's options, so it must run before libpq's.
                openssl_sys::init();
                Self::connect_postgres(url)
            }
        }
    }

    fn connect_postgres(url: &str) -> Result<AnyConnection, StoreError> {
        PgConnection::establish(url)
            .map(AnyConnection::Postgresql)
            .map_err(|e| StoreError::Connect(e.to_string()))
    }
}

/// An SQLite URI (RFC 8089 `file:` form) that opens `path` read-write and
/// never creates it (`mode=rw`). `%`, `?` and `#` are escaped so that any path works.
fn sqlite_uri_rw(path: &Path) -> String {
    let escaped = path.to_string_lossy().replace('%', "%25").replace('?', "%3f").replace('#', "%23");
    format!("file:{escaped}?mode=rw")
}

/// Settings SQLite keeps per connection, so every pooled connection gets them:
/// - WAL lets readers run beside the single writer;
/// - a busy timeout makes a writer wait for the lock instead of failing at once
///   (without it, a concurrent redemption fails with `SQLITE_BUSY` after
///   another has read the row, and single-use consumption is not safe);
/// - foreign keys are off by default in SQLite;
/// - NORMAL synchronous is durable in WAL mode except on power loss mid-checkpoint.
///
/// The busy timeout comes first: switching to WAL takes a lock, and two
/// processes opening the database at once (a CLI command beside the server)
/// made the second fail at once with "database is locked".
fn configure_sqlite(connection: &mut SqliteConnection) -> Result<(), StoreError> {
    connection
        .batch_execute(
            "PRAGMA busy_timeout = 5000;
             PRAGMA journal_mode = WAL;
             PRAGMA foreign_keys = ON;
             PRAGMA synchronous = NORMAL;",
        )
        .map_err(|e| StoreError::Connect(format!("configuring SQLite: {e}")))
}

impl fmt::Debug for DatabaseUrl {
    // A PostgreSQL URL may carry a password: show only what identifies the backend.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            Self::Postgres(_) => f.write_str("Postgres(..)"),
        }
    }
}

impl fmt::Debug for AnyConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Postgresql(_) => f.write_str("AnyConnection::Postgresql"),
            Self::Sqlite(_) => f.write_str("AnyConnection::Sqlite"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_two_schemes() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://./data/auth.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("./data/auth.db")))
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/auth.db"),
            Ok(DatabaseUrl::Sqlite(PathBuf::from("/var/lib/auth.db")))
        );
        assert!(matches!(DatabaseUrl::parse("postgres://u@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert!(matches!(DatabaseUrl::parse("postgresql://u@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert_eq!(DatabaseUrl::parse("sqlite://"), Err(DatabaseUrlError::MissingPath));
        assert_eq!(DatabaseUrl::parse("mysql://h/db"), Err(DatabaseUrlError::UnknownScheme("mysql".into())));
        assert_eq!(DatabaseUrl::parse("auth.db"), Err(DatabaseUrlError::UnknownScheme("auth.db".into())));
    }

    #[test]
    fn pooled_sqlite_connections_never_create_the_file() {
        let dir = std::env::temp_dir().join(format!("manumu-uri-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = DatabaseUrl::Sqlite(dir.join("odd ?#% name.db"));
        assert!(url.establish_existing().is_err(), "no file yet: refused");
        assert!(!dir.join("odd ?#% name.db").exists(), "and not created");
        drop(url.establish().unwrap());
        assert!(url.establish_existing().is_ok(), "the file exists now");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn debug_hides_postgres_credentials() {
        let url = DatabaseUrl::parse("postgres://admin:hunter2@db/auth").unwrap();
        assert!(!format!("{url:?}").contains("hunter2"));
    }
}

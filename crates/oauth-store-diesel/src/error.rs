//! Failures of the storage adapter, and how they become the core's `RepoError`.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use oauth_core::RepoError;

/// Why the store could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot prepare the database location: {0}")]
    Location(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("cannot build the connection pool: {0}")]
    Pool(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

/// Maps a Diesel error to the port's vocabulary. Anything that is neither a
/// uniqueness conflict nor a missing row is the store being unavailable (a lock
/// timeout, a dropped connection): the caller may retry, the client sees 503.
pub(crate) fn repo_error(error: DieselError) -> RepoError {
    match error {
        DieselError::NotFound => RepoError::NotFound,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => RepoError::Conflict(
            info.constraint_name().map_or_else(|| info.message().to_owned(), str::to_owned).into(),
        ),
        DieselError::DeserializationError(e) => RepoError::Corrupt(e.to_string().into()),
        other => RepoError::Unavailable(Box::new(other)),
    }
}

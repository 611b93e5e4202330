//! Conversions between domain values and portable column types.

use oauth_core::RepoError;
use time::OffsetDateTime;

/// Unix seconds back to a time; `None` when out of range.
pub(crate) fn from_epoch(seconds: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

/// A record that breaks a domain rule, naming the column.
pub(crate) fn corrupt(column: &str) -> RepoError {
    RepoError::Corrupt(column.to_owned().into())
}

/// Exactly one row changed, or the id was unknown.
pub(crate) fn expect_one(changed: usize) -> Result<(), RepoError> {
    if changed == 1 { Ok(()) } else { Err(RepoError::NotFound) }
}

/// A list column: items joined by single spaces (no item may contain one).
pub(crate) fn join<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().collect::<Vec<_>>().join(" ")
}

/// The items of a list column.
pub(crate) fn split(text: &str) -> impl Iterator<Item = &str> {
    text.split(' ').filter(|item| !item.is_empty())
}

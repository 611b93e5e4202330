//! Storage of authorization codes.

use time::OffsetDateTime;

use crate::code::{AuthorizationCode, CodeDigest, Consumed};
use crate::error::RepoError;

/// Persistence of authorization codes.
///
/// Contract (checked for every adapter by `testing::contract::codes`):
/// - `consume` is atomic: of any number of concurrent calls for one digest,
///   exactly one gets `Consumed::Now`; every later or losing call gets
///   `Consumed::Already` (RFC 6749 §4.1.2, §10.5);
/// - it does not check expiry: the caller does, with its clock;
/// - `record_access_token` stores the `jti`, then reads the replay mark, in
///   one step: with a replay that marks, then reads the `jti`
///   (`mark_replayed`, `access_token_of`), one of the two always sees the
///   other's write;
/// - `mark_replayed` is seen by every later `record_access_token`, and
///   `record_access_token` by every later `access_token_of`;
/// - `purge_expired` deletes at most `limit` codes whose `expires_at` is at or
///   before `now`, and nothing live.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait CodeRepository: Send + Sync {
    /// Stores a newly issued code.
    async fn insert(&self, code: &AuthorizationCode) -> Result<(), RepoError>;

    /// Marks the code used at `now` and returns what was found.
    async fn consume(&self, digest: &CodeDigest, now: OffsetDateTime) -> Result<Consumed, RepoError>;

    /// Records that a consumed code was presented again.
    async fn mark_replayed(&self, digest: &CodeDigest, now: OffsetDateTime) -> Result<(), RepoError>;
    /// Records the `jti` of the access token the code's exchange issued, so
    /// that a replay can revoke it (RFC 6749 §4.1.2), and answers whether the
    /// code was already presented again: then the exchange revokes it itself.
    async fn record_access_token(&self, digest: &CodeDigest, jti: &str) -> Result<bool, RepoError>;
    /// The `jti` recorded for the code, if any.
    async fn access_token_of(&self, digest: &CodeDigest) -> Result<Option<String>, RepoError>;
    /// Deletes up to `limit` expired codes; returns how many.
    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError>;
}

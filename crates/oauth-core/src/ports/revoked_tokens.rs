//! The revocation list of access tokens (RFC 7009 §2.1).

use time::OffsetDateTime;

use crate::error::RepoError;

/// Revoked access-token `jti`s, each kept until the token's own expiry.
///
/// Contract (checked for every adapter by `testing::contract::revoked_tokens`):
/// - `revoke` is idempotent: revoking a listed `jti` again succeeds and changes nothing;
/// - `is_revoked` sees every revocation made through any instance of the store;
/// - `purge_expired` deletes at most `limit` entries whose `expires_at` is at or
///   before `now`, and nothing else.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait RevokedTokenRepository: Send + Sync {
    /// Lists `jti` as revoked until `expires_at`.
    async fn revoke(&self, jti: &str, expires_at: OffsetDateTime) -> Result<(), RepoError>;
    /// Whether `jti` is listed.
    async fn is_revoked(&self, jti: &str) -> Result<bool, RepoError>;
    /// Deletes up to `limit` entries past their expiry; returns how many went.
    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError>;
}

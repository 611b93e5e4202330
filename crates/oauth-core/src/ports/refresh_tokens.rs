//! Storage of refresh-token families.

use time::OffsetDateTime;

use crate::code::CodeDigest;
use crate::dpop::JwkThumbprint;
use crate::error::RepoError;
use crate::refresh::{RefreshDigest, RefreshFamily, RefreshFamilyId, RefreshTokenRecord, Rotation};

/// Persistence of refresh tokens and their families.
///
/// Contract (checked for every adapter by `testing::contract::refresh_tokens`):
/// - `rotate` is atomic: of any number of concurrent calls for one token,
///   exactly one gets `Rotation::Rotated` (and its successor is stored); the
///   others get `Reused`; a token of a revoked family is `Reused` too, and
///   so is a successor naming another family than the old token's (nothing
///   is stored); a family revoked while a rotation runs ends either before
///   it (no successor) or after it (the successor dies with the family);
/// - `revoke_family` and `revoke_for_code` set `revoked_at` once; tokens of a
///   revoked family never rotate again;
/// - `bind_sender_key` binds an unbound family to a DPoP key once: it says
///   `true` when the family is (now or already) bound to that key, `false`
///   when it is bound to another or does not exist;
/// - `purge_expired` deletes at most `limit` families past their absolute
///   expiry, with their tokens, and nothing live;
/// - only digests are stored.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait RefreshTokenRepository: Send + Sync {
    /// Stores a new family with its first token.
    async fn start_family(&self, family: &RefreshFamily, first: &RefreshTokenRecord)
    -> Result<(), RepoError>;
    /// The token with this digest and its family.
    async fn find(
        &self,
        digest: &RefreshDigest,
    ) -> Result<Option<(RefreshTokenRecord, RefreshFamily)>, RepoError>;
    /// The family with this id, revoked or not.
    async fn find_family(&self, id: RefreshFamilyId) -> Result<Option<RefreshFamily>, RepoError>;
    /// Marks `old` replaced at `now` and stores `successor`, in one step.
    async fn rotate(
        &self,
        old: &RefreshDigest,
        successor: &RefreshTokenRecord,
        now: OffsetDateTime,
    ) -> Result<Rotation, RepoError>;
    /// Binds the family to the DPoP key `key` (RFC 9449 §5), unless it is
    /// bound to another; whether it is bound to `key` now.
    async fn bind_sender_key(&self, family: RefreshFamilyId, key: &JwkThumbprint) -> Result<bool, RepoError>;
    /// Revokes every token of the family; whether this call revoked it
    /// (`false`: it was revoked already, or is unknown).
    async fn revoke_family(&self, family: RefreshFamilyId, now: OffsetDateTime) -> Result<bool, RepoError>;
    /// Revokes the families started by exchanging this code (a replayed code).
    async fn revoke_for_code(&self, code: &CodeDigest, now: OffsetDateTime) -> Result<u64, RepoError>;
    /// Deletes up to `limit` families whose absolute expiry is at or before
    /// `now`, with their tokens; returns how many families went.
    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError>;
}

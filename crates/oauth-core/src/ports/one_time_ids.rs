//! Identifiers that may be used once: the `jti` of DPoP proofs (RFC 9449
//! §11.1) and of client assertions (RFC 7523 §3), remembered until they
//! could no longer be accepted anyway.

use time::OffsetDateTime;

use crate::error::RepoError;
use crate::one_time_id::OneTimeId;

/// Persistence of used one-time identifiers, shared by every instance.
///
/// Contract (checked for every adapter by `testing::contract::one_time_ids`):
/// - `first_use` records `id` until `expires_at` and says `true` the first
///   time; every later call with the same id says `false` until the id was
///   purged; of any number of concurrent first uses exactly one says `true`,
///   also across instances sharing the store;
/// - `purge_expired` deletes at most `limit` ids expired before `before`;
/// - only a digest is stored, never the identifier as sent.
#[async_trait::async_trait]
pub trait OneTimeIdRepository: Send + Sync {
    /// Records `id`; whether this was its first use.
    async fn first_use(&self, id: &OneTimeId, expires_at: OffsetDateTime) -> Result<bool, RepoError>;

    /// Deletes at most `limit` ids expired before `before`; how many.
    async fn purge_expired(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError>;
}

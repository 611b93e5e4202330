//! Storage of signing keys.

use crate::error::RepoError;
use time::OffsetDateTime;

use crate::signing_key::StoredSigningKey;
use crate::token::SigningAlg;

/// Persistence of signing keys, shared by every instance.
///
/// Contract (checked by `testing::contract::signing_keys`):
/// - `insert` refuses a second key with the same `kid`, and a second active
///   or next key of one algorithm (`Conflict`);
/// - `list` returns every key, newest first;
/// - `rotate` is one step, and only when `expected_active` is still the
///   algorithm's active key: it retires that key, activates the algorithm's
///   `next` key and stores `new_next`; otherwise it changes nothing and
///   returns `false` (another instance rotated first);
/// - `delete_retired` removes retired keys retired at or before the cut-off.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait SigningKeyRepository: Send + Sync {
    /// Stores a new key.
    async fn insert(&self, key: &StoredSigningKey) -> Result<(), RepoError>;
    /// Every key, newest first.
    async fn list(&self) -> Result<Vec<StoredSigningKey>, RepoError>;
    /// Retires `expected_active`, activates the `next` key of `alg`, stores `new_next`.
    async fn rotate(
        &self,
        alg: SigningAlg,
        expected_active: &str,
        new_next: &StoredSigningKey,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError>;
    /// Deletes retired keys whose `retired_at` is at or before `retired_before`.
    async fn delete_retired(&self, retired_before: OffsetDateTime) -> Result<u64, RepoError>;
}

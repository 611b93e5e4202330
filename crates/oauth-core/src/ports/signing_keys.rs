//! Storage of signing keys.

use crate::error::RepoError;
use crate::signing_key::StoredSigningKey;

/// Persistence of signing keys, shared by every instance.
///
/// Contract: `insert` refuses a second key with the same `kid` (`Conflict`);
/// `list` returns every key, newest first.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait SigningKeyRepository: Send + Sync {
    /// Stores a new key.
    async fn insert(&self, key: &StoredSigningKey) -> Result<(), RepoError>;
    /// Every key, newest first.
    async fn list(&self) -> Result<Vec<StoredSigningKey>, RepoError>;
}

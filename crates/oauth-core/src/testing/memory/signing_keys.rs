//! `SigningKeyRepository` in memory: keys newest first, at most one `Active`
//! and one `Next` per algorithm.

use time::OffsetDateTime;

use super::InMemoryStore;
use crate::error::RepoError;
use crate::ports::SigningKeyRepository;
use crate::signing_key::{KeyState, StoredSigningKey};
use crate::token::SigningAlg;

#[async_trait::async_trait]
impl SigningKeyRepository for InMemoryStore {
    async fn insert(&self, key: &StoredSigningKey) -> Result<(), RepoError> {
        self.with(|t| {
            if t.signing_keys.iter().any(|k| k.kid == key.kid) {
                return Err(RepoError::Conflict("signing_keys.kid".into()));
            }
            let singular = matches!(key.state, KeyState::Active | KeyState::Next);
            if singular && t.signing_keys.iter().any(|k| k.alg == key.alg && k.state == key.state) {
                return Err(RepoError::Conflict("signing_keys_one_per_state".into()));
            }
            t.signing_keys.insert(0, key.clone());
            Ok(())
        })
    }

    async fn list(&self) -> Result<Vec<StoredSigningKey>, RepoError> {
        Ok(self.with(|t| t.signing_keys.clone()))
    }

    async fn rotate(
        &self,
        alg: SigningAlg,
        expected_active: &str,
        new_next: &StoredSigningKey,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        // Retire, promote and insert in one step: of concurrent rotations that
        // expect the same active key, one rotates and the others return
        // `false` (ports/signing_keys.rs).
        self.with(|t| {
            let keys = &mut t.signing_keys;
            let current = keys
                .iter()
                .position(|k| k.alg == alg && k.state == KeyState::Active && k.kid == expected_active);
            let next = keys.iter().position(|k| k.alg == alg && k.state == KeyState::Next);
            let (Some(current), Some(next)) = (current, next) else { return Ok(false) };
            if keys.iter().any(|k| k.kid == new_next.kid) {
                return Err(RepoError::Conflict("signing_keys.kid".into()));
            }
            keys[current].state = KeyState::Retired;
            keys[current].retired_at = Some(now);
            keys[next].state = KeyState::Active;
            keys[next].activated_at = Some(now);
            keys.insert(0, new_next.clone());
            Ok(true)
        })
    }

    async fn delete_retired(&self, retired_before: OffsetDateTime) -> Result<u64, RepoError> {
        Ok(self.with(|t| {
            let before = t.signing_keys.len();
            t.signing_keys.retain(|k| {
                !(k.state == KeyState::Retired && k.retired_at.is_some_and(|at| at <= retired_before))
            });
            (before - t.signing_keys.len()) as u64
        }))
    }
}

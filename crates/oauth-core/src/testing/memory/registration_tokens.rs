//! `RegistrationTokenRepository` in memory.

use time::OffsetDateTime;

use super::InMemoryStore;
use crate::error::RepoError;
use crate::ports::RegistrationTokenRepository;
use crate::registration_token::{RegistrationToken, RegistrationTokenDigest, RegistrationTokenId};

#[async_trait::async_trait]
impl RegistrationTokenRepository for InMemoryStore {
    async fn insert(&self, token: &RegistrationToken) -> Result<(), RepoError> {
        self.with(|t| {
            if t.registration_tokens.iter().any(|other| other.id == token.id || other.digest == token.digest)
            {
                return Err(RepoError::Conflict("registration_tokens".into()));
            }
            t.registration_tokens.push(token.clone());
            Ok(())
        })
    }

    async fn spend(
        &self,
        digest: &RegistrationTokenDigest,
        now: OffsetDateTime,
    ) -> Result<Option<RegistrationTokenId>, RepoError> {
        Ok(self.with(|t| {
            let token = t.registration_tokens.iter_mut().find(|token| &token.digest == digest)?;
            token.is_usable_at(now).then(|| {
                token.uses_left -= 1;
                token.id
            })
        }))
    }

    async fn list(&self) -> Result<Vec<RegistrationToken>, RepoError> {
        let mut all = self.with(|t| t.registration_tokens.clone());
        all.sort_by_key(|token| (token.created_at, token.id));
        Ok(all)
    }

    async fn revoke(&self, id: RegistrationTokenId, now: OffsetDateTime) -> Result<(), RepoError> {
        self.with(|t| {
            let token =
                t.registration_tokens.iter_mut().find(|token| token.id == id).ok_or(RepoError::NotFound)?;
            token.revoked_at.get_or_insert(now);
            Ok(())
        })
    }
}

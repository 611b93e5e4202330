//! `RevokedTokenRepository` in memory: revoked access-token `jti`s until the
//! token's own expiry.

use time::OffsetDateTime;

use super::InMemoryStore;
use super::tables::purge;
use crate::error::RepoError;
use crate::ports::RevokedTokenRepository;

#[async_trait::async_trait]
impl RevokedTokenRepository for InMemoryStore {
    async fn revoke(&self, jti: &str, expires_at: OffsetDateTime) -> Result<(), RepoError> {
        self.with(|t| {
            t.revoked_tokens.entry(jti.to_owned()).or_insert(expires_at);
        });
        Ok(())
    }

    async fn is_revoked(&self, jti: &str) -> Result<bool, RepoError> {
        Ok(self.with(|t| t.revoked_tokens.contains_key(jti)))
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        Ok(self.with(|t| purge(&mut t.revoked_tokens, limit, |until| *until <= now).len() as u64))
    }
}

//! `CodeRepository` in memory: the code rows plus the replay marks and the
//! access-token `jti`s a replay revokes (RFC 6749 §4.1.2).

use time::OffsetDateTime;

use super::InMemoryStore;
use super::tables::{StoredCode, purge};
use crate::code::{AuthorizationCode, CodeDigest, Consumed};
use crate::error::RepoError;
use crate::ports::CodeRepository;

#[async_trait::async_trait]
impl CodeRepository for InMemoryStore {
    async fn insert(&self, code: &AuthorizationCode) -> Result<(), RepoError> {
        self.with(|t| {
            if t.codes.contains_key(&code.digest) {
                return Err(RepoError::Conflict("authorization_codes.digest".into()));
            }
            t.codes.insert(code.digest.clone(), StoredCode { code: code.clone(), consumed_at: None });
            Ok(())
        })
    }

    async fn consume(&self, digest: &CodeDigest, now: OffsetDateTime) -> Result<Consumed, RepoError> {
        // Check and mark under one lock: of concurrent calls exactly one sees
        // `consumed_at` empty (ports/codes.rs).
        Ok(self.with(|t| match t.codes.get_mut(digest) {
            None => Consumed::Unknown,
            Some(StoredCode { code, consumed_at: consumed @ None }) => {
                *consumed = Some(now);
                Consumed::Now(code.clone())
            }
            Some(StoredCode { code, consumed_at: Some(_) }) => Consumed::Already(code.clone()),
        }))
    }

    async fn mark_replayed(&self, digest: &CodeDigest, _now: OffsetDateTime) -> Result<(), RepoError> {
        self.with(|t| t.replayed_codes.insert(digest.clone()));
        Ok(())
    }

    async fn record_access_token(&self, digest: &CodeDigest, jti: &str) -> Result<bool, RepoError> {
        // Write the `jti` and read the replay mark in one step, so a replay
        // racing the exchange sees the `jti` or is seen (ports/codes.rs).
        Ok(self.with(|t| {
            t.code_access_tokens.insert(digest.clone(), jti.to_owned());
            t.replayed_codes.contains(digest)
        }))
    }

    async fn access_token_of(&self, digest: &CodeDigest) -> Result<Option<String>, RepoError> {
        Ok(self.with(|t| t.code_access_tokens.get(digest).cloned()))
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        Ok(self.with(|t| purge(&mut t.codes, limit, |row| row.code.expires_at <= now).len() as u64))
    }
}

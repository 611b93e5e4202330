//! `PushedRequestRepository` in memory.

use time::OffsetDateTime;

use super::InMemoryStore;
use super::tables::purge;
use crate::client::ClientId;
use crate::error::RepoError;
use crate::ports::PushedRequestRepository;
use crate::pushed_request::{PushedRequest, PushedRequestDigest};

#[async_trait::async_trait]
impl PushedRequestRepository for InMemoryStore {
    async fn insert(&self, request: &PushedRequest) -> Result<(), RepoError> {
        self.with(|t| {
            if !t.clients.contains_key(&request.client_id) {
                return Err(RepoError::Conflict("pushed_requests.client_id".into()));
            }
            if t.pushed_requests.contains_key(&request.digest) {
                return Err(RepoError::Conflict("pushed_requests.digest".into()));
            }
            t.pushed_requests.insert(request.digest.clone(), request.clone());
            Ok(())
        })
    }

    async fn take(
        &self,
        digest: &PushedRequestDigest,
        client: &ClientId,
        now: OffsetDateTime,
    ) -> Result<Option<PushedRequest>, RepoError> {
        Ok(self.with(|t| {
            let usable =
                t.pushed_requests.get(digest).is_some_and(|p| &p.client_id == client && now < p.expires_at);
            if usable { t.pushed_requests.remove(digest) } else { None }
        }))
    }

    async fn purge_expired(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        Ok(self.with(|t| purge(&mut t.pushed_requests, limit, |p| p.expires_at < before).len() as u64))
    }
}

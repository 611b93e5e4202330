//! `OneTimeIdRepository` in memory.

use time::OffsetDateTime;

use super::InMemoryStore;
use super::tables::purge;
use crate::error::RepoError;
use crate::one_time_id::OneTimeId;
use crate::ports::OneTimeIdRepository;

#[async_trait::async_trait]
impl OneTimeIdRepository for InMemoryStore {
    async fn first_use(&self, id: &OneTimeId, expires_at: OffsetDateTime) -> Result<bool, RepoError> {
        Ok(self.with(|t| {
            if t.one_time_ids.contains_key(id.as_str()) {
                return false;
            }
            t.one_time_ids.insert(id.as_str().to_owned(), expires_at);
            true
        }))
    }

    async fn purge_expired(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        Ok(self.with(|t| purge(&mut t.one_time_ids, limit, |expires_at| *expires_at < before).len() as u64))
    }
}

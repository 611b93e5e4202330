//! `LoginAttemptRepository` in memory: failure counters by throttle key.

use time::OffsetDateTime;

use super::InMemoryStore;
use super::tables::purge;
use crate::error::RepoError;
use crate::ports::LoginAttemptRepository;
use crate::throttle::{FailureCount, ThrottleKey};

#[async_trait::async_trait]
impl LoginAttemptRepository for InMemoryStore {
    async fn failures(&self, key: &ThrottleKey) -> Result<Option<FailureCount>, RepoError> {
        Ok(self.with(|t| t.attempts.get(key).copied()))
    }

    async fn record_failure(
        &self,
        key: &ThrottleKey,
        now: OffsetDateTime,
        memory: time::Duration,
    ) -> Result<FailureCount, RepoError> {
        Ok(self.with(|t| {
            let count =
                t.attempts.entry(key.clone()).or_insert(FailureCount { failures: 0, last_failure_at: now });
            if now - count.last_failure_at > memory {
                count.failures = 0;
            }
            count.failures += 1;
            count.last_failure_at = now;
            *count
        }))
    }

    async fn forgive_one(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        self.with(|t| {
            if let Some(count) = t.attempts.get_mut(key) {
                count.failures = count.failures.saturating_sub(1);
            }
        });
        Ok(())
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        self.with(|t| t.attempts.remove(key));
        Ok(())
    }

    async fn purge_stale(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        Ok(self.with(|t| purge(&mut t.attempts, limit, |c| c.last_failure_at <= before).len() as u64))
    }
}

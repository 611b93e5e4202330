//! `SecurityEventRepository` in memory.

use time::OffsetDateTime;

use super::InMemoryStore;
use crate::error::RepoError;
use crate::ports::SecurityEventRepository;
use crate::security_event::{EventFilter, SecurityEvent};

#[async_trait::async_trait]
impl SecurityEventRepository for InMemoryStore {
    async fn append(&self, events: &[SecurityEvent]) -> Result<(), RepoError> {
        self.with(|t| t.security_events.extend_from_slice(events));
        Ok(())
    }

    async fn list(&self, filter: &EventFilter, limit: u32) -> Result<Vec<SecurityEvent>, RepoError> {
        Ok(self.with(|t| {
            let mut matching: Vec<(usize, &SecurityEvent)> =
                t.security_events.iter().enumerate().filter(|(_, event)| filter.matches(event)).collect();
            matching.sort_by_key(|(order, event)| (event.occurred_at, *order));
            let skip = matching.len().saturating_sub(limit as usize);
            matching.into_iter().skip(skip).map(|(_, event)| event.clone()).collect()
        }))
    }

    async fn purge_before(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        Ok(self.with(|t| {
            let mut left = limit as usize;
            t.security_events.retain(|event| {
                let purge = left > 0 && event.occurred_at < before;
                if purge {
                    left -= 1;
                }
                !purge
            });
            (limit as usize - left) as u64
        }))
    }
}

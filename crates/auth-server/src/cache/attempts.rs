//! Failure counters, read through a short-lived cache.

use std::sync::Arc;

use oauth_core::RepoError;
use oauth_core::ports::{Clock, LoginAttemptRepository};
use oauth_core::throttle::{FailureCount, ThrottleKey};
use time::{Duration, OffsetDateTime};

use super::ttl_map::TtlMap;

/// Keys are per client and address, which an attacker can vary: bounded.
const CAPACITY: usize = 16_384;

/// `failures` answers from memory for `ttl` after a read; every write goes to
/// the store and its answer, the shared count, replaces the cached one.
///
/// SECURITY (RFC 6749 §2.3.1, brute force): the count in the store stays the
/// only limit, and every failure is still recorded there. A cached count can
/// only be behind failures recorded by *other* instances (a late read never
/// replaces a newer count), and the first failure here returns the shared
/// count and refreshes the cache: sequential attempts get at most one extra
/// try per instance past the limit. Attempts already in flight when the
/// limit is crossed are judged, with or without this cache, since the check
/// and the count are separate steps.
pub struct CachedLoginAttempts {
    store: Arc<dyn LoginAttemptRepository>,
    clock: Arc<dyn Clock>,
    counts: TtlMap<ThrottleKey, Option<FailureCount>>,
}

impl CachedLoginAttempts {
    /// A cache over `store`; `ttl` zero reads the store every time.
    pub fn new(store: Arc<dyn LoginAttemptRepository>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Self { store, clock, counts: TtlMap::new(ttl, CAPACITY) }
    }
}

impl std::fmt::Debug for CachedLoginAttempts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedLoginAttempts").finish_non_exhaustive()
    }
}

/// Counts only grow until a failure outside the window restarts them, so the
/// later last failure, then the higher count, is the newer answer.
fn newer(cached: Option<FailureCount>, other: Option<FailureCount>) -> bool {
    let rank = |count: Option<FailureCount>| count.map(|c| (c.last_failure_at, c.failures));
    rank(cached) > rank(other)
}

#[async_trait::async_trait]
impl LoginAttemptRepository for CachedLoginAttempts {
    async fn failures(&self, key: &ThrottleKey) -> Result<Option<FailureCount>, RepoError> {
        let now = self.clock.now();
        if let Some(count) = self.counts.get(key, now) {
            return Ok(count);
        }
        let count = self.store.failures(key).await?;
        self.counts.put_unless(key.clone(), count, now, |cached, read| newer(*cached, *read));
        Ok(count)
    }

    async fn record_failure(
        &self,
        key: &ThrottleKey,
        now: OffsetDateTime,
        memory: Duration,
    ) -> Result<FailureCount, RepoError> {
        let count = self.store.record_failure(key, now, memory).await;
        match &count {
            Ok(count) => {
                self.counts.put_unless(key.clone(), Some(*count), self.clock.now(), |cached, recorded| {
                    newer(*cached, *recorded)
                });
            }
            Err(_) => self.counts.forget(key),
        }
        count
    }

    async fn forgive_one(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        let outcome = self.store.forgive_one(key).await;
        // A lower count at the same time ranks as older in `newer`: the
        // cached count is dropped, so the next read takes the store's.
        self.counts.forget(key);
        outcome
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        let outcome = self.store.clear(key).await;
        self.counts.forget(key);
        outcome
    }

    async fn purge_stale(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let purged = self.store.purge_stale(before, limit).await;
        // Counters the store dropped must not live on here.
        self.counts.forget_all();
        purged
    }
}

#[cfg(test)]
mod tests {
    use oauth_core::testing::{InMemoryStore, ManualClock};
    use oauth_core::throttle::client_key;
    use time::macros::datetime;

    use super::*;

    const T0: OffsetDateTime = datetime!(2026-11-29 12:00 UTC);
    const MEMORY: Duration = Duration::minutes(1);

    fn caches_over(store: &Arc<InMemoryStore>, clock: &Arc<ManualClock>) -> CachedLoginAttempts {
        CachedLoginAttempts::new(store.clone(), clock.clone(), Duration::seconds(1))
    }

    #[tokio::test]
    async fn a_failure_here_replaces_the_cached_count_with_the_shared_one() {
        let store = Arc::new(InMemoryStore::default());
        let clock = Arc::new(ManualClock::at(T0));
        let (here, elsewhere) = (caches_over(&store, &clock), caches_over(&store, &clock));
        let key = client_key("client1", "192.0.2.1");
        assert_eq!(here.failures(&key).await.unwrap(), None);
        for _ in 0..5 {
            elsewhere.record_failure(&key, T0, MEMORY).await.unwrap();
        }
        assert_eq!(here.failures(&key).await.unwrap(), None, "another instance's failures: within the ttl");
        let shared = here.record_failure(&key, T0, MEMORY).await.unwrap();
        assert_eq!(shared.failures, 6, "the store's count, not a local one");
        assert_eq!(here.failures(&key).await.unwrap().map(|c| c.failures), Some(6));
    }

    #[tokio::test]
    async fn cached_counts_expire_and_clear_and_purge_forget() {
        let store = Arc::new(InMemoryStore::default());
        let clock = Arc::new(ManualClock::at(T0));
        let cache = caches_over(&store, &clock);
        let key = client_key("client1", "192.0.2.1");
        cache.failures(&key).await.unwrap();
        store.record_failure(&key, T0, MEMORY).await.unwrap();
        clock.advance(Duration::seconds(1));
        assert_eq!(cache.failures(&key).await.unwrap().map(|c| c.failures), Some(1), "re-read after the ttl");
        cache.clear(&key).await.unwrap();
        assert_eq!(cache.failures(&key).await.unwrap(), None);
        store.record_failure(&key, T0, MEMORY).await.unwrap();
        cache.purge_stale(T0 - MEMORY, 10).await.unwrap();
        assert_eq!(
            cache.failures(&key).await.unwrap().map(|c| c.failures),
            Some(1),
            "purge forgot the cache"
        );
    }

    #[tokio::test]
    async fn a_forgiven_failure_is_read_from_the_store_at_once() {
        let store = Arc::new(InMemoryStore::default());
        let clock = Arc::new(ManualClock::at(T0));
        let cache = caches_over(&store, &clock);
        let key = client_key("client1", "192.0.2.1");
        cache.record_failure(&key, T0, MEMORY).await.unwrap();
        cache.record_failure(&key, T0, MEMORY).await.unwrap();
        cache.forgive_one(&key).await.unwrap();
        assert_eq!(cache.failures(&key).await.unwrap().map(|c| c.failures), Some(1), "not the cached 2");
        assert_eq!(store.failures(&key).await.unwrap().map(|c| c.failures), Some(1));
    }
}

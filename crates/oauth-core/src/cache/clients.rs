//! The client registry, read through a short-lived cache.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use super::ttl_map::TtlMap;
use crate::client::{Client, ClientId, StoredSecret};
use crate::error::RepoError;
use crate::ports::{ClientRepository, Clock};

/// More clients than any deployment registers; only found clients are kept,
/// so unknown ids sent by anyone cannot fill it.
const CAPACITY: usize = 4096;

/// `find` answers from memory for `ttl` after a read; every other read and
/// every write goes to the store, and a write forgets the client it changed.
///
/// Staleness, bounded by `ttl`, only ever comes from changes made elsewhere
/// (the CLI, another instance): a client disabled there may still be served
/// here until the entry expires. Callers ask [`ClientRepository::find_fresh`]
/// before a refusal, so a secret rotated elsewhere is accepted at once;
/// [`ClientRepository::find_cached`] answers from memory only, so that a
/// refusal costs one store read whether or not a copy was held.
pub struct CachedClients {
    store: Arc<dyn ClientRepository>,
    clock: Arc<dyn Clock>,
    found: TtlMap<ClientId, Client>,
}

impl CachedClients {
    /// A cache over `store`; `ttl` zero reads the store every time.
    pub fn new(store: Arc<dyn ClientRepository>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Self { store, clock, found: TtlMap::new(ttl, CAPACITY) }
    }

    fn remember(&self, found: Option<Client>, read_at: OffsetDateTime) -> Option<Client> {
        if let Some(client) = &found {
            self.found.put(client.id.clone(), client.clone(), read_at);
        }
        found
    }
}

impl std::fmt::Debug for CachedClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedClients").finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl ClientRepository for CachedClients {
    async fn insert(&self, client: &Client) -> Result<(), RepoError> {
        self.store.insert(client).await
    }

    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        if let Some(client) = self.found.get(id, self.clock.now()) {
            return Ok(Some(client));
        }
        self.find_fresh(id).await
    }

    async fn find_cached(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        Ok(self.found.get(id, self.clock.now()))
    }

    async fn find_fresh(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        let read_at = self.clock.now();
        let found = self.store.find(id).await?;
        if found.is_none() {
            self.found.forget(id);
        }
        Ok(self.remember(found, read_at))
    }

    async fn find_by_name(&self, name: &str) -> Result<Option<Client>, RepoError> {
        self.store.find_by_name(name).await
    }

    async fn list(&self) -> Result<Vec<Client>, RepoError> {
        self.store.list().await
    }

    async fn update(&self, client: &Client) -> Result<(), RepoError> {
        let outcome = self.store.update(client).await;
        self.found.forget(&client.id);
        outcome
    }

    async fn rotate_secret(
        &self,
        id: &ClientId,
        new: &StoredSecret,
        previous_until: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        let outcome = self.store.rotate_secret(id, new, previous_until, now).await;
        self.found.forget(id);
        outcome
    }

    async fn delete(&self, id: &ClientId) -> Result<(), RepoError> {
        let outcome = self.store.delete(id).await;
        self.found.forget(id);
        outcome
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::client::{SecretDigest, StoredSecret};
    use crate::testing::fixtures::client;
    use crate::testing::{InMemoryStore, ManualClock};

    const T0: OffsetDateTime = datetime!(2026-11-29 12:00 UTC);

    struct Fixture {
        store: Arc<InMemoryStore>,
        clock: Arc<ManualClock>,
        cache: CachedClients,
        client: Client,
    }

    async fn fixture(ttl: Duration) -> Fixture {
        let store = Arc::new(InMemoryStore::default());
        let clock = Arc::new(ManualClock::at(T0));
        let client = client(1, "Cached", "s3cret");
        store.insert(&client).await.unwrap();
        let cache = CachedClients::new(store.clone(), clock.clone(), ttl);
        Fixture { store, clock, cache, client }
    }

    fn disabled(client: &Client) -> Client {
        Client { disabled: true, ..client.clone() }
    }

    #[tokio::test]
    async fn a_change_elsewhere_is_seen_once_the_ttl_passed_and_not_before() {
        let f = fixture(Duration::seconds(1)).await;
        assert!(!f.cache.find(&f.client.id).await.unwrap().unwrap().disabled);
        // Another process disables it, straight in the store.
        f.store.update(&disabled(&f.client)).await.unwrap();
        f.clock.advance(Duration::milliseconds(999));
        assert!(!f.cache.find(&f.client.id).await.unwrap().unwrap().disabled, "within the ttl");
        assert!(f.cache.find_fresh(&f.client.id).await.unwrap().unwrap().disabled, "fresh reads the store");
        f.store.update(&f.client).await.unwrap();
        f.clock.advance(Duration::seconds(1));
        assert!(!f.cache.find(&f.client.id).await.unwrap().unwrap().disabled, "expired copy re-read");
    }

    #[tokio::test]
    async fn writes_through_the_cache_are_seen_at_once() {
        let f = fixture(Duration::seconds(1)).await;
        f.cache.find(&f.client.id).await.unwrap();
        f.cache.update(&disabled(&f.client)).await.unwrap();
        assert!(f.cache.find(&f.client.id).await.unwrap().unwrap().disabled);
        let new = StoredSecret { digest: SecretDigest::of("rotated"), created_at: T0, expires_at: None };
        f.cache.rotate_secret(&f.client.id, &new, None, T0).await.unwrap();
        assert!(f.cache.find(&f.client.id).await.unwrap().unwrap().secret_matches("rotated", T0));
        f.cache.delete(&f.client.id).await.unwrap();
        assert!(f.cache.find(&f.client.id).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_client_deleted_elsewhere_is_forgotten_by_a_fresh_read() {
        let f = fixture(Duration::seconds(1)).await;
        f.cache.find(&f.client.id).await.unwrap();
        f.store.delete(&f.client.id).await.unwrap();
        assert!(f.cache.find_fresh(&f.client.id).await.unwrap().is_none());
        assert!(f.cache.find(&f.client.id).await.unwrap().is_none(), "not served from memory after");
    }

    #[tokio::test]
    async fn zero_ttl_always_reads_the_store() {
        let f = fixture(Duration::ZERO).await;
        f.cache.find(&f.client.id).await.unwrap();
        f.store.update(&disabled(&f.client)).await.unwrap();
        assert!(f.cache.find(&f.client.id).await.unwrap().unwrap().disabled);
    }
}

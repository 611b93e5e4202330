//! Copies of clients, trusted for a fixed time after they were read.

use oauth_core::client::{Client, ClientId};
use oauth_core::ports::ClientCache;
use time::{Duration, OffsetDateTime};

use super::ttl_map::TtlMap;

/// More clients than any deployment registers; the directory keeps only
/// found clients, so unknown ids sent by anyone cannot fill it.
const CAPACITY: usize = 4096;

/// A [`ClientCache`] whose copies are hits for `ttl` after their read began.
///
/// Staleness, bounded by `ttl`, only ever comes from changes made elsewhere
/// (the CLI, another instance): the server never changes a client itself. A
/// client disabled there may still be accepted here until its copy expires;
/// the `ClientDirectory` reads the store before any refusal, so a secret
/// rotated elsewhere is accepted at once.
pub struct TtlClientCache {
    copies: TtlMap<ClientId, Client>,
}

impl TtlClientCache {
    /// A cache trusting copies for `ttl`; zero keeps nothing.
    pub fn new(ttl: Duration) -> Self {
        Self { copies: TtlMap::new(ttl, CAPACITY) }
    }
}

impl std::fmt::Debug for TtlClientCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TtlClientCache").finish_non_exhaustive()
    }
}

impl ClientCache for TtlClientCache {
    fn get(&self, id: &ClientId, now: OffsetDateTime) -> Option<Client> {
        self.copies.get(id, now)
    }

    fn put(&self, client: Client, read_at: OffsetDateTime) {
        self.copies.put(client.id.clone(), client, read_at);
    }

    fn forget(&self, id: &ClientId) {
        self.copies.forget(id);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use oauth_core::client::{SecretDigest, StoredSecret};
    use oauth_core::ports::ClientRepository;
    use oauth_core::service::client_directory::ClientDirectory;
    use oauth_core::testing::fixtures::client;
    use oauth_core::testing::{InMemoryStore, ManualClock};
    use time::macros::datetime;

    use super::*;

    const T0: OffsetDateTime = datetime!(2026-11-29 12:00 UTC);

    struct Fixture {
        store: Arc<InMemoryStore>,
        clock: Arc<ManualClock>,
        cache: Arc<TtlClientCache>,
        directory: ClientDirectory,
        client: Client,
    }

    async fn fixture(ttl: Duration) -> Fixture {
        let store = Arc::new(InMemoryStore::default());
        let clock = Arc::new(ManualClock::at(T0));
        let client = client(1, "Cached", "s3cret");
        ClientRepository::insert(store.as_ref(), &client).await.unwrap();
        let cache = Arc::new(TtlClientCache::new(ttl));
        let directory = ClientDirectory::cached(store.clone(), cache.clone(), clock.clone());
        Fixture { store, clock, cache, directory, client }
    }

    fn disabled(client: &Client) -> Client {
        Client { disabled: true, ..client.clone() }
    }

    /// The directory's answer when a copy may be used: it accepts any client.
    async fn find(f: &Fixture) -> Option<Client> {
        f.directory.find_accepted(&f.client.id, |_| true).await.unwrap()
    }

    async fn change_elsewhere(f: &Fixture, client: &Client) {
        ClientRepository::update(f.store.as_ref(), client).await.unwrap();
    }

    #[tokio::test]
    async fn a_change_elsewhere_is_seen_once_the_ttl_passed_and_not_before() {
        let f = fixture(Duration::seconds(1)).await;
        assert!(!find(&f).await.unwrap().disabled);
        change_elsewhere(&f, &disabled(&f.client)).await;
        f.clock.advance(Duration::milliseconds(999));
        assert!(!find(&f).await.unwrap().disabled, "within the ttl");
        assert!(
            f.directory.find_fresh(&f.client.id).await.unwrap().unwrap().disabled,
            "fresh reads the store"
        );
        change_elsewhere(&f, &f.client).await;
        f.clock.advance(Duration::seconds(1));
        assert!(!find(&f).await.unwrap().disabled, "expired copy re-read");
    }

    #[tokio::test]
    async fn a_fresh_read_replaces_the_copy_at_once() {
        let f = fixture(Duration::seconds(1)).await;
        find(&f).await;
        change_elsewhere(&f, &disabled(&f.client)).await;
        f.directory.find_fresh(&f.client.id).await.unwrap();
        assert!(find(&f).await.unwrap().disabled);
        let new = StoredSecret { digest: SecretDigest::of("rotated"), created_at: T0, expires_at: None };
        ClientRepository::rotate_secret(f.store.as_ref(), &f.client.id, &new, None, T0).await.unwrap();
        let rotated = f.directory.find_accepted(&f.client.id, |c| c.secret_matches("rotated", T0)).await;
        assert!(rotated.unwrap().is_some(), "a copy that refuses is read again");
        assert!(find(&f).await.unwrap().secret_matches("rotated", T0), "and replaced");
        f.cache.forget(&f.client.id);
        assert!(f.cache.get(&f.client.id, T0).is_none(), "forget drops the copy");
    }

    #[tokio::test]
    async fn a_client_deleted_elsewhere_is_forgotten_by_a_fresh_read() {
        let f = fixture(Duration::seconds(1)).await;
        find(&f).await;
        ClientRepository::delete(f.store.as_ref(), &f.client.id).await.unwrap();
        assert!(f.directory.find_fresh(&f.client.id).await.unwrap().is_none());
        assert!(find(&f).await.is_none(), "not served from memory after");
    }

    #[tokio::test]
    async fn zero_ttl_always_reads_the_store() {
        let f = fixture(Duration::ZERO).await;
        find(&f).await;
        change_elsewhere(&f, &disabled(&f.client)).await;
        assert!(find(&f).await.unwrap().disabled);
    }
}

//! What a failed client authentication costs the store: the same work
//! whether the `client_id` exists or not (docs/SECURITY.md § Client
//! authentication), with a client cache in front, as deployed.

use std::sync::atomic::{AtomicU32, Ordering};

use super::*;
use crate::client::{Client, StoredSecret};
use crate::error::RepoError;
use crate::ports::LoginAttemptRepository;
use crate::service::client_directory::ClientDirectory;
use crate::testing::MemoryClientCache;
use crate::throttle::{FailureCount, ThrottleKey};

/// The in-memory store, counting the client reads and the counter calls that reach it.
#[derive(Default)]
struct Counting {
    inner: InMemoryStore,
    client_reads: AtomicU32,
    attempt_calls: AtomicU32,
}

impl Counting {
    fn calls(&self) -> (u32, u32) {
        (self.client_reads.load(Ordering::SeqCst), self.attempt_calls.load(Ordering::SeqCst))
    }

    fn read(&self) {
        self.client_reads.fetch_add(1, Ordering::SeqCst);
    }

    fn attempt(&self) {
        self.attempt_calls.fetch_add(1, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl ClientRepository for Counting {
    async fn insert(&self, client: &Client) -> Result<(), RepoError> {
        ClientRepository::insert(&self.inner, client).await
    }

    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        self.read();
        ClientRepository::find(&self.inner, id).await
    }

    async fn find_by_name(&self, name: &str) -> Result<Option<Client>, RepoError> {
        self.read();
        self.inner.find_by_name(name).await
    }

    async fn list(&self) -> Result<Vec<Client>, RepoError> {
        self.read();
        ClientRepository::list(&self.inner).await
    }

    async fn update(&self, client: &Client) -> Result<(), RepoError> {
        self.inner.update(client).await
    }

    async fn rotate_secret(
        &self,
        id: &ClientId,
        new: &StoredSecret,
        previous_until: Option<time::OffsetDateTime>,
        now: time::OffsetDateTime,
    ) -> Result<(), RepoError> {
        self.inner.rotate_secret(id, new, previous_until, now).await
    }

    async fn delete(&self, id: &ClientId) -> Result<(), RepoError> {
        ClientRepository::delete(&self.inner, id).await
    }

    async fn replace_metadata(
        &self,
        id: &ClientId,
        metadata: &crate::client::ClientMetadata,
        now: time::OffsetDateTime,
    ) -> Result<(), RepoError> {
        self.inner.replace_metadata(id, metadata, now).await
    }

    async fn purge_unapproved_documents(
        &self,
        before: time::OffsetDateTime,
        limit: u32,
    ) -> Result<u64, RepoError> {
        self.inner.purge_unapproved_documents(before, limit).await
    }
}

#[async_trait::async_trait]
impl LoginAttemptRepository for Counting {
    async fn failures(&self, key: &ThrottleKey) -> Result<Option<FailureCount>, RepoError> {
        self.attempt();
        self.inner.failures(key).await
    }

    async fn record_failure(
        &self,
        key: &ThrottleKey,
        now: time::OffsetDateTime,
        memory: Duration,
    ) -> Result<FailureCount, RepoError> {
        self.attempt();
        self.inner.record_failure(key, now, memory).await
    }

    async fn forgive_one(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        self.attempt();
        self.inner.forgive_one(key).await
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        self.attempt();
        self.inner.clear(key).await
    }

    async fn purge_stale(&self, before: time::OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        self.inner.purge_stale(before, limit).await
    }
}

/// The token service over the counting store, the client cache in front.
async fn counted() -> (Endpoints, Arc<Counting>) {
    let store = Arc::new(InMemoryStore::default());
    let counting = Arc::new(Counting::default());
    let clock = Arc::new(ManualClock::at(T0));
    let mut machine = fixtures::client(2, "Machine", "m-secret");
    machine.metadata.grant_types = [GrantType::ClientCredentials].into();
    ClientRepository::insert(&counting.inner, &machine).await.unwrap();
    let signer = Arc::new(RecordingSigner::default());
    let ports = Ports {
        clients: ClientDirectory::cached(
            counting.clone(),
            Arc::new(MemoryClientCache::default()),
            clock.clone(),
        ),
        users: store.clone(),
        codes: store.clone(),
        refresh: store.clone(),
        grants: store.clone(),
        revoked: store.clone(),
        apps: store.clone(),
        attempts: counting.clone(),
        signer: signer.clone(),
        verifier: signer,
        clock,
        random: Arc::new(SeqRandom::new(5)),
        targets: crate::service::resource_targets::ResourceTargets::new(store.clone()),
        registrations: None,
        dpop: None,
        assertions: None,
        devices: None,
        events: Arc::new(crate::ports::DiscardEvents),
    };
    let catalog = Arc::new(ScopeCatalog::new([("api:read", "Read")]).unwrap());
    (Endpoints::new(ports, catalog, TokenPolicy::for_issuer(ISSUER)), counting)
}

fn client_credentials() -> TokenParams {
    TokenParams { grant_type: Some("client_credentials".into()), ..TokenParams::default() }
}

#[tokio::test]
async fn an_unknown_client_id_costs_the_store_what_a_wrong_secret_costs() {
    let (service, store) = counted().await;
    // The known client was just used, so this instance holds a copy of it.
    let granted = service.token(&basic("client2", "m-secret"), client_credentials(), "192.0.2.1").await;
    assert_eq!(error_code(granted), "granted");
    let mut costs = Vec::new();
    for (name, credentials) in
        [("wrong secret", basic("client2", "nope")), ("unknown id", basic("nobody", "nope"))]
    {
        let before = store.calls();
        let answer = service.token(&credentials, client_credentials(), "192.0.2.1").await;
        assert_eq!(error_code(answer), "invalid_client", "{name}");
        let after = store.calls();
        costs.push((name, after.0 - before.0, after.1 - before.1));
    }
    let [(_, known_reads, known_attempts), (_, unknown_reads, unknown_attempts)] = costs[..] else {
        unreachable!()
    };
    assert_eq!(known_reads, unknown_reads, "client reads: {costs:?}");
    assert_eq!(known_attempts, unknown_attempts, "failure-counter calls: {costs:?}");
}

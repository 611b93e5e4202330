//! Database round trips per flow, on both backends: the authorization
//! request of a signed-in user who consented before (up to the code), the
//! code exchange, and one refresh, each driven through oauth-core's services
//! over the real store. Prints a table (`--nocapture`) and fails when a flow
//! needs more round trips than the bounds below, which are today's counts
//! (docs/BENCHMARKS.md § Database round trips per flow).
//!
//! Two compositions: the store alone, and the store behind the read caches
//! the server puts in front of it (docs/SECURITY.md § Read caches) while
//! their copies are fresh. The client cache is oauth-core's own
//! `MemoryClientCache`; the failure-counter cache is the small stand-in
//! below, because the server's lives in `auth-server`, which this crate must
//! not depend on. The server's verified-token cache serves none of these flows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stderr)] // test code

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use oauth_core::RepoError;
use oauth_core::authorization_request::AuthorizationParams;
use oauth_core::client::ClientSpec;
use oauth_core::client_auth::PresentedCredentials;
use oauth_core::password::Password;
use oauth_core::ports::{Clock, LoginAttemptRepository, PasswordHasher as _};
use oauth_core::scope::ScopeCatalog;
use oauth_core::service::authorize::{
    AuthorizationResponse, AuthorizeOutcome, AuthorizePorts, AuthorizeService, Decision, LoginForm,
    LoginOutcome, Next, SignInPolicy,
};
use oauth_core::service::client_directory::ClientDirectory;
use oauth_core::service::clients::ClientService;
use oauth_core::service::token::TokenParams;
use oauth_core::service::token_endpoints::{TokenEndpointPorts, TokenEndpoints};
use oauth_core::service::users::{NewUser, UserService};
use oauth_core::testing::{
    ManualClock, MemoryClientCache, PlainTextHasher, RecordingSigner, SeqRandom, fixtures,
};
use oauth_core::throttle::{FailureCount, ThrottleKey};
use oauth_core::token::TokenPolicy;
use oauth_store_diesel::testing::TestDatabase;
use oauth_store_diesel::{DieselStore, PoolOptions, run_migrations};
use time::{Duration, OffsetDateTime};

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"; // RFC 7636 Appendix B
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const CALLBACK: &str = "https://app.example/cb";
const ADDRESS: &str = "192.0.2.1";
const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";

/// Round trips of one pass over the three flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    code: u64,
    exchange: u64,
    refresh: u64,
}

/// Today's counts: the most each flow may take, per backend and composition.
/// Lower them when a change saves round trips; never raise them to pass.
/// PostgreSQL does each step of a flow in one statement; SQLite, which has
/// no data-modifying `WITH`, runs a step's statements in one transaction
/// (docs/BENCHMARKS.md § Database round trips per flow).
const BOUNDS: [(&str, &str, Counts); 4] = [
    ("sqlite", "store alone", Counts { code: 4, exchange: 11, refresh: 9 }),
    ("sqlite", "as served", Counts { code: 2, exchange: 7, refresh: 5 }),
    ("postgres", "store alone", Counts { code: 4, exchange: 6, refresh: 6 }),
    ("postgres", "as served", Counts { code: 2, exchange: 2, refresh: 2 }),
];

/// The services of one composition over the store, with the shared fakes.
struct Services {
    authorize: AuthorizeService,
    endpoints: TokenEndpoints,
}

/// What every composition shares: the store, the fakes, the client, and a
/// signed-in user who consented once.
struct World {
    store: Arc<DieselStore>,
    clock: Arc<ManualClock>,
    random: Arc<SeqRandom>,
    scopes: Arc<ScopeCatalog>,
    client_id: String,
    session: String,
}

impl World {
    async fn new(db: &TestDatabase) -> Self {
        run_migrations(db.url()).expect("migrate");
        let store = Arc::new(DieselStore::open(db.url(), &PoolOptions::default()).expect("open"));
        let clock = Arc::new(ManualClock::at(fixtures::T0));
        let random = Arc::new(SeqRandom::new(1));
        let scopes = Arc::new(ScopeCatalog::default());
        let clients = ClientService::new(store.clone(), clock.clone(), random.clone(), scopes.clone());
        let spec = ClientSpec::public("App", CALLBACK, &["openid", "offline_access"]);
        let (client, _) = clients.create(&spec).await.unwrap();
        let users = UserService::new(store.clone(), Arc::new(PlainTextHasher), clock.clone(), random.clone());
        users.create(NewUser::verified(EMAIL, "Ada", PASSWORD)).await.unwrap();
        let mut world =
            Self { store, clock, random, scopes, client_id: client.id.to_string(), session: String::new() };
        world.session = world.sign_in_and_consent().await;
        world
    }

    /// Signs in and consents through the uncached services; returns the session cookie.
    async fn sign_in_and_consent(&self) -> String {
        let services = self.services(false).await;
        let begun = services.authorize.begin(self.request(), None, ADDRESS).await.unwrap();
        let (AuthorizeOutcome::Login(page), Some(cookie)) = (begun.outcome, begun.new_session) else {
            panic!("expected the login page")
        };
        let form = LoginForm::answering(&page, EMAIL, PASSWORD, ADDRESS);
        let signed_in = services.authorize.login(form, Some(cookie.expose())).await.unwrap();
        let LoginOutcome::SignedIn { session, next: Next::Consent { pending, .. } } = signed_in else {
            panic!("expected the consent page")
        };
        let csrf = oauth_core::session::csrf_token(session.expose());
        let decided = services
            .authorize
            .decide(Some(session.expose()), &csrf, &pending, &self.client_id, Decision::Approve)
            .await
            .unwrap();
        assert!(matches!(decided, AuthorizationResponse::Code { .. }), "consented");
        session.expose().to_owned()
    }

    fn request(&self) -> AuthorizationParams {
        let query = format!(
            "response_type=code&client_id={}&redirect_uri={CALLBACK}&scope=openid%20offline_access\
             &code_challenge={CHALLENGE}&code_challenge_method=S256",
            self.client_id
        );
        AuthorizationParams::from_urlencoded(query.as_bytes())
    }

    /// The services over the store alone, or behind the server's read caches.
    async fn services(&self, served: bool) -> Services {
        let hasher = Arc::new(PlainTextHasher);
        let dummy = hasher.hash(&Password::new("a throwaway password".into()).unwrap()).await.unwrap();
        let clock: Arc<dyn Clock> = self.clock.clone();
        let mut authorize_ports =
            AuthorizePorts::over(&self.store, hasher, clock.clone(), self.random.clone());
        let signer = Arc::new(RecordingSigner::default());
        let mut token_ports =
            TokenEndpointPorts::over(&self.store, signer.clone(), signer, clock.clone(), self.random.clone());
        if served {
            let clients =
                ClientDirectory::cached(self.store.clone(), Arc::new(MemoryClientCache::default()), clock);
            authorize_ports.clients = clients.clone();
            token_ports.clients = clients;
            token_ports.attempts = Arc::new(RememberedCounts::over(token_ports.attempts));
        }
        Services {
            authorize: AuthorizeService::new(
                authorize_ports,
                self.scopes.clone(),
                SignInPolicy::default(),
                dummy,
            ),
            endpoints: TokenEndpoints::compose(
                token_ports,
                self.scopes.clone(),
                TokenPolicy::for_issuer("https://auth.example"),
            ),
        }
    }

    /// One pass: a code for the signed-in user, its exchange, one refresh.
    async fn pass(&self, services: &Services) -> Counts {
        let trips = || self.store.round_trips();
        let before = trips();
        let begun = services.authorize.begin(self.request(), Some(&self.session), ADDRESS).await.unwrap();
        let AuthorizeOutcome::Redirect(AuthorizationResponse::Code { code, .. }) = begun.outcome else {
            panic!("consent remembered: straight to a code, got {:?}", begun.outcome)
        };
        let code_trips = trips() - before;

        let credentials = PresentedCredentials::public(self.client_id.clone());
        let before = trips();
        let params = TokenParams::authorization_code(code.expose(), CALLBACK, VERIFIER);
        let granted = services.endpoints.token.token(&credentials, params, ADDRESS).await.unwrap();
        let exchange_trips = trips() - before;

        let refresh_token = granted.response.refresh_token.expect("offline_access: a refresh token");
        let params = TokenParams {
            grant_type: Some("refresh_token".into()),
            refresh_token: Some(refresh_token.expose().to_owned()),
            ..TokenParams::default()
        };
        let before = trips();
        services.endpoints.token.token(&credentials, params, ADDRESS).await.unwrap();
        let refresh_trips = trips() - before;
        Counts { code: code_trips, exchange: exchange_trips, refresh: refresh_trips }
    }
}

/// Failure counts answered from memory after the first read, as the
/// server's counter cache does within its time to live; every write goes to
/// the store.
struct RememberedCounts {
    store: Arc<dyn LoginAttemptRepository>,
    counts: Mutex<HashMap<ThrottleKey, Option<FailureCount>>>,
}

impl RememberedCounts {
    fn over(store: Arc<dyn LoginAttemptRepository>) -> Self {
        Self { store, counts: Mutex::default() }
    }

    fn forget(&self, key: &ThrottleKey) {
        self.counts.lock().unwrap().remove(key);
    }
}

#[async_trait::async_trait]
impl LoginAttemptRepository for RememberedCounts {
    async fn failures(&self, key: &ThrottleKey) -> Result<Option<FailureCount>, RepoError> {
        if let Some(count) = self.counts.lock().unwrap().get(key) {
            return Ok(*count);
        }
        let count = self.store.failures(key).await?;
        self.counts.lock().unwrap().insert(key.clone(), count);
        Ok(count)
    }

    async fn record_failure(
        &self,
        key: &ThrottleKey,
        now: OffsetDateTime,
        memory: Duration,
    ) -> Result<FailureCount, RepoError> {
        self.forget(key);
        self.store.record_failure(key, now, memory).await
    }

    async fn forgive_one(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        self.forget(key);
        self.store.forgive_one(key).await
    }

    async fn clear(&self, key: &ThrottleKey) -> Result<(), RepoError> {
        self.forget(key);
        self.store.clear(key).await
    }

    async fn purge_stale(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        self.counts.lock().unwrap().clear();
        self.store.purge_stale(before, limit).await
    }
}

/// Measures both compositions on `db`, each after one warm-up pass (so the
/// caches are filled and the statements prepared), prints them and checks
/// them against [`BOUNDS`].
async fn counts_stay_within_bounds(backend: &str, db: &TestDatabase) {
    let world = World::new(db).await;
    let mut measured = Vec::new();
    for (composition, served) in [("store alone", false), ("as served", true)] {
        let services = world.services(served).await;
        world.pass(&services).await;
        measured.push((composition, world.pass(&services).await));
    }
    eprintln!("\nround trips per flow, {backend}:");
    eprintln!("| composition | authorize (session, consent remembered) -> code | code exchange | refresh |");
    eprintln!("|---|---|---|---|");
    for (composition, counts) in &measured {
        eprintln!("| {composition} | {} | {} | {} |", counts.code, counts.exchange, counts.refresh);
    }
    for (composition, counts) in measured {
        let (_, _, bound) = BOUNDS.iter().find(|(b, c, _)| *b == backend && *c == composition).unwrap();
        assert!(
            counts.code <= bound.code,
            "{backend}, {composition}: authorize took {counts:?}, bound {bound:?}"
        );
        assert!(
            counts.exchange <= bound.exchange,
            "{backend}, {composition}: exchange took {counts:?}, bound {bound:?}"
        );
        assert!(
            counts.refresh <= bound.refresh,
            "{backend}, {composition}: refresh took {counts:?}, bound {bound:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_round_trips_per_flow_stay_within_bounds() {
    counts_stay_within_bounds("sqlite", &TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_round_trips_per_flow_stay_within_bounds() {
    if let Some(db) = TestDatabase::postgres("postgres_round_trips_per_flow_stay_within_bounds") {
        counts_stay_within_bounds("postgres", &db).await;
    }
}

/// The round trips of looking `id` up in the store alone.
async fn lookup_cost(store: &DieselStore, id: &str) -> u64 {
    let id = oauth_core::client::ClientId::parse(id).unwrap();
    let before = store.round_trips();
    oauth_core::ports::ClientRepository::find(store, &id).await.unwrap();
    store.round_trips() - before
}

/// SECURITY: a known and an unknown client id cost the store the same
/// round trips, so how long a refusal takes does not tell whether the id
/// exists (docs/SECURITY.md § Client authentication).
async fn a_known_and_an_unknown_client_id_cost_the_same(db: &TestDatabase) {
    let world = World::new(db).await;
    let known = lookup_cost(&world.store, &world.client_id).await;
    let unknown = lookup_cost(&world.store, "no-such-client").await;
    assert_eq!((known, unknown), (2, 2), "(known, unknown) client look-ups");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_known_and_an_unknown_client_id_cost_the_same() {
    a_known_and_an_unknown_client_id_cost_the_same(&TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_known_and_an_unknown_client_id_cost_the_same() {
    if let Some(db) = TestDatabase::postgres("postgres_a_known_and_an_unknown_client_id_cost_the_same") {
        a_known_and_an_unknown_client_id_cost_the_same(&db).await;
    }
}

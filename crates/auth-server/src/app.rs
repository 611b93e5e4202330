//! Composition: the one place that knows every adapter and wires them into
//! the core's ports.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use oauth_core::password::Password;
use oauth_core::ports::PasswordHasher as _;
use oauth_core::ports::{Clock, RandomSource, ResourceRepository, SecurityEventSink, TokenVerifier};
use oauth_core::service::audit::Audit;
use oauth_core::service::authorize::{AuthorizePorts, AuthorizeService};
use oauth_core::service::client_authentication::AssertionCheck;
use oauth_core::service::client_directory::ClientDirectory;
use oauth_core::service::clients::ClientService;
use oauth_core::service::logout::{LogoutPorts, LogoutService};
use oauth_core::service::resource_targets::ResourceTargets;
use oauth_core::service::retention::{RetentionPorts, RetentionService};
use oauth_core::service::token_endpoints::{TokenEndpointPorts, TokenEndpoints};
use oauth_core::service::users::UserService;
use oauth_core::session::SessionSecret;
use oauth_http_actix::{AppState, CookiePolicy, Pages, ServerOptions, build_server};
use oauth_keys::{Argon2Hasher, JoseVerifier, OsRandom};
use oauth_store_diesel::{DieselStore, MigrationReport, StoreError, run_migrations};
use secrecy::SecretString;

use crate::cache::{CachedLoginAttempts, CachedResources, CachedVerifier};
use crate::clock::SystemClock;
use crate::config::{Config, ConfigError, Duration, MasterKeySource};
use crate::exit::CommandError;
use crate::security_events::SecurityEventLog;
mod assertions;
mod client_directory;
mod device;
mod dpop;
mod keys;
mod metrics;
mod publication;
mod pushed;
mod registration;
mod trace_context;
pub use client_directory::client_directory;
pub use keys::{audited_key_ring, key_ring, load_master_key, master_key};
use keys::{key_ring_under, missing_master_key};
pub use pushed::pushed_authorization;
pub use registration::registration_service;
pub use trace_context::trace_context;

/// The HTTP server, composed and bound, not yet running, its janitor and,
/// when configured, its metrics listener.
pub struct Application {
    server: Server,
    address: SocketAddr,
    janitor: tokio::task::JoinHandle<()>,
    events: SecurityEventLog,
    metrics: Option<metrics::MetricsListener>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("address", &self.address)
            .field("metrics_address", &self.metrics_address())
            .finish_non_exhaustive()
    }
}

impl Application {
    /// Migrates and opens the store, then binds the routes to `listener`.
    pub async fn build(config: &Config, listener: TcpListener) -> Result<Self, CommandError> {
        Self::build_with_clock(config, listener, Arc::new(SystemClock)).await
    }

    /// [`Application::build`] with another clock: tests move time instead of waiting.
    pub async fn build_with_clock(
        config: &Config,
        listener: TcpListener,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CommandError> {
        let address = listener
            .local_addr()
            .map_err(|e| CommandError::Runtime(format!("cannot read the bound address: {e}")))?;
        // Refused before anything is created or migrated.
        if matches!(config.keys.master_key, MasterKeySource::Missing) {
            return Err(missing_master_key());
        }
        let (store, _report) = open_store(config).await?;
        let metrics = metrics::metrics(config);
        crate::private_files::warn_if_shared(config);
        // Read once: it seals the signing keys and keys the DPoP nonces.
        let master = load_master_key(config).await?;
        let dpop = dpop::dpop_service(config, &store, &master, clock.clone());
        let events = SecurityEventLog::start(Arc::new(store.clone()));
        let sink: Arc<dyn SecurityEventSink> = Arc::new(events.clone());
        let audit = Audit::new(sink.clone(), clock.clone());
        let keys = key_ring_under(config, &store, clock.clone(), master, Some(audit)).await?;
        let verifier: Arc<dyn TokenVerifier> = Arc::new(JoseVerifier::new(keys.clone()));
        let registry = resource_registry(config, &store, clock.clone());
        let clients = client_directory(config, &store, &registry, clock.clone())?;
        let checks = ClientChecks {
            directory: clients.clone(),
            assertions: assertions::assertion_check(config, &store, clock.clone())?,
        };
        let targets = ResourceTargets::new(registry.clone());
        let browser = browser_services(
            config,
            &store,
            &clients,
            &targets,
            verifier.clone(),
            sink.clone(),
            clock.clone(),
        )
        .await?;
        let registration = registration_service(
            config,
            &store,
            clients.clone(),
            registry.clone(),
            sink.clone(),
            clock.clone(),
        );
        if let Some(metrics) = &metrics {
            metrics.watch(&store, &browser.hasher);
            metrics.count_events_of(&events);
        }
        let authorize = Arc::new(browser.authorize);
        let pushed = pushed_authorization(config, &store, checks.clone(), authorize.clone(), clock.clone())
            .proving_possession_with(dpop.clone());
        let device =
            device::device_authorization(config, &store, checks.clone(), targets.clone(), clock.clone());
        let mut endpoints =
            token_endpoints(config, &store, checks, targets, keys.clone(), sink, clock.clone());
        endpoints.token = endpoints.token.proving_possession_with(dpop.clone());
        endpoints.userinfo = endpoints.userinfo.proving_possession_with(dpop);
        let janitor = crate::janitor::Janitor {
            retention: Arc::new(retention_service(config, &store, clock.clone())),
            keys: keys.clone(),
            rotation: config.keys.rotation_interval.map(Duration::to_time),
            metrics: metrics.clone(),
        };
        let issuer = &config.server.issuer;
        let pages = Pages::new(issuer).map_err(|e| CommandError::Runtime(e.to_string()))?;
        let publication = publication::publication(config, registration.is_some())?;
        let state = AppState {
            readiness: Arc::new(store),
            authorize,
            pushed: Arc::new(pushed),
            device: Some(Arc::new(device)),
            logout: Arc::new(browser.logout),
            token: Arc::new(endpoints.token),
            introspection: Arc::new(endpoints.introspection),
            revocation: Arc::new(endpoints.revocation),
            userinfo: Arc::new(endpoints.userinfo),
            cors: Arc::new(endpoints.cors),
            registration: registration.map(Arc::new),
            keys,
            publication: Arc::new(publication),
            pages: Arc::new(pages),
            issuer: issuer.as_str().into(),
            cookie: CookiePolicy::new(config.https()),
            trusted_proxies: config.server.trusted_proxies.clone().into(),
            trace_context: trace_context(config),
        };
        let metrics_listener = metrics::MetricsListener::bind(config, metrics.as_ref())?;
        let server = build_server(listener, state, &server_options(config, metrics.as_ref()))
            .map_err(|e| CommandError::Runtime(format!("cannot start the HTTP server: {e}")))?;
        let janitor = tokio::spawn(janitor.run(config.database.janitor_interval.to_std()));
        Ok(Self { server, address, janitor, events, metrics: metrics_listener })
    }

    /// The security event sink: `flush` it to see every event so far in the table.
    pub fn security_events(&self) -> SecurityEventLog {
        self.events.clone()
    }

    /// Where the server listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Where `/metrics` is served, when `metrics_bind` is set.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(metrics::MetricsListener::address)
    }

    /// A handle to stop the server (gracefully with `stop(true)`); the
    /// metrics listener stops after it.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped by the handle, SIGTERM or SIGINT.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let metrics = self.metrics.map(metrics::MetricsListener::start);
        let outcome = self.server.await;
        self.janitor.abort();
        // The events of the last requests, before the process goes.
        if tokio::time::timeout(std::time::Duration::from_secs(5), self.events.flush()).await.is_err() {
            tracing::warn!(
                event = "security_events_not_stored",
                "stopped before every security event was stored"
            );
        }
        if let Some((handle, task)) = metrics {
            handle.stop(true).await;
            // Its outcome is not the server's: a scraper's failure must not fail serve.
            if let Ok(Err(error)) = task.await {
                tracing::warn!(error = %error, "the metrics listener failed");
            }
        }
        outcome
    }
}

/// How the HTTP server runs: workers, HSTS, the drain after a signal.
fn server_options(config: &Config, metrics: Option<&crate::telemetry::metrics::Metrics>) -> ServerOptions {
    ServerOptions {
        workers: config.server.http_workers,
        https: config.https(),
        shutdown_timeout: config.server.shutdown_timeout.to_std(),
        observer: metrics::observer(metrics),
    }
}

/// Opens the pool, applies pending migrations and creates `data_dir` (open to
/// this user only), on the blocking pool. The database is reached first, so an unreachable one leaves
/// nothing behind. An unreachable database is a configuration error (exit 2).
pub async fn open_store(config: &Config) -> Result<(DieselStore, MigrationReport), CommandError> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || {
        let database = &config.database;
        let store = DieselStore::open(&database.url, &database.pool).map_err(|e| store_error(&e))?;
        let report = run_migrations(&database.url).map_err(|e| store_error(&e))?;
        oauth_store_diesel::create_private_folder(&database.data_dir).map_err(|e| {
            ConfigError::new("data_dir", format!("cannot create {}: {e}", database.data_dir.display()))
        })?;
        Ok((store, report))
    })
    .await
    .map_err(|e| CommandError::Runtime(format!("start-up task failed: {e}")))?
}

fn store_error(error: &StoreError) -> CommandError {
    match error {
        StoreError::Location(_) | StoreError::Connect(_) => {
            ConfigError::new("database_url", error.to_string()).into()
        }
        StoreError::Pool(_) | StoreError::Migration(_) => CommandError::Runtime(error.to_string()),
    }
}

/// The client registry over the real adapters.
pub fn client_service(config: &Config, store: DieselStore) -> ClientService {
    let store = Arc::new(store);
    ClientService::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(OsRandom::new()),
        Arc::new(config.scopes.clone()),
    )
    .with_resource_registry(store)
}

/// The services of the browser's pages.
#[derive(Debug)]
pub struct BrowserServices {
    /// The authorization endpoint, login and consent.
    pub authorize: AuthorizeService,
    /// Sign-out and RP-initiated logout.
    pub logout: LogoutService,
    /// The password hasher they share, for its queue's gauges.
    pub hasher: Argon2Hasher,
}

/// The browser's services over the real adapters, reading clients through
/// `clients` and resources through `targets`. Hashes one random password
/// for the dummy hash that unknown usernames are verified against.
pub async fn browser_services(
    config: &Config,
    store: &DieselStore,
    clients: &ClientDirectory,
    targets: &ResourceTargets,
    verifier: Arc<dyn TokenVerifier>,
    events: Arc<dyn SecurityEventSink>,
    clock: Arc<dyn Clock>,
) -> Result<BrowserServices, CommandError> {
    let hasher = Arc::new(Argon2Hasher::new(&config.argon2).map_err(|e| CommandError::Usage(e.to_string()))?);
    let random: Arc<dyn RandomSource> = Arc::new(OsRandom::new());
    let throwaway =
        SessionSecret::generate(random.as_ref()).map_err(|e| CommandError::Runtime(e.to_string()))?;
    let password = Password::new(SecretString::from(throwaway.expose().to_owned()))
        .map_err(|e| CommandError::Runtime(e.to_string()))?;
    let dummy_hash = hasher.hash(&password).await.map_err(|e| CommandError::Runtime(e.to_string()))?;
    let store = Arc::new(store.clone());
    let ports = AuthorizePorts {
        clients: clients.clone(),
        targets: targets.clone(),
        events,
        ..AuthorizePorts::over(&store, hasher.clone(), clock.clone(), random)
    };
    let logout_ports = LogoutPorts { clients: clients.clone(), ..LogoutPorts::over(&store) };
    let logout = LogoutService::new(logout_ports, verifier, clock);
    let authorize = AuthorizeService::new(ports, Arc::new(config.scopes.clone()), config.sign_in, dummy_hash);
    Ok(BrowserServices { authorize, logout, hasher: Argon2Hasher::clone(&hasher) })
}

/// How every endpoint that authenticates clients reads and checks them:
/// one directory and one assertion check (so one cache of published key
/// sets), shared.
#[derive(Clone, Debug)]
pub struct ClientChecks {
    /// Clients, through the shared cache.
    pub directory: ClientDirectory,
    /// `private_key_jwt` assertions.
    pub assertions: AssertionCheck,
}

/// The token, introspection, revocation, userinfo and CORS services over
/// the real adapters, reading clients through `checks` and resources
/// through `targets`.
pub fn token_endpoints(
    config: &Config,
    store: &DieselStore,
    checks: ClientChecks,
    targets: ResourceTargets,
    keys: Arc<oauth_core::service::key_ring::KeyRing>,
    events: Arc<dyn SecurityEventSink>,
    clock: Arc<dyn Clock>,
) -> TokenEndpoints {
    let mut ports = TokenEndpointPorts::over(
        &Arc::new(store.clone()),
        keys.clone(),
        Arc::new(JoseVerifier::new(keys)),
        clock.clone(),
        Arc::new(OsRandom::new()),
    );
    // Read on every token request; see docs/SECURITY.md § Read caches.
    let ttl = config.database.client_cache_ttl.to_time();
    ports.clients = checks.directory;
    ports.targets = targets;
    ports.attempts = Arc::new(CachedLoginAttempts::new(ports.attempts, clock.clone(), ttl));
    ports.verifier = Arc::new(CachedVerifier::new(ports.verifier, clock));
    ports.assertions = Some(checks.assertions);
    ports.events = events;
    TokenEndpoints::compose(ports, Arc::new(config.scopes.clone()), config.tokens.clone())
}

/// The resource registry as every endpoint consults it: one copy, trusted
/// for the client cache's TTL (docs/SECURITY.md § Read caches).
pub fn resource_registry(
    config: &Config,
    store: &DieselStore,
    clock: Arc<dyn Clock>,
) -> Arc<dyn ResourceRepository> {
    let ttl = config.database.client_cache_ttl.to_time();
    Arc::new(CachedResources::new(Arc::new(store.clone()), clock, ttl))
}

/// What the janitor sweeps, over the store itself: purges read no cache.
pub fn retention_service(config: &Config, store: &DieselStore, clock: Arc<dyn Clock>) -> RetentionService {
    let store = Arc::new(store.clone());
    RetentionService::new(RetentionPorts::over(&store), clock)
        .deleting_idle_clients(store.clone(), config.self_asserted.registration_idle.to_time())
        .deleting_events_older_than(store, config.events.retention)
}

/// The user service over the real adapters.
pub fn user_service(config: &Config, store: DieselStore) -> Result<UserService, CommandError> {
    let hasher = Argon2Hasher::new(&config.argon2).map_err(|e| CommandError::Usage(e.to_string()))?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let random: Arc<dyn RandomSource> = Arc::new(OsRandom::new());
    Ok(UserService::new(Arc::new(store), Arc::new(hasher), clock, random))
}

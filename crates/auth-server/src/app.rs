//! Composition: the one place that knows every adapter and wires them into
//! the core's ports.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use oauth_core::cache::{CachedClients, CachedLoginAttempts, CachedVerifier};
use oauth_core::discovery::{ServerMetadata, oauth_metadata_path};
use oauth_core::password::Password;
use oauth_core::ports::PasswordHasher as _;
use oauth_core::ports::{Clock, RandomSource};
use oauth_core::service::authorize::{AuthorizeService, FlowPorts};
use oauth_core::service::clients::ClientService;
use oauth_core::service::token::{TokenPorts, TokenService};
use oauth_core::service::users::UserService;
use oauth_core::session::SessionSecret;
use oauth_http_actix::{AppState, CookiePolicy, Pages, Publication, ServerOptions, build_server};
use oauth_keys::{Argon2Hasher, JosekitSigner, KeyPolicy, MasterKey, OsRandom};
use oauth_store_diesel::{DieselStore, MigrationReport, StoreError, run_migrations};
use secrecy::SecretString;

use crate::clock::SystemClock;
use crate::config::{Config, MasterKeySource};
use crate::exit::CommandError;

/// The HTTP server, composed and bound, not yet running, and its janitor.
pub struct Application {
    server: Server,
    address: SocketAddr,
    janitor: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("address", &self.address).finish_non_exhaustive()
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
        if config.master_key == MasterKeySource::Missing {
            return Err(missing_master_key());
        }
        let (store, _report) = open_store(config).await?;
        let signer = Arc::new(signer(config, &store, clock.clone()).await?);
        let flow = Arc::new(authorize_service(config, &store, signer.clone(), clock.clone()).await?);
        let tokens = Arc::new(token_service(config, &store, signer.clone(), clock));
        let janitor = crate::janitor::Janitor {
            flow: flow.clone(),
            tokens: tokens.clone(),
            keys: signer.clone(),
            rotation: config.keys.rotation_interval,
        };
        let pages = Pages::new(&config.issuer).map_err(|e| CommandError::Runtime(e.to_string()))?;
        let metadata = serde_json::to_string(&ServerMetadata::for_issuer(&config.issuer, &config.scopes))
            .map_err(|e| CommandError::Runtime(e.to_string()))?;
        let max_age = config.keys.jwks_max_age_secs;
        let publication = Publication::new(metadata, oauth_metadata_path(&config.issuer), max_age, max_age);
        let state = AppState {
            readiness: Arc::new(store),
            flow,
            tokens,
            keys: signer.clone(),
            publication: Arc::new(publication),
            pages: Arc::new(pages),
            issuer: config.issuer.as_str().into(),
            cookie: CookiePolicy::new(config.https()),
            trusted_proxies: config.trusted_proxies.clone().into(),
        };
        let options = ServerOptions {
            workers: config.http_workers,
            https: config.https(),
            shutdown_timeout: config.shutdown_timeout,
        };
        let server = build_server(listener, state, &options)
            .map_err(|e| CommandError::Runtime(format!("cannot start the HTTP server: {e}")))?;
        let janitor = tokio::spawn(janitor.run(config.janitor_interval));
        Ok(Self { server, address, janitor })
    }

    /// Where the server listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A handle to stop the server (gracefully with `stop(true)`).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped by the handle, SIGTERM or SIGINT.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let outcome = self.server.await;
        self.janitor.abort();
        outcome
    }
}

/// Opens the pool, applies pending migrations and creates `data_dir`, on the
/// blocking pool. The database is reached first, so an unreachable one leaves
/// nothing behind. An unreachable database is a configuration error (exit 2).
pub async fn open_store(config: &Config) -> Result<(DieselStore, MigrationReport), CommandError> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || {
        let store = DieselStore::open(&config.database, &config.pool).map_err(|e| store_error(&e))?;
        let report = run_migrations(&config.database).map_err(|e| store_error(&e))?;
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            CommandError::Usage(format!(
                "configuration error: `data_dir`: cannot create {}: {e}",
                config.data_dir.display()
            ))
        })?;
        Ok((store, report))
    })
    .await
    .map_err(|e| CommandError::Runtime(format!("start-up task failed: {e}")))?
}

fn store_error(error: &StoreError) -> CommandError {
    match error {
        StoreError::Location(_) | StoreError::Connect(_) => {
            CommandError::Usage(format!("configuration error: `database_url`: {error}"))
        }
        StoreError::Pool(_) | StoreError::Migration(_) => CommandError::Runtime(error.to_string()),
    }
}

/// The client registry over the real adapters.
pub fn client_service(config: &Config, store: DieselStore) -> ClientService {
    ClientService::new(
        Arc::new(store),
        Arc::new(SystemClock),
        Arc::new(OsRandom::new()),
        Arc::new(config.scopes.clone()),
    )
}

/// The browser flow over the real adapters. Hashes one random password for
/// the dummy hash that unknown usernames are verified against.
pub async fn authorize_service(
    config: &Config,
    store: &DieselStore,
    verifier: Arc<JosekitSigner>,
    clock: Arc<dyn Clock>,
) -> Result<AuthorizeService, CommandError> {
    let hasher = Arc::new(Argon2Hasher::new(&config.argon2).map_err(|e| CommandError::Usage(e.to_string()))?);
    let random: Arc<dyn RandomSource> = Arc::new(OsRandom::new());
    let throwaway =
        SessionSecret::generate(random.as_ref()).map_err(|e| CommandError::Runtime(e.to_string()))?;
    let password = Password::new(SecretString::from(throwaway.expose().to_owned()))
        .map_err(|e| CommandError::Runtime(e.to_string()))?;
    let dummy_hash = hasher.hash(&password).await.map_err(|e| CommandError::Runtime(e.to_string()))?;
    let mut ports = FlowPorts::over(&Arc::new(store.clone()), hasher, verifier, clock.clone(), random);
    ports.clients = Arc::new(CachedClients::new(ports.clients, clock, config.client_cache_ttl));
    Ok(AuthorizeService::new(ports, Arc::new(config.scopes.clone()), config.flow, dummy_hash))
}

/// The master key that seals signing keys: configured, or (embedded SQLite)
/// `data_dir/master.key`, created on first start with a warning.
pub fn master_key(config: &Config) -> Result<MasterKey, CommandError> {
    match &config.master_key {
        MasterKeySource::Configured(text) => MasterKey::from_base64(text)
            .map_err(|e| CommandError::Usage(format!("configuration error: `master_key`: {e}"))),
        MasterKeySource::File(path) => {
            let (key, created) =
                MasterKey::load_or_create(path).map_err(|e| CommandError::Runtime(e.to_string()))?;
            if created {
                tracing::warn!(
                    path = %path.display(),
                    "created a master key beside the database; set AUTH_MASTER_KEY to keep it elsewhere"
                );
            }
            Ok(key)
        }
        MasterKeySource::Missing => Err(missing_master_key()),
    }
}

fn missing_master_key() -> CommandError {
    CommandError::Usage(
        "configuration error: `master_key`: required with PostgreSQL, because every instance must \
         open the same signing keys; generate one with `head -c 32 /dev/urandom | base64` and set \
         AUTH_MASTER_KEY"
            .into(),
    )
}

/// The signing keys: opened (or, on first start, created) from the store; a
/// key that does not open stops start-up.
pub async fn signer(
    config: &Config,
    store: &DieselStore,
    clock: Arc<dyn Clock>,
) -> Result<JosekitSigner, CommandError> {
    // Reads or creates the key file: file I/O, so off the async workers.
    let master = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || master_key(&config))
            .await
            .map_err(|e| CommandError::Runtime(format!("start-up task failed: {e}")))??
    };
    let tokens = &config.tokens;
    let policy = KeyPolicy {
        refresh_every: config.keys.refresh,
        // An instance may sign with a just-retired key until its next re-read,
        // so the key stays published that much longer than any token lives.
        longest_token_lifetime: tokens.access_token_lifetime.max(tokens.id_token_lifetime)
            + config.keys.refresh,
    };
    JosekitSigner::load(Arc::new(store.clone()), master, clock, policy)
        .await
        .map_err(|e| CommandError::Runtime(format!("cannot load the signing keys: {e}")))
}

/// The token endpoint over the real adapters.
pub fn token_service(
    config: &Config,
    store: &DieselStore,
    signer: Arc<JosekitSigner>,
    clock: Arc<dyn Clock>,
) -> TokenService {
    let mut ports = TokenPorts::over(
        &Arc::new(store.clone()),
        signer.clone(),
        signer,
        clock.clone(),
        Arc::new(OsRandom::new()),
    );
    // Read on every token request; see docs/SECURITY.md § Read caches.
    let ttl = config.client_cache_ttl;
    ports.clients = Arc::new(CachedClients::new(ports.clients, clock.clone(), ttl));
    ports.attempts = Arc::new(CachedLoginAttempts::new(ports.attempts, clock.clone(), ttl));
    ports.verifier = Arc::new(CachedVerifier::new(ports.verifier, clock));
    TokenService::new(ports, Arc::new(config.scopes.clone()), config.tokens.clone())
}

/// The user service over the real adapters.
pub fn user_service(config: &Config, store: DieselStore) -> Result<UserService, CommandError> {
    let hasher = Argon2Hasher::new(&config.argon2).map_err(|e| CommandError::Usage(e.to_string()))?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let random: Arc<dyn RandomSource> = Arc::new(OsRandom::new());
    Ok(UserService::new(Arc::new(store), Arc::new(hasher), clock, random))
}

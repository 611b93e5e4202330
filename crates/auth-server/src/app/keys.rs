//! The signing keys and the master key that seals them.

use std::sync::Arc;

use oauth_core::ports::Clock;
use oauth_core::service::audit::Audit;
use oauth_core::service::key_ring::{KeyPolicy, KeyRing};
use oauth_keys::{JoseKeyMaterial, MasterKey};
use oauth_store_diesel::DieselStore;
use secrecy::ExposeSecret;

use crate::config::{Config, ConfigError, MasterKeySource};
use crate::exit::CommandError;

/// The master key that seals signing keys: configured, or (embedded SQLite)
/// `data_dir/master.key`, created on first start with a warning.
pub fn master_key(config: &Config) -> Result<MasterKey, CommandError> {
    match &config.keys.master_key {
        MasterKeySource::Configured(text) => MasterKey::from_base64(text.expose_secret())
            .map_err(|e| ConfigError::new("master_key", e.to_string()).into()),
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

pub(super) fn missing_master_key() -> CommandError {
    CommandError::Config(ConfigError::new(
        "master_key",
        "required with PostgreSQL, because every instance must open the same signing keys; \
         generate one with `head -c 32 /dev/urandom | base64` and set AUTH_MASTER_KEY",
    ))
}

/// The signing keys: the core's key ring over the store and josekit, opened
/// (or, on first start, created); a key that does not open stops start-up.
pub async fn key_ring(
    config: &Config,
    store: &DieselStore,
    clock: Arc<dyn Clock>,
) -> Result<Arc<KeyRing>, CommandError> {
    key_ring_under(config, store, clock, load_master_key(config).await?, None).await
}

/// The master key, read (or, on SQLite's first start, created) off the
/// async workers: file I/O.
pub async fn load_master_key(config: &Config) -> Result<MasterKey, CommandError> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || master_key(&config))
        .await
        .map_err(|e| CommandError::Runtime(format!("start-up task failed: {e}")))?
}

/// [`key_ring`] recording its rotations as security events through `audit`.
pub async fn audited_key_ring(
    config: &Config,
    store: &DieselStore,
    clock: Arc<dyn Clock>,
    audit: Audit,
) -> Result<Arc<KeyRing>, CommandError> {
    key_ring_under(config, store, clock, load_master_key(config).await?, Some(audit)).await
}

/// [`key_ring`] with the master key already read, recording rotations
/// through `audit` if given.
pub(super) async fn key_ring_under(
    config: &Config,
    store: &DieselStore,
    clock: Arc<dyn Clock>,
    master: MasterKey,
    audit: Option<Audit>,
) -> Result<Arc<KeyRing>, CommandError> {
    let tokens = &config.tokens;
    let refresh = config.keys.refresh.to_time();
    let policy = KeyPolicy {
        refresh_every: refresh,
        // An instance may sign with a just-retired key until its next re-read,
        // so the key stays published that much longer than any token lives,
        // a resource's included (its own lifetime, at most a day).
        longest_token_lifetime: tokens
            .access_token_lifetime
            .max(tokens.id_token_lifetime)
            .max(oauth_core::resource::MAX_ACCESS_TOKEN_TTL)
            + refresh,
    };
    let material = Arc::new(JoseKeyMaterial::new(master));
    let mut ring = KeyRing::load(Arc::new(store.clone()), material, clock, policy)
        .await
        .map_err(|e| CommandError::Runtime(format!("cannot load the signing keys: {e}")))?;
    if let Some(audit) = audit {
        ring = ring.auditing(audit);
    }
    Ok(Arc::new(ring))
}

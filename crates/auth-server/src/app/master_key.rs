//! The master key that seals the signing keys and keys the DPoP nonces:
//! configured, or (embedded SQLite only) a file beside the database.

use oauth_keys::MasterKey;
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

/// The master key, read (or, on SQLite's first start, created) off the
/// async workers: file I/O.
pub async fn load_master_key(config: &Config) -> Result<MasterKey, CommandError> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || master_key(&config))
        .await
        .map_err(|e| CommandError::Runtime(format!("start-up task failed: {e}")))?
}

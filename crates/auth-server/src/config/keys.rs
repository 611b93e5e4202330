//! Signing keys: the master key that seals them, how often instances re-read
//! them, how long verifiers may cache the JWKS, and automatic rotation.

use std::path::{Path, PathBuf};

use oauth_store_diesel::DatabaseUrl;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

use super::{ConfigError, Duration};

/// Keys of the signing-key section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct KeySettings {
    /// base64 of 32 bytes; seals private signing keys. Empty: `data_dir/master.key` on SQLite.
    #[serde(deserialize_with = "secret")]
    pub master_key: SecretString,
    pub jwks_max_age_secs: Duration,
    pub key_refresh_secs: Duration,
    /// 0: keys rotate only with `auth-server keys rotate`.
    pub key_rotation_interval_secs: Duration,
}

/// The validated signing-key section.
#[derive(Debug, Clone)]
pub struct KeysConfig {
    /// Where private signing keys are sealed from.
    pub master_key: MasterKeySource,
    /// `Cache-Control: max-age` of the JWKS and metadata documents.
    pub jwks_max_age: Duration,
    /// A rotation made elsewhere is seen within this.
    pub refresh: Duration,
    /// Rotate automatically when the active key is this old; `None`: only on command.
    pub rotation_interval: Option<Duration>,
}

/// Where the master key comes from.
#[derive(Debug, Clone)]
pub enum MasterKeySource {
    /// `master_key` / `AUTH_MASTER_KEY`, already checked to be 32 bytes.
    Configured(SecretString),
    /// `data_dir/master.key`, created on first start (embedded SQLite only).
    File(PathBuf),
    /// PostgreSQL without `master_key`: refused by the commands that need keys.
    Missing,
}

impl KeySettings {
    /// `database` and `data_dir` decide where an unset master key comes from.
    pub fn validate(&self, database: &DatabaseUrl, data_dir: &Path) -> Result<KeysConfig, ConfigError> {
        let master_key = self.master_key_source(database, data_dir)?;
        let jwks_max_age = self.jwks_max_age_secs;
        if jwks_max_age.as_secs() > 86_400 {
            return Err(ConfigError::new("jwks_max_age_secs", "must be at most 86400 seconds"));
        }
        if !(1..=3_600).contains(&self.key_refresh_secs.as_secs()) {
            return Err(ConfigError::new("key_refresh_secs", "must be between 1 and 3600 seconds"));
        }
        // A relying party caches the JWKS for `jwks_max_age_secs`; the next key
        // is published at least one rotation ahead, so rotating faster than a
        // cache lives would sign with keys some verifiers have not seen.
        let rotation = self.key_rotation_interval_secs.as_secs();
        let rotation_interval = match rotation {
            0 => None,
            secs if secs >= 3_600 && secs >= 2 * jwks_max_age.as_secs() => {
                Some(self.key_rotation_interval_secs)
            }
            _ => {
                return Err(ConfigError::new(
                    "key_rotation_interval_secs",
                    "must be 0 (off) or at least 3600 seconds and twice jwks_max_age_secs",
                ));
            }
        };
        Ok(KeysConfig { master_key, jwks_max_age, refresh: self.key_refresh_secs, rotation_interval })
    }

    /// The master key: configured (checked now), or a file beside the embedded
    /// database. PostgreSQL deployments are several instances that must share one,
    /// so there it must be configured (checked when a command needs the keys).
    fn master_key_source(
        &self,
        database: &DatabaseUrl,
        data_dir: &Path,
    ) -> Result<MasterKeySource, ConfigError> {
        let configured = self.master_key.expose_secret().trim();
        if !configured.is_empty() {
            oauth_keys::MasterKey::from_base64(configured)
                .map_err(|e| ConfigError::new("master_key", e.to_string()))?;
            return Ok(MasterKeySource::Configured(SecretString::from(configured)));
        }
        match database {
            DatabaseUrl::Sqlite(_) => Ok(MasterKeySource::File(data_dir.join("master.key"))),
            DatabaseUrl::Postgres(_) => Ok(MasterKeySource::Missing),
        }
    }
}

/// Reads a secret straight into `SecretString`, so no plain copy outlives parsing.
fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SecretString, D::Error> {
    String::deserialize(deserializer).map(SecretString::from)
}

//! Storage: which database, the local data folder, the connection pool, and
//! the two clocks that bound what the database holds and how stale a read may
//! be (the janitor and the client read cache).

use std::path::PathBuf;

use oauth_store_diesel::{DatabaseUrl, PoolOptions};
use serde::Deserialize;

use super::{ConfigError, Duration, positive};

/// Keys of the database section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub db_pool_size: u32,
    pub db_timeout_secs: Duration,
    pub janitor_interval_secs: Duration,
    /// How long this instance trusts a client it read (and its failure count)
    /// before reading it again; 0 reads on every request.
    pub client_cache_secs: Duration,
}

/// The validated database section.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: DatabaseUrl,
    pub data_dir: PathBuf,
    pub pool: PoolOptions,
    /// How often expired codes, sessions and counters are deleted.
    pub janitor_interval: Duration,
    /// How stale a client may be when read from memory (docs/SECURITY.md § Read caches).
    pub client_cache_ttl: Duration,
}

impl DatabaseSettings {
    pub fn validate(&self) -> Result<DatabaseConfig, ConfigError> {
        let url = DatabaseUrl::parse(&self.database_url)
            .map_err(|e| ConfigError::new("database_url", e.to_string()))?;
        if self.data_dir.as_os_str().is_empty() {
            return Err(ConfigError::new("data_dir", "must not be empty"));
        }
        if self.data_dir.is_file() {
            return Err(ConfigError::new(
                "data_dir",
                format!("{} is a file, not a folder", self.data_dir.display()),
            ));
        }
        positive("db_pool_size", self.db_pool_size)?;
        // Bounded above too: the pool adds this to the current instant, and a
        // value near the integer limit would overflow there rather than here.
        if !(1..=300).contains(&self.db_timeout_secs.as_secs()) {
            return Err(ConfigError::new("db_timeout_secs", "must be between 1 and 300 seconds"));
        }
        if !(10..=86_400).contains(&self.janitor_interval_secs.as_secs()) {
            return Err(ConfigError::new("janitor_interval_secs", "must be between 10 and 86400 seconds"));
        }
        // A disabled client is honoured everywhere within this: keep it short.
        if self.client_cache_secs.as_secs() > 60 {
            return Err(ConfigError::new("client_cache_secs", "must be between 0 (off) and 60 seconds"));
        }
        Ok(DatabaseConfig {
            url,
            data_dir: self.data_dir.clone(),
            pool: PoolOptions {
                max_size: self.db_pool_size,
                connection_timeout: self.db_timeout_secs.to_std(),
            },
            janitor_interval: self.janitor_interval_secs,
            client_cache_ttl: self.client_cache_secs,
        })
    }
}

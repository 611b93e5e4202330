//! Password hashing costs (argon2id) and how many hashes run at once.

use oauth_keys::Argon2Settings;
use serde::Deserialize;

use super::{ConfigError, positive};

/// Keys of the password hashing section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PasswordSettings {
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub password_hash_concurrency: usize,
}

impl PasswordSettings {
    pub fn validate(&self) -> Result<Argon2Settings, ConfigError> {
        positive("password_hash_concurrency", self.password_hash_concurrency)?;
        // Limits from RFC 9106 §3.1: at least one pass, 1..2^24 lanes, 8 KiB of memory per lane.
        if self.argon2_iterations == 0 {
            return Err(ConfigError::new("argon2_iterations", "must be at least 1"));
        }
        if self.argon2_parallelism == 0 || self.argon2_parallelism >= 1 << 24 {
            return Err(ConfigError::new("argon2_parallelism", "must be between 1 and 16777215"));
        }
        if self.argon2_memory_kib < 8 * self.argon2_parallelism {
            return Err(ConfigError::new("argon2_memory_kib", "must be at least 8 × argon2_parallelism"));
        }
        let settings = Argon2Settings {
            memory_kib: self.argon2_memory_kib,
            iterations: self.argon2_iterations,
            parallelism: self.argon2_parallelism,
            max_concurrent: self.password_hash_concurrency,
        };
        oauth_keys::Argon2Hasher::new(&settings)
            .map_err(|e| ConfigError::new("argon2_memory_kib", e.to_string()))?;
        Ok(settings)
    }
}

/// Whether the argon2 costs are below OWASP's minimum (worth a warning, not a refusal:
/// a test deployment may want cheap hashes).
pub fn argon2_below_owasp_minimum(settings: &Argon2Settings) -> bool {
    settings.memory_kib < 19_456 || settings.iterations < 2
}

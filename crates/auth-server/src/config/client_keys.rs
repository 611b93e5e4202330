//! Key sets `private_key_jwt` clients publish at their `jwks_uri`: how
//! they are fetched and how long a copy is used
//! (docs/SECURITY.md § `private_key_jwt`).

use serde::Deserialize;

use super::{ConfigError, Duration};

/// Keys of the client key set section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ClientKeySettings {
    /// The deadline of one fetch of a client's `jwks_uri`, connection included.
    pub jwks_uri_timeout_secs: Duration,
    /// A fetched key set is used at most this long, whatever its
    /// `Cache-Control` says: how long a key the client withdrew may still
    /// sign for it here.
    pub jwks_uri_cache_max_secs: Duration,
    /// Development only: key sets over plain `http` on `127.0.0.1` and `[::1]`.
    pub jwks_uri_allow_http_loopback: bool,
}

/// The validated section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientKeysConfig {
    /// The deadline of one fetch.
    pub timeout: Duration,
    /// The longest a copy is used.
    pub cache_max: Duration,
    /// Development only: `http` on the loopback literals.
    pub allow_http_loopback: bool,
}

/// The shortest a fetched copy is kept: also how soon an assertion naming
/// a key the copy lacks may fetch the set again.
pub const JWKS_URI_CACHE_MIN_SECS: u64 = 60;

impl ClientKeySettings {
    /// Checks every key.
    pub fn validate(&self) -> Result<ClientKeysConfig, ConfigError> {
        if !(1..=30).contains(&self.jwks_uri_timeout_secs.as_secs()) {
            return Err(ConfigError::new("jwks_uri_timeout_secs", "must be between 1 and 30 seconds"));
        }
        if !(JWKS_URI_CACHE_MIN_SECS..=86_400).contains(&self.jwks_uri_cache_max_secs.as_secs()) {
            return Err(ConfigError::new("jwks_uri_cache_max_secs", "must be between 60 and 86400 seconds"));
        }
        Ok(ClientKeysConfig {
            timeout: self.jwks_uri_timeout_secs,
            cache_max: self.jwks_uri_cache_max_secs,
            allow_http_loopback: self.jwks_uri_allow_http_loopback,
        })
    }
}

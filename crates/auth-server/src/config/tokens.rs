//! Issued tokens: audience, signing algorithm and lifetimes.

use std::ops::RangeInclusive;

use oauth_core::token::{SigningAlg, TokenPolicy};
use serde::Deserialize;

use super::{ConfigError, Duration};

/// Keys of the token section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TokenSettings {
    pub access_token_audience: String,
    pub access_token_alg: String,
    pub access_token_lifetime_secs: Duration,
    pub id_token_lifetime_secs: Duration,
    pub refresh_token_idle_secs: Duration,
    pub refresh_token_absolute_secs: Duration,
    /// Every DPoP proof must carry a server nonce (RFC 9449 §8).
    pub dpop_nonce: bool,
    /// Also accept `private_key_jwt` assertions addressed to the token
    /// endpoint's URL rather than the issuer (older clients); off.
    pub insecure_private_key_jwt_token_endpoint_audience: bool,
}

impl TokenSettings {
    /// Lifetimes, audience and algorithms of tokens issued by `issuer`.
    pub fn policy(&self, issuer: &str) -> Result<TokenPolicy, ConfigError> {
        let access_token_alg = self
            .access_token_alg
            .parse::<SigningAlg>()
            .map_err(|e| ConfigError::new("access_token_alg", e))?;
        let audience = if self.access_token_audience.is_empty() {
            issuer.to_owned()
        } else if self.access_token_audience.contains(char::is_whitespace) {
            return Err(ConfigError::new("access_token_audience", "must be one URI without spaces"));
        } else {
            self.access_token_audience.clone()
        };
        let idle = within("refresh_token_idle_secs", self.refresh_token_idle_secs, 60..=365 * 86_400)?;
        let absolute =
            within("refresh_token_absolute_secs", self.refresh_token_absolute_secs, 60..=365 * 86_400)?;
        if idle > absolute {
            return Err(ConfigError::new(
                "refresh_token_idle_secs",
                "must not exceed refresh_token_absolute_secs",
            ));
        }
        Ok(TokenPolicy {
            issuer: issuer.to_owned(),
            audience,
            access_token_lifetime: within(
                "access_token_lifetime_secs",
                self.access_token_lifetime_secs,
                10..=86_400,
            )?,
            id_token_lifetime: within("id_token_lifetime_secs", self.id_token_lifetime_secs, 10..=86_400)?,
            access_token_alg,
            refresh_idle_lifetime: idle,
            refresh_absolute_lifetime: absolute,
        })
    }
}

fn within(key: &str, value: Duration, seconds: RangeInclusive<u64>) -> Result<time::Duration, ConfigError> {
    if seconds.contains(&value.as_secs()) {
        Ok(value.to_time())
    } else {
        Err(ConfigError::new(
            key,
            format!("must be between {} and {} seconds", seconds.start(), seconds.end()),
        ))
    }
}

//! `private_key_jwt` (RFC 7523) over the real adapters: assertions checked
//! with josekit against the client's keys, registered or fetched from its
//! `jwks_uri` through the guarded fetcher; each `jti` once in the store
//! every instance shares; addressed to our issuer
//! (docs/SECURITY.md § `private_key_jwt`).

use std::sync::Arc;

use oauth_core::client_assertion::AudiencePolicy;
use oauth_core::ports::Clock;
use oauth_core::service::client_authentication::AssertionCheck;
use oauth_keys::JoseAssertionVerifier;
use oauth_store_diesel::DieselStore;
use time::Duration;

use crate::config::{Config, JWKS_URI_CACHE_MIN_SECS};
use crate::exit::CommandError;
use crate::outbound::{
    CacheBounds, CachedKeySets, DocumentFetcher, FetchLimits, MAX_KEY_SET_BYTES, MAX_KEY_SETS, SystemLookup,
};

/// How every endpoint that authenticates clients checks assertions.
pub fn assertion_check(
    config: &Config,
    store: &DieselStore,
    clock: Arc<dyn Clock>,
) -> Result<AssertionCheck, CommandError> {
    let issuer = &config.server.issuer;
    let keys = config.client_keys;
    if keys.allow_http_loopback {
        tracing::warn!(
            event = "jwks_uri_http_loopback_allowed",
            "jwks_uri_allow_http_loopback is on: client key sets are fetched over plain http from \
             127.0.0.1 and [::1]; this is for development only, never for production"
        );
    }
    let limits = FetchLimits::new(MAX_KEY_SET_BYTES, keys.timeout.to_std(), keys.allow_http_loopback);
    let fetcher = DocumentFetcher::new(limits, Arc::new(SystemLookup))
        .map_err(|e| CommandError::Runtime(format!("cannot build the key set fetcher: {e}")))?;
    let min = Duration::seconds(i64::try_from(JWKS_URI_CACHE_MIN_SECS).unwrap_or(i64::MAX));
    let bounds = CacheBounds { min, max: keys.cache_max.to_time(), entries: MAX_KEY_SETS };
    Ok(AssertionCheck {
        verifier: Arc::new(JoseAssertionVerifier),
        seen: Arc::new(store.clone()),
        audience: AudiencePolicy {
            issuer: issuer.clone(),
            legacy_token_endpoint: config
                .assertion_token_endpoint_audience
                .then(|| format!("{issuer}{}", oauth_core::discovery::TOKEN_PATH)),
        },
        published: Some(Arc::new(CachedKeySets::new(Arc::new(fetcher), clock, bounds))),
    })
}

//! `private_key_jwt` (RFC 7523) over the real adapters: assertions checked
//! with josekit against the client's registered keys, each `jti` once in
//! the store every instance shares, addressed to our issuer
//! (docs/SECURITY.md § `private_key_jwt`).

use std::sync::Arc;

use oauth_core::client_assertion::AudiencePolicy;
use oauth_core::service::client_authentication::AssertionCheck;
use oauth_keys::JoseAssertionVerifier;
use oauth_store_diesel::DieselStore;

use crate::config::Config;

/// How every endpoint that authenticates clients checks assertions.
pub fn assertion_check(config: &Config, store: &DieselStore) -> AssertionCheck {
    let issuer = &config.server.issuer;
    AssertionCheck {
        verifier: Arc::new(JoseAssertionVerifier),
        seen: Arc::new(store.clone()),
        audience: AudiencePolicy {
            issuer: issuer.clone(),
            legacy_token_endpoint: config
                .assertion_token_endpoint_audience
                .then(|| format!("{issuer}{}", oauth_core::discovery::TOKEN_PATH)),
        },
    }
}

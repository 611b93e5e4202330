//! DPoP (RFC 9449) over the real adapters: proofs checked with josekit,
//! their `jti`s remembered in the store every instance shares, and, when
//! `dpop_nonce` is on, nonces keyed from the master key so that every
//! instance accepts every other's (docs/SECURITY.md § DPoP).

use std::sync::Arc;

use oauth_core::client_assertion::AudiencePolicy;
use oauth_core::ports::{Clock, DpopNonces};
use oauth_core::service::client_authentication::AssertionCheck;
use oauth_core::service::dpop::{DpopPorts, DpopService};
use oauth_keys::{JoseAssertionVerifier, JoseDpopVerifier, SealedDpopNonces};
use oauth_store_diesel::DieselStore;

use crate::config::Config;
use crate::exit::CommandError;

/// How `private_key_jwt` assertions (RFC 7523) are checked: josekit
/// against the client's registered keys, each `jti` once in the store every
/// instance shares, addressed to our issuer (docs/SECURITY.md §
/// `private_key_jwt`).
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

/// How long a nonce is accepted after it was issued: a client fetches a
/// new one with every answer, so a few minutes cover any retry.
const NONCE_LIFETIME: time::Duration = time::Duration::minutes(5);

/// The proof checks every DPoP endpoint shares.
pub async fn dpop_service(
    config: &Config,
    store: &DieselStore,
    clock: Arc<dyn Clock>,
) -> Result<DpopService, CommandError> {
    let nonces: Option<Arc<dyn DpopNonces>> = if config.dpop_nonce {
        // The master key file is read again: file I/O, so off the async workers.
        let config = config.clone();
        let master = tokio::task::spawn_blocking(move || super::master_key(&config))
            .await
            .map_err(|e| CommandError::Runtime(format!("start-up task failed: {e}")))??;
        Some(Arc::new(SealedDpopNonces::new(&master, NONCE_LIFETIME)))
    } else {
        None
    };
    Ok(DpopService::new(DpopPorts {
        verifier: Arc::new(JoseDpopVerifier),
        seen: Arc::new(store.clone()),
        nonces,
        clock,
    }))
}

//! DPoP (RFC 9449) over the real adapters: proofs checked with josekit,
//! their `jti`s remembered in the store every instance shares, and, when
//! `dpop_nonce` is on, nonces keyed from the master key so that every
//! instance accepts every other's (docs/SECURITY.md § DPoP).

use std::sync::Arc;

use oauth_core::ports::{Clock, DpopNonces};
use oauth_core::service::dpop::{DpopPorts, DpopService};
use oauth_keys::{HmacDpopNonces, JoseDpopVerifier, MasterKey};
use oauth_store_diesel::DieselStore;

use crate::config::Config;

/// How long a nonce is accepted after it was issued: a client fetches a
/// new one with every answer, so a few minutes cover any retry.
const NONCE_LIFETIME: time::Duration = time::Duration::minutes(5);

/// The proof checks every DPoP endpoint shares.
pub fn dpop_service(
    config: &Config,
    store: &DieselStore,
    master: &MasterKey,
    clock: Arc<dyn Clock>,
) -> DpopService {
    let nonces = config
        .dpop_nonce
        .then(|| Arc::new(HmacDpopNonces::new(master, NONCE_LIFETIME)) as Arc<dyn DpopNonces>);
    DpopService::new(DpopPorts {
        verifier: Arc::new(JoseDpopVerifier),
        seen: Arc::new(store.clone()),
        nonces,
        clock,
    })
}

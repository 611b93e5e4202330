//! The pushed authorization request endpoint (RFC 9126) over the real
//! adapters: client authentication as at the token endpoint, the
//! authorization endpoint's checks (docs/SECURITY.md § Pushed
//! authorization requests).

use std::sync::Arc;

use oauth_core::ports::Clock;
use oauth_core::service::authorize::AuthorizeService;
use oauth_core::service::client_authentication::ClientAuthenticator;
use oauth_core::service::pushed_authorization::{PushPolicy, PushPorts, PushedAuthorizationService};
use oauth_keys::OsRandom;
use oauth_store_diesel::DieselStore;

use super::ClientChecks;
use crate::config::Config;

/// `POST /oauth/par`. Failed authentications are counted in the store,
/// shared with the token endpoint's counters.
pub fn pushed_authorization(
    config: &Config,
    store: &DieselStore,
    checks: ClientChecks,
    authorize: Arc<AuthorizeService>,
    clock: Arc<dyn Clock>,
) -> PushedAuthorizationService {
    let store = Arc::new(store.clone());
    let ports = PushPorts {
        authenticator: ClientAuthenticator::new(checks.directory, store.clone(), clock.clone())
            .checking_assertions(checks.assertions),
        authorize,
        pushed: store.clone(),
        clock,
        random: Arc::new(OsRandom::new()),
        // Counted in the store, shared by every instance.
        attempts: store,
    };
    // The same number per address as sign-in requests: both are rows an
    // unauthenticated caller can make.
    let policy =
        PushPolicy { lifetime: config.pushed_request_lifetime.to_time(), quota: config.sign_in.quota };
    PushedAuthorizationService::new(ports, policy)
}

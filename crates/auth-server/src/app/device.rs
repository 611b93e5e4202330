//! The device authorization endpoint (RFC 8628) over the real adapters:
//! client authentication as at the token endpoint, the codes stored in the
//! shared store, the quotas counted there for every instance
//! (docs/SECURITY.md § Device grant).

use std::sync::Arc;

use oauth_core::discovery::DEVICE_VERIFICATION_PATH;
use oauth_core::ports::Clock;
use oauth_core::service::client_authentication::ClientAuthenticator;
use oauth_core::service::device_authorization::{DeviceAuthorizationService, DevicePolicy, DevicePorts};
use oauth_core::service::resource_targets::ResourceTargets;
use oauth_keys::OsRandom;
use oauth_store_diesel::DieselStore;

use super::ClientChecks;
use crate::config::Config;

/// `POST /oauth/device_authorization`.
pub fn device_authorization(
    config: &Config,
    store: &DieselStore,
    checks: ClientChecks,
    targets: ResourceTargets,
    clock: Arc<dyn Clock>,
) -> DeviceAuthorizationService {
    let store = Arc::new(store.clone());
    let device = config.device;
    let ports = DevicePorts {
        authenticator: ClientAuthenticator::new(checks.directory, store.clone(), clock.clone())
            .checking_assertions(checks.assertions),
        devices: store.clone(),
        targets,
        catalog: Arc::new(config.scopes.clone()),
        clock,
        random: Arc::new(OsRandom::new()),
        // Counted in the store, shared by every instance.
        attempts: store,
    };
    let policy = DevicePolicy {
        lifetime: device.lifetime.to_time(),
        interval: device.interval.to_time(),
        verification_uri: format!("{}{DEVICE_VERIFICATION_PATH}", config.server.issuer),
        quota: device.per_ip,
        total: device.total,
    };
    DeviceAuthorizationService::new(ports, policy)
}

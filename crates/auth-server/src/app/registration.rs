//! Dynamic client registration (RFC 7591, RFC 7592) over the real
//! adapters, when configured (docs/SECURITY.md § Dynamic registration).

use std::sync::Arc;

use oauth_core::ports::{Clock, ResourceRepository};
use oauth_core::service::client_directory::ClientDirectory;
use oauth_core::service::registration::{RegistrationPolicy, RegistrationPorts, RegistrationService};
use oauth_core::throttle::AuthorizeQuota;
use oauth_keys::OsRandom;
use oauth_store_diesel::DieselStore;

use crate::config::Config;

/// Quotas on registration count per hour.
const QUOTA_WINDOW: time::Duration = time::Duration::hours(1);

/// The registration service, or `None` while registration is off.
pub fn registration_service(
    config: &Config,
    store: &DieselStore,
    clients: ClientDirectory,
    registry: Arc<dyn ResourceRepository>,
    events: Arc<dyn oauth_core::ports::SecurityEventSink>,
    clock: Arc<dyn Clock>,
) -> Option<RegistrationService> {
    let settings = config.self_asserted.registration?;
    let store = Arc::new(store.clone());
    let ports = RegistrationPorts {
        clients,
        registrations: store.clone(),
        tokens: store.clone(),
        resources: registry,
        // Counted in the store, shared by every instance, never cached: a
        // quota read from a copy could be overrun.
        attempts: store,
        clock,
        random: Arc::new(OsRandom::new()),
        events,
    };
    let policy = RegistrationPolicy {
        mode: settings.mode,
        template: config.self_asserted.template.clone(),
        per_address: AuthorizeQuota { per_address: settings.per_ip, window: QUOTA_WINDOW },
        total: AuthorizeQuota { per_address: settings.total, window: QUOTA_WINDOW },
        max_clients: settings.max_clients,
    };
    Some(RegistrationService::new(ports, policy))
}

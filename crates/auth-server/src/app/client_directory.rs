//! How every service reads clients: one cache in front of the store and,
//! when configured, clients described by metadata documents, fetched
//! through the guarded fetcher (docs/SECURITY.md § Outbound fetches).

use std::sync::Arc;

use oauth_core::ports::{Clock, ResourceRepository};
use oauth_core::service::client_directory::{
    ClientDirectory, DocumentClients, DocumentPolicy, DocumentPorts,
};
use oauth_core::throttle::AuthorizeQuota;
use oauth_store_diesel::DieselStore;

use crate::cache::TtlClientCache;
use crate::config::Config;
use crate::exit::CommandError;
use crate::outbound::{CacheBounds, CachedDocuments, DocumentFetcher, FetchLimits, SystemLookup};

/// How every service of the server reads clients: through one cache,
/// shared, in front of the store (docs/SECURITY.md § Read caches); and, when
/// configured, clients described by metadata documents, fetched through the
/// guarded fetcher (docs/SECURITY.md § Outbound fetches).
pub fn client_directory(
    config: &Config,
    store: &DieselStore,
    registry: &Arc<dyn ResourceRepository>,
    clock: Arc<dyn Clock>,
) -> Result<ClientDirectory, CommandError> {
    let cache = TtlClientCache::new(config.database.client_cache_ttl.to_time());
    let directory = ClientDirectory::cached(Arc::new(store.clone()), Arc::new(cache), clock.clone());
    let Some(cimd) = config.self_asserted.metadata_documents else { return Ok(directory) };
    if cimd.allow_http_loopback {
        tracing::warn!(
            event = "cimd_http_loopback_allowed",
            "cimd_allow_http_loopback is on: client metadata documents are fetched over plain http from \
             127.0.0.1 and [::1]; this is for development only, never for production"
        );
    }
    let limits = FetchLimits::new(cimd.max_bytes, cimd.timeout.to_std(), cimd.allow_http_loopback);
    let fetcher = DocumentFetcher::new(limits, Arc::new(SystemLookup))
        .map_err(|e| CommandError::Runtime(format!("cannot build the document fetcher: {e}")))?;
    let bounds = CacheBounds {
        min: cimd.cache_min.to_time(),
        max: cimd.cache_max.to_time(),
        entries: cimd.cache_entries,
    };
    let documents = CachedDocuments::new(Arc::new(fetcher), clock.clone(), bounds);
    let ports = DocumentPorts {
        documents: Arc::new(documents),
        store: Arc::new(store.clone()),
        resources: registry.clone(),
        // The per-address quota is counted in the store, shared by every instance.
        attempts: Arc::new(store.clone()),
        clock,
    };
    let policy = DocumentPolicy {
        template: config.self_asserted.template.clone(),
        allow_http_loopback: cimd.allow_http_loopback,
        new_clients: AuthorizeQuota { per_address: cimd.new_clients_per_ip, ..AuthorizeQuota::default() },
        new_clients_total: AuthorizeQuota {
            per_address: cimd.new_clients_total,
            ..AuthorizeQuota::default()
        },
    };
    let clients = DocumentClients::new(ports, policy);
    Ok(directory.with_metadata_documents(Arc::new(clients)))
}

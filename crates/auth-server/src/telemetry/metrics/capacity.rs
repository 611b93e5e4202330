//! Gauges read when scraped, not kept: how full the store's connection pool
//! and the password hasher's queue are at that moment.

use std::sync::{Arc, OnceLock};

use oauth_keys::Argon2Hasher;
use oauth_store_diesel::DieselStore;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::gauge::ConstGauge;

/// What the gauges read.
#[derive(Debug, Clone)]
pub(super) struct Sources {
    pub store: DieselStore,
    pub hasher: Argon2Hasher,
}

/// Encodes the gauges once its sources are set; nothing before.
#[derive(Debug, Clone, Default)]
pub(super) struct Capacity(pub Arc<OnceLock<Sources>>);

impl Collector for Capacity {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(sources) = self.0.get() else { return Ok(()) };
        let pool = sources.store.pool_state();
        let gauges: [(&str, &str, i64); 5] = [
            ("store_pool_connections", "Database connections open, in use or idle", pool.connections.into()),
            (
                "store_pool_idle_connections",
                "Open database connections no request holds",
                pool.idle_connections.into(),
            ),
            (
                "store_pool_max_connections",
                "The most database connections the pool opens (db_pool_size)",
                pool.max_size.into(),
            ),
            (
                "password_hash_queue_depth",
                "Sign-ins waiting for a turn to hash a password (argon2id)",
                i64::try_from(sources.hasher.waiting()).unwrap_or(i64::MAX),
            ),
            (
                "password_hash_running",
                "Password hashes being computed now (at most password_hash_concurrency)",
                i64::try_from(sources.hasher.running()).unwrap_or(i64::MAX),
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(value);
            let metric = encoder.encode_descriptor(name, help, None, gauge.metric_type())?;
            gauge.encode(metric)?;
        }
        Ok(())
    }
}

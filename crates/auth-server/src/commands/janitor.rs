//! `auth-server janitor`: one sweep, for deployments that prefer cron to the
//! janitor running inside each server.

use std::sync::Arc;

use super::audited::CommandEvents;
use crate::app::{audited_key_ring, open_store, retention_service};
use crate::clock::SystemClock;
use crate::config::{Config, Duration};
use crate::exit::{CommandError, say};
use crate::janitor::Janitor;

/// Sweeps once and says what went.
pub async fn run(config: &Config) -> Result<(), CommandError> {
    let (store, _) = open_store(config).await?;
    let clock = Arc::new(SystemClock);
    let events = CommandEvents::default();
    let keys = audited_key_ring(config, &store, clock.clone(), events.audit(&store)).await?;
    let janitor = Janitor {
        retention: Arc::new(retention_service(config, &store, clock.clone())),
        keys,
        rotation: config.keys.rotation_interval.map(Duration::to_time),
        // One sweep and gone: nothing would be there to scrape.
        metrics: None,
    };
    let swept = janitor.sweep().await;
    events.flush().await;
    say(&format!("removed {} expired records and {} retired signing keys", swept.rows, swept.keys))
}

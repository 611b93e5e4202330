//! `auth-server janitor`: one sweep, for deployments that prefer cron to the
//! janitor running inside each server.

use std::sync::Arc;

use crate::app::{authorize_service, open_store, signer, token_service};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::exit::{CommandError, say};
use crate::janitor::Janitor;

/// Sweeps once and says what went.
pub async fn run(config: &Config) -> Result<(), CommandError> {
    let (store, _) = open_store(config).await?;
    let clock = Arc::new(SystemClock);
    let keys = Arc::new(signer(config, &store, clock.clone()).await?);
    let janitor = Janitor {
        flow: Arc::new(authorize_service(config, &store, keys.clone(), clock.clone()).await?),
        tokens: Arc::new(token_service(config, &store, keys.clone(), clock)),
        keys,
        rotation: config.keys.rotation_interval,
    };
    let swept = janitor.sweep().await;
    say(&format!("removed {} expired records and {} retired signing keys", swept.rows, swept.keys))
}

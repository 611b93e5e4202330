//! The janitor: deletes expired codes, sessions, pending authorizations and
//! stale login counters in bounded batches, so the database does not grow
//! forever. Runs beside the server; every instance may run one (deletes of
//! dead rows are idempotent).

use std::sync::Arc;
use std::time::Duration;

use oauth_core::service::authorize::AuthorizeService;
use oauth_keys::JosekitSigner;

/// Rows per kind per batch: bounded so one sweep never holds a lock for long.
const BATCH: u32 = 500;
/// Batches per sweep: a backlog is worked off over several sweeps.
const MAX_BATCHES: u32 = 20;

/// Sweeps every `interval` until the task is aborted: expired rows, keys
/// retired longer than any token lives, and (when configured) a rotation of
/// keys that have signed for `rotation` or longer.
pub async fn run(
    flow: Arc<AuthorizeService>,
    keys: Arc<JosekitSigner>,
    rotation: Option<time::Duration>,
    interval: Duration,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        sweep(&flow).await;
        sweep_keys(&keys, rotation).await;
    }
}

/// Rotates due keys and deletes expired retired ones; failures are logged.
pub async fn sweep_keys(keys: &JosekitSigner, rotation: Option<time::Duration>) -> u64 {
    if let Some(interval) = rotation
        && let Err(error) = keys.rotate_due(interval).await
    {
        tracing::warn!(error = %error, "automatic key rotation failed");
    }
    match keys.delete_expired().await {
        Ok(deleted) => {
            if deleted > 0 {
                tracing::info!(deleted, "retired signing keys deleted");
            }
            deleted
        }
        Err(error) => {
            tracing::warn!(error = %error, "cannot delete retired signing keys");
            0
        }
    }
}

/// One sweep; failures are logged and retried at the next one.
pub async fn sweep(flow: &AuthorizeService) -> u64 {
    let mut removed = 0;
    for _ in 0..MAX_BATCHES {
        match flow.purge_expired(BATCH).await {
            Ok(0) => break,
            Ok(rows) => removed += rows,
            Err(error) => {
                tracing::warn!(error = %error, "janitor sweep failed");
                break;
            }
        }
    }
    if removed > 0 {
        tracing::info!(removed, "janitor removed expired rows");
    }
    removed
}

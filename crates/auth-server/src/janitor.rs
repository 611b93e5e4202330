//! The janitor: deletes expired codes, sessions, pending authorizations and
//! stale login counters in bounded batches, so the database does not grow
//! forever. Runs beside the server; every instance may run one (deletes of
//! dead rows are idempotent).

use std::sync::Arc;
use std::time::Duration;

use oauth_core::service::authorize::AuthorizeService;

/// Rows per kind per batch: bounded so one sweep never holds a lock for long.
const BATCH: u32 = 500;
/// Batches per sweep: a backlog is worked off over several sweeps.
const MAX_BATCHES: u32 = 20;

/// Sweeps every `interval` until the task is aborted.
pub async fn run(flow: Arc<AuthorizeService>, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        sweep(&flow).await;
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

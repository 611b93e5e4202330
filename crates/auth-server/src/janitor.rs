//! The janitor: deletes expired codes, sessions, pending authorizations,
//! stale login counters, refresh families past their absolute expiry,
//! revoked access-token ids past their token's expiry and security events
//! past their retention, in bounded batches
//! until none is left, so the database does not grow forever; rotates signing
//! keys that are due and deletes retired keys no token can need. Runs beside
//! the server, and once per call as `auth-server janitor` (for cron). Every
//! instance may run one: deleting dead rows twice is harmless, and rotation
//! is a compare-and-swap.

use std::sync::Arc;
use std::time::Duration;

use oauth_core::service::key_ring::KeyRing;
use oauth_core::service::retention::RetentionService;

use crate::telemetry::metrics::Metrics;

/// Rows per kind per batch: bounded so no statement holds a lock for long;
/// a sweep runs batch after batch until nothing expired is left.
const BATCH: u32 = 500;

/// What the janitor looks after.
#[derive(Debug, Clone)]
pub struct Janitor {
    /// Deletes the expired rows.
    pub retention: Arc<RetentionService>,
    /// Rotates due keys and deletes retired ones past their retention.
    pub keys: Arc<KeyRing>,
    /// Rotate keys that have signed this long; `None`: only on command.
    pub rotation: Option<time::Duration>,
    /// Told of each sweep, rotation and failure, when metrics are on.
    pub metrics: Option<Metrics>,
}

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Expired codes, sessions, pending authorizations, stale counters,
    /// refresh families and revoked `jti`s.
    pub rows: u64,
    /// Retired signing keys deleted.
    pub keys: u64,
}

impl Janitor {
    /// Sweeps every `interval` until the task is aborted.
    pub async fn run(self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            self.sweep().await;
        }
    }

    /// One sweep; failures are logged and retried at the next one.
    pub async fn sweep(&self) -> Swept {
        let rows = purge_rows(&self.retention).await;
        let keys = look_after_keys(&self.keys, self.rotation).await;
        if rows.removed > 0 || keys.deleted > 0 {
            tracing::info!(rows = rows.removed, keys = keys.deleted, "janitor removed expired records");
        }
        if let Some(metrics) = &self.metrics {
            metrics.janitor_swept(rows.removed, keys.deleted);
            (0..keys.rotated).for_each(|_| metrics.key_rotated());
            (0..rows.failures + keys.failures).for_each(|_| metrics.janitor_sweep_failed());
        }
        Swept { rows: rows.removed, keys: keys.deleted }
    }
}

/// Every expired row, batch by batch, until each kind comes back empty
/// (a backlog of any size is gone after one sweep).
pub async fn sweep_rows(retention: &RetentionService) -> u64 {
    purge_rows(retention).await.removed
}

/// Rotates due keys and deletes expired retired ones; failures are logged.
pub async fn sweep_keys(keys: &KeyRing, rotation: Option<time::Duration>) -> u64 {
    look_after_keys(keys, rotation).await.deleted
}

/// What one step of a sweep did, for the log and the metrics.
#[derive(Debug, Default)]
struct Step {
    removed: u64,
    deleted: u64,
    rotated: u32,
    failures: u32,
}

async fn purge_rows(retention: &RetentionService) -> Step {
    let mut step = Step::default();
    let purges = [
        retention.purge_sign_in_state(BATCH).await,
        retention.purge_token_state(BATCH).await,
        retention.purge_events(BATCH).await,
    ];
    for purge in purges {
        match purge {
            Ok(rows) => step.removed += rows,
            Err(error) => {
                tracing::warn!(error = %error, "janitor sweep failed");
                step.failures += 1;
            }
        }
    }
    step
}

async fn look_after_keys(keys: &KeyRing, rotation: Option<time::Duration>) -> Step {
    let mut step = Step::default();
    if let Some(interval) = rotation {
        match keys.rotate_due(interval).await {
            Ok(rotated) => step.rotated = rotated,
            Err(error) => {
                tracing::warn!(error = %error, "automatic key rotation failed");
                step.failures += 1;
            }
        }
    }
    match keys.delete_expired().await {
        Ok(deleted) => step.deleted = deleted,
        Err(error) => {
            tracing::warn!(error = %error, "cannot delete retired signing keys");
            step.failures += 1;
        }
    }
    step
}

//! The background writer: takes queued events in batches and appends them
//! to the table, one statement per batch.

use std::sync::Arc;

use oauth_core::ports::SecurityEventRepository;

use super::Shared;

/// Events per statement: large enough to keep up with a burst, small enough
/// that one insert stays short.
pub(super) const BATCH: usize = 256;

/// Writes for as long as the runtime runs, one batch at a time. A failed batch is logged
/// and given up: the events' log lines are already written, and retrying
/// against a database that is down would only grow the queue.
pub(super) async fn run(strong: Arc<Shared>, table: Arc<dyn SecurityEventRepository>) {
    loop {
        let queued = strong.queued.notified();
        tokio::pin!(queued);
        queued.as_mut().enable();
        let batch: Vec<_> = {
            let mut queue = strong.lock();
            let take = queue.waiting.len().min(BATCH);
            let batch: Vec<_> = queue.waiting.drain(..take).collect();
            queue.in_flight = batch.len();
            batch
        };
        if batch.is_empty() {
            strong.idle.notify_waiters();
            queued.await;
            continue;
        }
        let events = batch.len();
        // Its own task, so that a panicking adapter costs one batch and not
        // the writer. Awaited to the end, however long: one append at a
        // time holds at most one database connection, and a stuck one only
        // fills the bounded queue (callers that wait, `flush`, time out).
        let table = table.clone();
        let failure = match tokio::spawn(async move { table.append(&batch).await }).await {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(panicked) => Some(panicked.to_string()),
        };
        if let Some(error) = failure {
            tracing::warn!(
                event = "security_events_not_stored",
                events,
                error,
                "cannot store security events"
            );
        }
        strong.lock().in_flight = 0;
    }
}

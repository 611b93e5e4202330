//! The background writer: takes queued events in batches and appends them
//! to the table, one append per batch.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use oauth_core::ports::SecurityEventRepository;
use oauth_core::security_event::SecurityEvent;

use super::Shared;

/// Events per statement: large enough to keep up with a burst, small enough
/// that one insert stays short.
pub(super) const BATCH: usize = 256;

/// How long the writer, woken from idle by an event, lets more events
/// arrive before it takes a batch. A flow's events come milliseconds apart
/// (a code, then its tokens) and concurrent flows' events closer still:
/// gathered, they cost one append and one commit instead of one each
/// (docs/pull-requests/024-event-writes.md). Nobody waits for it: the
/// requests have been answered, and `flush` waits at most this much longer.
const GATHER: Duration = Duration::from_millis(10);

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
            tokio::time::sleep(GATHER).await;
            continue;
        }
        // Awaited to the end, however long: one append at a time holds at
        // most one database connection, and a stuck one only fills the
        // bounded queue (callers that wait, `flush`, time out).
        if let Err(error) = append_caught(table.as_ref(), &batch).await {
            tracing::warn!(
                event = "security_events_not_stored",
                events = batch.len(),
                error,
                "cannot store security events"
            );
        }
        strong.lock().in_flight = 0;
    }
}

/// Appends `batch`; an adapter that panics costs that batch, not the
/// writer: its panic becomes this error. Polled here rather than in a task
/// of its own, which cost every batch a spawn and a wake-up.
///
/// `AssertUnwindSafe`: after a panic the append is dropped, never polled
/// again, and the batch is given up; what else a panicking adapter leaves
/// behind is the adapter's, as it would be in a task of its own (which
/// tokio also runs under `AssertUnwindSafe`).
async fn append_caught(table: &dyn SecurityEventRepository, batch: &[SecurityEvent]) -> Result<(), String> {
    let mut append = table.append(batch);
    std::future::poll_fn(|cx| match std::panic::catch_unwind(AssertUnwindSafe(|| append.as_mut().poll(cx))) {
        Ok(Poll::Ready(result)) => Poll::Ready(result.map_err(|error| error.to_string())),
        Ok(Poll::Pending) => Poll::Pending,
        Err(panic) => {
            Poll::Ready(Err(format!("the event table panicked: {}", panic_message(panic.as_ref()))))
        }
    })
    .await
}

/// A panic's message, when it has one (`panic!` with a literal or a format).
fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(message) = panic.downcast_ref::<&str>() {
        message
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message
    } else {
        "no message"
    }
}

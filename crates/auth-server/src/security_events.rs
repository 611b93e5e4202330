//! The security event sink of the server and the command line: every event
//! becomes a JSON log line at once, and the stored kinds are queued for the
//! event table, which a background writer fills in batches
//! (docs/SECURITY.md § Security events).
//!
//! The request that caused an event never waits for the table: the queue
//! is bounded, and an event that finds it full is logged and counted as
//! dropped rather than slowing sign-ins and token requests down. Its log
//! line is written either way.

mod log_line;
pub use log_line::reason_name;
mod writer;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use oauth_core::ports::{SecurityEventRepository, SecurityEventSink};
use oauth_core::security_event::SecurityEvent;
use tokio::sync::Notify;

/// Events waiting for the table, at most: a minute of a busy server's
/// issuances, held in memory only while the database is slow.
pub const MAX_QUEUED: usize = 10_000;

/// Events any caller can cause (failed sign-ins) queue only while the queue
/// is below this: a flood of them leaves room for issuances, replays and
/// revocations.
pub const MAX_QUEUED_FROM_ANYONE: usize = MAX_QUEUED / 2;

/// Records security events: logs each one, queues the stored kinds.
#[derive(Clone)]
pub struct SecurityEventLog {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SecurityEventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityEventLog").finish_non_exhaustive()
    }
}

/// Called with every event (the metrics count them).
pub type Observer = Arc<dyn Fn(&SecurityEvent) + Send + Sync>;

/// What the sink and the writer share.
#[derive(Default)]
struct Shared {
    state: Mutex<Queue>,
    /// Wakes the writer when an event is queued.
    queued: Notify,
    /// Wakes `flush` when the writer has written everything.
    idle: Notify,
    /// Events that found the queue full.
    dropped: AtomicU64,
    /// The observer of every event (the metrics), called after its log line.
    observer: OnceLock<Observer>,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<SecurityEvent>,
    /// Events taken by the writer and not yet written (or given up).
    in_flight: usize,
}

impl SecurityEventLog {
    /// A sink whose stored events go to `table`, written by a task spawned
    /// on the current runtime, which runs as long as the runtime does.
    pub fn start(table: Arc<dyn SecurityEventRepository>) -> Self {
        let log = Self { shared: Arc::new(Shared::default()) };
        tokio::spawn(writer::run(log.shared.clone(), table));
        log
    }

    /// Also calls `observer` with every event; the first observer set stays.
    pub fn observe(&self, observer: Observer) {
        if self.shared.observer.set(observer).is_err() {
            tracing::debug!("the security event log already has an observer");
        }
    }

    /// Waits until every event recorded so far is written (or given up):
    /// before a command exits, and in tests.
    pub async fn flush(&self) {
        loop {
            let idle = self.shared.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            {
                let queue = self.shared.lock();
                if queue.waiting.is_empty() && queue.in_flight == 0 {
                    return;
                }
            }
            idle.await;
        }
    }

    /// Events dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SecurityEventSink for SecurityEventLog {
    fn record(&self, event: SecurityEvent) {
        log_line::log(&event);
        if let Some(observer) = self.shared.observer.get() {
            observer(&event);
        }
        if !event.kind.is_stored() {
            return;
        }
        let kind = event.kind;
        let full = {
            let mut queue = self.shared.lock();
            let room = if kind.is_caused_by_anyone() { MAX_QUEUED_FROM_ANYONE } else { MAX_QUEUED };
            let full = queue.waiting.len() >= room;
            if !full {
                queue.waiting.push_back(event);
            }
            full
        };
        if full {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(event = "security_event_dropped", kind = kind.as_str(), "event queue full");
        } else {
            self.shared.queued.notify_one();
        }
    }
}

#[cfg(test)]
mod tests;

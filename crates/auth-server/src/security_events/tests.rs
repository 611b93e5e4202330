use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use oauth_core::ports::SecurityEventRepository;
use oauth_core::security_event::{EventFilter, EventKind, SecurityEvent};
use oauth_core::testing::InMemoryStore;
use oauth_core::testing::fixtures::T0;

use super::*;

fn event(kind: EventKind, minute: i64) -> SecurityEvent {
    SecurityEvent::new(kind, T0 + time::Duration::minutes(minute))
}

async fn stored(store: &InMemoryStore) -> Vec<SecurityEvent> {
    SecurityEventRepository::list(store, &EventFilter::default(), 100_000).await.unwrap()
}

#[tokio::test]
async fn stored_kinds_reach_the_table_in_order_and_the_others_do_not() {
    let store = Arc::new(InMemoryStore::default());
    let log = SecurityEventLog::start(store.clone());
    let first = event(EventKind::LoginFailed, 0);
    let second = event(EventKind::TokensIssued, 1);
    log.record(first.clone());
    log.record(event(EventKind::ClientAuthenticationFailed, 2));
    log.record(second.clone());
    log.flush().await;
    assert_eq!(stored(&store).await, [first, second]);
}

#[tokio::test]
async fn a_burst_larger_than_a_batch_is_written_whole() {
    let store = Arc::new(InMemoryStore::default());
    let log = SecurityEventLog::start(store.clone());
    for minute in 0..1000 {
        log.record(event(EventKind::LoginSucceeded, minute));
    }
    log.flush().await;
    assert_eq!(stored(&store).await.len(), 1000);
    assert_eq!(log.dropped(), 0);
}

#[tokio::test]
async fn observers_see_every_event_stored_or_not() {
    let store = Arc::new(InMemoryStore::default());
    let log = SecurityEventLog::start(store);
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    log.observe(Arc::new(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    }));
    log.record(event(EventKind::ClientAuthenticationFailed, 0));
    log.record(event(EventKind::LoginSucceeded, 0));
    assert_eq!(seen.load(Ordering::Relaxed), 2);
}

/// A table that remembers the size of every batch it was given.
#[derive(Default)]
struct Batches(InMemoryStore, std::sync::Mutex<Vec<usize>>);

#[async_trait::async_trait]
impl SecurityEventRepository for Batches {
    async fn append(&self, events: &[SecurityEvent]) -> Result<(), oauth_core::RepoError> {
        self.1.lock().unwrap().push(events.len());
        self.0.append(events).await
    }
    async fn list(
        &self,
        filter: &EventFilter,
        limit: u32,
    ) -> Result<Vec<SecurityEvent>, oauth_core::RepoError> {
        self.0.list(filter, limit).await
    }
    async fn purge_before(&self, _: time::OffsetDateTime, _: u32) -> Result<u64, oauth_core::RepoError> {
        Ok(0)
    }
}

/// The writer, woken by an event, gathers what follows before it writes:
/// a flow's events share one batch. On this single-threaded runtime the
/// writer runs only where the test yields, so however long the wait, the
/// second event is queued before the writer takes a batch.
#[tokio::test]
async fn events_that_follow_the_first_share_its_batch() {
    let table = Arc::new(Batches::default());
    let log = SecurityEventLog::start(table.clone());
    // The writer starts and finds nothing to write.
    tokio::task::yield_now().await;
    log.record(event(EventKind::CodeIssued, 0));
    // It wakes, and waits for more.
    tokio::task::yield_now().await;
    log.record(event(EventKind::TokensIssued, 0));
    log.flush().await;
    assert_eq!(*table.1.lock().unwrap(), [2]);
    assert_eq!(stored(&table.0).await.len(), 2);
}

/// A table that never answers: the queue fills, and what does not fit is
/// dropped and counted instead of growing memory or blocking the caller.
struct Stuck;

#[async_trait::async_trait]
impl SecurityEventRepository for Stuck {
    async fn append(&self, _: &[SecurityEvent]) -> Result<(), oauth_core::RepoError> {
        std::future::pending().await
    }
    async fn list(&self, _: &EventFilter, _: u32) -> Result<Vec<SecurityEvent>, oauth_core::RepoError> {
        Ok(Vec::new())
    }
    async fn purge_before(&self, _: time::OffsetDateTime, _: u32) -> Result<u64, oauth_core::RepoError> {
        Ok(0)
    }
}

#[tokio::test]
async fn a_stuck_table_costs_dropped_events_not_memory() {
    let log = SecurityEventLog::start(Arc::new(Stuck));
    let extra = 25;
    for minute in 0..(MAX_QUEUED + super::writer::BATCH + extra) {
        log.record(event(EventKind::LoginFailed, i64::try_from(minute).unwrap()));
        // Let the writer take its first batch, which then never returns.
        tokio::task::yield_now().await;
    }
    assert!(log.dropped() >= extra as u64, "dropped {}", log.dropped());
    assert!(log.shared.lock().waiting.len() <= MAX_QUEUED);
}

/// How the first batch goes wrong.
#[derive(Clone, Copy)]
enum Fault {
    Fails,
    Panics,
}

/// A table whose first batch fails or panics; the rest reach `InMemoryStore`.
struct FirstBatch(InMemoryStore, AtomicUsize, Fault);

impl FirstBatch {
    fn new(fault: Fault) -> Self {
        Self(InMemoryStore::default(), AtomicUsize::new(0), fault)
    }
}

#[async_trait::async_trait]
impl SecurityEventRepository for FirstBatch {
    async fn append(&self, events: &[SecurityEvent]) -> Result<(), oauth_core::RepoError> {
        if self.1.fetch_add(1, Ordering::Relaxed) == 0 {
            match self.2 {
                Fault::Fails => return Err(oauth_core::RepoError::Unavailable("down".into())),
                Fault::Panics => panic!("the first batch panics"),
            }
        }
        self.0.append(events).await
    }
    async fn list(
        &self,
        filter: &EventFilter,
        limit: u32,
    ) -> Result<Vec<SecurityEvent>, oauth_core::RepoError> {
        self.0.list(filter, limit).await
    }
    async fn purge_before(
        &self,
        before: time::OffsetDateTime,
        limit: u32,
    ) -> Result<u64, oauth_core::RepoError> {
        self.0.purge_before(before, limit).await
    }
}

/// A failed batch is given up: `flush` returns, the next batch is written.
#[tokio::test]
async fn a_failed_batch_is_given_up_and_the_next_is_written() {
    let table = Arc::new(FirstBatch::new(Fault::Fails));
    let log = SecurityEventLog::start(table.clone());
    log.record(event(EventKind::LoginFailed, 0));
    log.flush().await;
    let kept = event(EventKind::LoginSucceeded, 1);
    log.record(kept.clone());
    log.flush().await;
    assert_eq!(table.list(&EventFilter::default(), 10).await.unwrap(), [kept]);
}

#[tokio::test]
async fn a_flood_of_failed_sign_ins_leaves_room_for_other_events() {
    let log = SecurityEventLog::start(Arc::new(Stuck));
    for minute in 0..MAX_QUEUED {
        log.record(event(EventKind::LoginFailed, i64::try_from(minute).unwrap()));
    }
    let dropped = log.dropped();
    assert!(
        dropped >= (MAX_QUEUED - MAX_QUEUED_FROM_ANYONE - super::writer::BATCH) as u64,
        "dropped {dropped}"
    );
    log.record(event(EventKind::TokensIssued, 0));
    log.record(event(EventKind::CodeReplayed, 0));
    assert_eq!(log.dropped(), dropped, "issuances and replays still queue");
    let queue = log.shared.lock();
    assert!(queue.waiting.iter().any(|e| e.kind == EventKind::CodeReplayed));
}

/// A panicking table adapter: the batch is given up, the writer lives on.
#[tokio::test]
async fn a_panicking_table_costs_one_batch_not_the_writer() {
    let table = Arc::new(FirstBatch::new(Fault::Panics));
    let log = SecurityEventLog::start(table.clone());
    log.record(event(EventKind::LoginFailed, 0));
    log.flush().await;
    let kept = event(EventKind::LoginSucceeded, 1);
    log.record(kept.clone());
    log.flush().await;
    assert_eq!(table.list(&EventFilter::default(), 10).await.unwrap(), [kept]);
}

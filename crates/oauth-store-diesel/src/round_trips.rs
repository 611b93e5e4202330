//! Counting the round trips the store makes to its database.
//!
//! Diesel reports every statement it sends to an [`Instrumentation`]: one
//! `FinishQuery` event per statement, whether it succeeded or failed, and
//! one per `batch_execute` call (a whole batch is one round trip). Its
//! transaction manager sends `BEGIN`, `COMMIT` and `ROLLBACK` (or their
//! savepoint forms) through `batch_execute`, so each is counted once there;
//! the `BeginTransaction`, `CommitTransaction` and `RollbackTransaction`
//! events announce the same commands and are not counted again.
//!
//! Not counted: what a connection sends while it is being opened (libpq's
//! start-up, Diesel's `SET TIME ZONE`, our SQLite pragmas), and PostgreSQL's
//! prepare step, which runs once per statement text and connection before
//! the statement is first executed (Diesel's `CacheQuery` event).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};

use crate::connection::AnyConnection;

/// Round trips sent by every connection that holds a clone of this counter.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoundTrips(Arc<AtomicU64>);

impl RoundTrips {
    /// Counts, from now on, every statement `connection` sends.
    pub(crate) fn watch(&self, connection: &mut AnyConnection) {
        connection.set_instrumentation(Counter(self.0.clone()));
    }

    /// The total so far.
    pub(crate) fn total(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Diesel's per-connection hook; shares one total with the other connections.
struct Counter(Arc<AtomicU64>);

impl Instrumentation for Counter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        // A running total read by tests and benchmarks: it orders nothing,
        // so a relaxed add is enough.
        if let InstrumentationEvent::FinishQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(all(test, feature = "test-support"))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

    use diesel::connection::SimpleConnection;
    use diesel::{Connection, RunQueryDsl, sql_query};
    use oauth_core::RepoError;

    use crate::testing::TestDatabase;
    use crate::{DieselStore, PoolOptions};

    fn failed(e: diesel::result::Error) -> RepoError {
        RepoError::Unavailable(Box::new(e))
    }

    /// One statement is one round trip; a transaction around one insert is
    /// three (`BEGIN`, the insert, `COMMIT`), and one that fails is three
    /// (`BEGIN`, the failed insert, `ROLLBACK`).
    async fn counts_each_command_once(db: &TestDatabase) {
        let store = DieselStore::open(db.url(), &PoolOptions::default()).unwrap();
        store
            .run(|c| c.batch_execute("CREATE TABLE probe (n INTEGER PRIMARY KEY)").map_err(failed))
            .await
            .unwrap();

        let before = store.round_trips();
        store.run(|c| sql_query("SELECT 1").execute(c).map_err(failed)).await.unwrap();
        assert_eq!(store.round_trips() - before, 1, "a single SELECT");

        let before = store.round_trips();
        store
            .run(|c| {
                c.transaction(|c| sql_query("INSERT INTO probe (n) VALUES (1)").execute(c)).map_err(failed)
            })
            .await
            .unwrap();
        assert_eq!(store.round_trips() - before, 3, "BEGIN, INSERT, COMMIT");

        let before = store.round_trips();
        let duplicate = store.run(|c| {
            c.transaction(|c| sql_query("INSERT INTO probe (n) VALUES (1)").execute(c)).map_err(failed)
        });
        assert!(duplicate.await.is_err(), "the key is taken");
        assert_eq!(store.round_trips() - before, 3, "BEGIN, the failed INSERT, ROLLBACK");
    }

    #[tokio::test]
    async fn sqlite_counts_each_command_once() {
        counts_each_command_once(&TestDatabase::sqlite()).await;
    }

    #[tokio::test]
    async fn postgres_counts_each_command_once() {
        if let Some(db) = TestDatabase::postgres("postgres_counts_each_command_once") {
            counts_each_command_once(&db).await;
        }
    }
}

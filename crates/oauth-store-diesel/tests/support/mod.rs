//! What the store's test binaries share: a fresh migrated database per case,
//! and the pair of tests (SQLite, PostgreSQL) that runs one contract suite or
//! one check.

use std::sync::Arc;

use oauth_core::testing::contract::ContractStores;
use oauth_store_diesel::testing::TestDatabase;
use oauth_store_diesel::{DieselStore, PoolOptions, run_migrations};

/// A migrated store on `db`.
pub fn open_migrated(db: &TestDatabase) -> DieselStore {
    run_migrations(db.url()).expect("migrate");
    DieselStore::open(db.url(), &PoolOptions::default()).expect("open")
}

/// A fresh migrated database per contract case; every database lives until
/// the suite ends. `None` when the backend is not available (PostgreSQL
/// without `TEST_DATABASE_URL`).
pub struct FreshStores<F> {
    fresh: F,
    guards: std::sync::Mutex<Vec<TestDatabase>>,
}

impl<F: Fn() -> Option<TestDatabase>> FreshStores<F> {
    pub fn new(fresh: F) -> Option<Self> {
        let first = fresh()?;
        Some(Self { fresh, guards: std::sync::Mutex::new(vec![first]) })
    }

    /// Every repository view of one new, migrated database.
    pub fn next(&self) -> std::future::Ready<ContractStores> {
        let db = (self.fresh)().expect("database");
        let store = Arc::new(open_migrated(&db));
        self.guards.lock().unwrap().push(db);
        std::future::ready(ContractStores::all_in(store))
    }
}

/// Defines, for each row `suite (workers): sqlite_test, postgres_test;`, a
/// test on each backend that runs `contract::<suite>::run_all` on fresh
/// databases (PostgreSQL only when `TEST_DATABASE_URL` is set).
macro_rules! backend_contract_tests {
    ($($suite:ident ($workers:tt): $sqlite:ident, $postgres:ident;)+) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = $workers)]
        async fn $sqlite() {
            let fresh = || Some(oauth_store_diesel::testing::TestDatabase::sqlite());
            let Some(stores) = crate::support::FreshStores::new(fresh) else { return };
            oauth_core::testing::contract::$suite::run_all(|| stores.next()).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = $workers)]
        async fn $postgres() {
            let fresh = || oauth_store_diesel::testing::TestDatabase::postgres(stringify!($postgres));
            let Some(stores) = crate::support::FreshStores::new(fresh) else { return };
            oauth_core::testing::contract::$suite::run_all(|| stores.next()).await;
        }
    )+};
}
pub(crate) use backend_contract_tests;

/// Defines, for each row `check (workers): sqlite_test, postgres_test;`, a
/// test on each backend that runs `check(&TestDatabase)` on a fresh database
/// (PostgreSQL only when `TEST_DATABASE_URL` is set).
macro_rules! backend_tests {
    ($($check:ident ($workers:tt): $sqlite:ident, $postgres:ident;)+) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = $workers)]
        async fn $sqlite() {
            $check(&oauth_store_diesel::testing::TestDatabase::sqlite()).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = $workers)]
        async fn $postgres() {
            if let Some(db) = oauth_store_diesel::testing::TestDatabase::postgres(stringify!($postgres)) {
                $check(&db).await;
            }
        }
    )+};
}
pub(crate) use backend_tests;

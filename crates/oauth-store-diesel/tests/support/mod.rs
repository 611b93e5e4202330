//! What the store's test binaries share: a fresh migrated database per case.

use std::sync::Arc;

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

    pub fn next(&self) -> Arc<DieselStore> {
        let db = (self.fresh)().expect("database");
        let store = Arc::new(open_migrated(&db));
        self.guards.lock().unwrap().push(db);
        store
    }
}

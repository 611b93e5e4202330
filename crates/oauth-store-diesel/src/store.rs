//! The store: a pool of connections and the one place where Diesel work is
//! moved off the async workers.
//!
//! Lookups by a primary or unique key read their row with `get_result`,
//! never `first()` (`clippy.toml` forbids it). `first()` binds `LIMIT 1` as a
//! parameter, and SQLite's planner reads a bound LIMIT's value
//! (`sqlite3ExprIsInteger` in SQLite 3.53), so binding it again marks the
//! cached statement expired: every such query was parsed and planned anew on
//! every call, 6.5 % of a sign-in-free code flow's server CPU
//! (`docs/BENCHMARKS.md` § What moved). A key finds at most one row, so the
//! LIMIT was never needed. Any bound LIMIT does the same: the janitor's
//! batches and the user list keep theirs because they run rarely.

use std::sync::Arc;
use std::time::Duration;

use diesel::r2d2::R2D2Connection;
use oauth_core::RepoError;

use crate::connection::{AnyConnection, DatabaseUrl};
use crate::error::StoreError;
use crate::round_trips::RoundTrips;

/// Pool sizing. The defaults suit a small machine: an exhausted pool fails in
/// seconds rather than parking blocking threads for r2d2's default 30 s.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: u32,
    /// How long a caller waits for a free connection before the store reports
    /// itself unavailable.
    pub connection_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_size: 8, connection_timeout: Duration::from_secs(3) }
    }
}

/// A snapshot of the pool ([`DieselStore::pool_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Connections open, in use or idle.
    pub connections: u32,
    /// Open connections no caller holds.
    pub idle_connections: u32,
    /// The most connections the pool opens.
    pub max_size: u32,
}

/// Opens pooled connections for r2d2, dispatching on the URL's scheme, and
/// counts the round trips of each.
#[derive(Debug)]
struct Manager {
    url: DatabaseUrl,
    round_trips: RoundTrips,
}

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<AnyConnection, StoreError> {
        let mut connection = self.url.establish_existing()?;
        self.round_trips.watch(&mut connection);
        Ok(connection)
    }

    fn is_valid(&self, connection: &mut AnyConnection) -> Result<(), StoreError> {
        connection.ping().map_err(|e| StoreError::Connect(e.to_string()))
    }

    fn has_broken(&self, connection: &mut AnyConnection) -> bool {
        connection.is_broken()
    }
}

type Pool = r2d2::Pool<Manager>;

/// Every repository port, backed by Diesel. Cheap to clone.
#[derive(Clone, Debug)]
pub struct DieselStore {
    pool: Pool,
    url: Arc<DatabaseUrl>,
    /// One permit per pooled connection: callers beyond that wait here, as
    /// cheap async tasks, instead of as blocking threads parked on the pool
    /// (under load that was dozens of threads waking each other).
    permits: Arc<tokio::sync::Semaphore>,
    round_trips: RoundTrips,
}

impl DieselStore {
    /// Opens the database: creates the SQLite file's folder if needed, makes
    /// one direct connection (so that a failure names its real cause), then
    /// builds the pool. Does not migrate: see [`crate::run_migrations`].
    pub fn open(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, StoreError> {
        prepare_location(url)?;
        drop(url.establish()?);
        let round_trips = RoundTrips::default();
        let pool = r2d2::Pool::builder()
            .max_size(options.max_size)
            .min_idle(Some(1))
            // No `SELECT 1` before every use: it doubled the round trips of
            // every query. A connection that broke is found by its failing
            // query and dropped (`has_broken`); the next call gets a new one.
            .test_on_check_out(false)
            .connection_timeout(options.connection_timeout)
            .build(Manager { url: url.clone(), round_trips: round_trips.clone() })
            .map_err(|e| StoreError::Pool(e.to_string()))?;
        let permits = Arc::new(tokio::sync::Semaphore::new(options.max_size as usize));
        Ok(Self { pool, url: Arc::new(url.clone()), permits, round_trips })
    }

    /// The database this store uses.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// How many round trips this store has made to its database since it was
    /// opened, over all its connections: every statement and every
    /// transaction command (`BEGIN`, `COMMIT`, `ROLLBACK`, savepoints) counts
    /// once, failed ones too. Opening a connection and PostgreSQL's one-time
    /// prepare of each statement are not counted (see `round_trips.rs`).
    /// Always on; reading it is one atomic load.
    pub fn round_trips(&self) -> u64 {
        self.round_trips.total()
    }

    /// How many pooled connections are open and how many of them idle, for
    /// metrics. Takes the pool's lock for a moment, so read it per scrape,
    /// never per request.
    pub fn pool_state(&self) -> PoolState {
        let state = self.pool.state();
        PoolState {
            connections: state.connections,
            idle_connections: state.idle_connections,
            max_size: self.pool.max_size(),
        }
    }

    /// Runs `work` with a pooled connection on tokio's blocking pool.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, RepoError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, RepoError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let permit =
            tokio::time::timeout(self.pool.connection_timeout(), self.permits.clone().acquire_owned())
                .await
                .map_err(|e| RepoError::Unavailable(Box::new(e)))?
                .map_err(|e| RepoError::Unavailable(Box::new(e)))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut connection = pool.get().map_err(|e| RepoError::Unavailable(Box::new(e)))?;
            work(&mut connection)
        })
        .await
        .map_err(|e| RepoError::Unavailable(Box::new(e)))?
    }
}

/// SQLite creates the file but not its folder; a folder created here is
/// private (see `private_files`).
fn prepare_location(url: &DatabaseUrl) -> Result<(), StoreError> {
    let Some(path) = url.sqlite_path() else { return Ok(()) };
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => crate::private_files::create_folder(folder)
            .map_err(|e| StoreError::Location(format!("{}: {e}", folder.display()))),
        _ => Ok(()),
    }
}

#[cfg(all(test, feature = "test-support"))]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a failed test

    use super::*;
    use crate::testing::TestDatabase;

    #[test]
    fn pool_state_reports_the_pools_size_and_its_open_connections() {
        let db = TestDatabase::sqlite();
        let options = PoolOptions { max_size: 3, ..PoolOptions::default() };
        let state = DieselStore::open(db.url(), &options).unwrap().pool_state();
        assert_eq!(state.max_size, 3);
        // The pool opens its one idle connection before `open` returns.
        assert!(state.connections >= 1 && state.idle_connections <= state.connections, "{state:?}");
    }
}

//! Schema migrations, embedded in the binary: one set per backend.

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationVersion;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::connection::{AnyConnection, DatabaseUrl};
use crate::error::StoreError;

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// An arbitrary constant naming our advisory lock, so that instances starting
/// together against one PostgreSQL migrate one at a time.
const MIGRATION_LOCK: i64 = 0x4d61_6e75_4d75_0001;

/// What a migration run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// Versions applied by this run, oldest first; empty when already current.
    pub applied: Vec<String>,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration. Idempotent: a second run applies nothing.
pub fn run_migrations(url: &DatabaseUrl) -> Result<MigrationReport, StoreError> {
    let applied = match url.establish()? {
        AnyConnection::Sqlite(mut c) => migrate_sqlite(&mut c),
        AnyConnection::Postgresql(mut c) => migrate_postgres(&mut c),
    }
    .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(MigrationReport { applied: applied.iter().map(ToString::to_string).collect() })
}

fn migrate_sqlite(c: &mut SqliteConnection) -> Result<Vec<MigrationVersion<'static>>, BoxError> {
    // An immediate transaction takes the write lock first, so a second process
    // starting at the same moment waits and then finds nothing pending.
    c.immediate_transaction(|c| c.run_pending_migrations(SQLITE).map(owned))
}

fn migrate_postgres(c: &mut PgConnection) -> Result<Vec<MigrationVersion<'static>>, BoxError> {
    c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
    let result = c.run_pending_migrations(POSTGRES).map(owned);
    c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
    result
}

fn owned(versions: Vec<MigrationVersion<'_>>) -> Vec<MigrationVersion<'static>> {
    versions.into_iter().map(|v| v.as_owned()).collect()
}

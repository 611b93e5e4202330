//! Throw-away databases for tests: a temporary SQLite file, or a fresh
//! PostgreSQL database per test (created from `TEST_DATABASE_URL`, dropped when
//! the guard is dropped) so that tests run in parallel without interfering.
#![allow(clippy::missing_panics_doc, clippy::expect_used, clippy::panic)]

use diesel::PgConnection;
use diesel::connection::SimpleConnection;

use crate::DatabaseUrl;

/// The variable naming an administrative PostgreSQL URL for tests.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// A database that exists for the life of this guard.
#[derive(Debug)]
pub struct TestDatabase {
    url: DatabaseUrl,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A new SQLite file in a temporary folder (the file itself is created on open).
    pub fn sqlite() -> Self {
        let dir = tempfile::TempDir::new().expect("temporary folder");
        let url = DatabaseUrl::Sqlite(dir.path().join("auth.db"));
        Self { url, cleanup: Cleanup::Sqlite(dir) }
    }

    /// A fresh, empty PostgreSQL database, or `None` (after saying so on
    /// stderr) when `TEST_DATABASE_URL` is not set. A set but unreachable
    /// server fails the test: CI must not pass by skipping.
    pub fn postgres(test: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var(TEST_DATABASE_URL) else {
            eprintln!("skipped: postgres ({test}: {TEST_DATABASE_URL} is not set)");
            return None;
        };
        let name = format!("manumu_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = admin_connection(&admin_url)
            .unwrap_or_else(|e| panic!("{TEST_DATABASE_URL} is set but PostgreSQL is unreachable: {e}"));
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
        let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&format!("/{name}"));
        Some(Self {
            url: DatabaseUrl::Postgres(url.to_string()),
            cleanup: Cleanup::Postgres { admin_url, name },
        })
    }

    /// The database's URL.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// The URL as configuration text (`sqlite://…` or `postgres://…`).
    pub fn url_text(&self) -> String {
        match &self.url {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => url.clone(),
        }
    }

    /// Drops a PostgreSQL database now, ending its connections: the way to
    /// simulate "the database is gone". A no-op for SQLite.
    pub fn drop_now(&self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            drop_database(admin_url, name);
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        self.drop_now();
    }
}

fn drop_database(admin_url: &str, name: &str) {
    // Best effort: a failure here leaves a stray database, never a failed test.
    if let Ok(mut admin) = admin_connection(admin_url) {
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }
}

/// One connection opened exactly as the pool opens them, to inspect its settings.
pub fn connect(url: &DatabaseUrl) -> crate::AnyConnection {
    url.establish().expect("connect")
}

/// The tables that grow with requests and that the janitor sweeps.
const COUNTED: &[&str] = &[
    "sessions",
    "pending_authorizations",
    "login_attempts",
    "authorization_codes",
    "refresh_families",
    "revoked_tokens",
];

/// How many rows `table` (one of the tables the janitor sweeps) holds.
pub fn count_rows(url: &DatabaseUrl, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    assert!(COUNTED.contains(&table), "{table} is not a swept table");
    let query = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {table}");
    let count: Count =
        diesel::RunQueryDsl::get_result(diesel::sql_query(query), &mut connect(url)).expect("count");
    count.n
}

/// A connection to the administrative database, opened like every other
/// PostgreSQL connection (so with the same OpenSSL initialisation).
fn admin_connection(admin_url: &str) -> Result<PgConnection, String> {
    match DatabaseUrl::Postgres(admin_url.to_owned()).establish() {
        Ok(crate::AnyConnection::Postgresql(connection)) => Ok(connection),
        Ok(crate::AnyConnection::Sqlite(_)) => Err("not a PostgreSQL URL".into()),
        Err(e) => Err(e.to_string()),
    }
}

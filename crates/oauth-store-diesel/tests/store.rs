//! The store on both backends: migrations, the user, client, code,
//! resource and sign-out contracts (signing out is one transaction over the user, the
//! user's sessions and the user's refresh families), readiness and SQLite's
//! connection settings. PostgreSQL cases run when `TEST_DATABASE_URL` is set
//! and say "skipped: postgres" otherwise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;

use diesel::{QueryableByName, RunQueryDsl, sql_query};
use oauth_core::ports::{ClientRepository, CodeRepository, ReadinessProbe, UserRepository};
use oauth_core::testing::contract;
use oauth_store_diesel::testing::TestDatabase;
use oauth_store_diesel::{AnyConnection, DatabaseUrl, DieselStore, PoolOptions, run_migrations};

mod support;
use support::{backend_contract_tests, backend_tests, open_migrated};

fn migrations_are_idempotent(db: &TestDatabase) {
    let first = run_migrations(db.url()).expect("first run");
    assert!(!first.applied.is_empty(), "a fresh database gets every migration");
    let second = run_migrations(db.url()).expect("second run");
    assert!(second.applied.is_empty(), "a second run applies nothing: {second:?}");
}

#[test]
fn sqlite_migrations_are_idempotent() {
    migrations_are_idempotent(&TestDatabase::sqlite());
}

#[test]
fn postgres_migrations_are_idempotent() {
    if let Some(db) = TestDatabase::postgres("postgres_migrations_are_idempotent") {
        migrations_are_idempotent(&db);
    }
}

backend_contract_tests! {
    users (2): sqlite_meets_the_user_contract, postgres_meets_the_user_contract;
    clients (2): sqlite_meets_the_client_contract, postgres_meets_the_client_contract;
    codes (4): sqlite_meets_the_code_contract, postgres_meets_the_code_contract;
    grant_store (4): sqlite_meets_the_grant_store_contract, postgres_meets_the_grant_store_contract;
    session_views (2): sqlite_meets_the_session_view_contract, postgres_meets_the_session_view_contract;
    sign_out (2): sqlite_meets_the_sign_out_contract, postgres_meets_the_sign_out_contract;
    resources (2): sqlite_meets_the_resource_contract, postgres_meets_the_resource_contract;
}

#[tokio::test]
async fn sqlite_readiness_fails_when_the_file_is_gone() {
    let db = TestDatabase::sqlite();
    let store = open_migrated(&db);
    store.check().await.expect("ready while the file exists");
    let path = db.url().sqlite_path().unwrap().to_owned();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    for attempt in 0..5 {
        assert!(store.check().await.is_err(), "attempt {attempt}: a deleted database file is not ready");
    }
    // A pool that reconnected with create-if-missing would silently make a
    // new, empty database at the same path.
    assert!(!path.exists(), "the pool must not re-create the deleted file");
}

#[tokio::test]
async fn postgres_readiness_fails_when_the_database_is_dropped() {
    let Some(db) = TestDatabase::postgres("postgres_readiness_fails_when_the_database_is_dropped") else {
        return;
    };
    let store = DieselStore::open(
        db.url(),
        &PoolOptions { max_size: 2, connection_timeout: std::time::Duration::from_millis(500) },
    )
    .expect("open");
    store.check().await.expect("ready");
    db.drop_now();
    assert!(store.check().await.is_err(), "a dropped database is not ready");
}

#[test]
fn unreachable_postgres_names_the_real_cause() {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    let url = DatabaseUrl::parse("postgres://postgres@127.0.0.1:1/none").unwrap();
    let error = DieselStore::open(&url, &PoolOptions::default()).unwrap_err().to_string();
    assert!(error.contains("127.0.0.1") || error.contains("refused"), "{error}");
    assert!(!error.contains("Invalid connection url"), "MultiConnection must not swallow it: {error}");
}

#[derive(QueryableByName, Debug)]
struct Pragma {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

#[test]
fn sqlite_connections_use_wal_busy_timeout_and_foreign_keys() {
    let db = TestDatabase::sqlite();
    let _store = open_migrated(&db);
    let DatabaseUrl::Sqlite(path) = db.url() else { unreachable!() };
    let mut raw =
        <diesel::SqliteConnection as diesel::Connection>::establish(&path.to_string_lossy()).unwrap();
    // journal_mode persists in the file, so a plain connection sees it; the
    // other settings are per connection, so read them on one opened like the pool's.
    let mode: Vec<Pragma> =
        sql_query("SELECT journal_mode AS value FROM pragma_journal_mode").load(&mut raw).unwrap();
    assert_eq!(mode[0].value.to_lowercase(), "wal");
    let mut pooled: AnyConnection = oauth_store_diesel::testing::connect(db.url());
    let read = |c: &mut AnyConnection, sql: &str| -> String {
        let rows: Vec<Pragma> = sql_query(sql).load(c).unwrap();
        rows[0].value.clone()
    };
    assert_eq!(read(&mut pooled, "SELECT CAST(timeout AS TEXT) AS value FROM pragma_busy_timeout"), "5000");
    assert_eq!(read(&mut pooled, "SELECT CAST(foreign_keys AS TEXT) AS value FROM pragma_foreign_keys"), "1");
    assert_eq!(read(&mut pooled, "SELECT CAST(synchronous AS TEXT) AS value FROM pragma_synchronous"), "1");
}

#[derive(QueryableByName, Debug)]
struct RawRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    value: String,
}

/// Reads every stored text value of the client tables, as an attacker with a
/// copy of the database would.
fn raw_client_text(url: &DatabaseUrl) -> Vec<String> {
    let mut connection = oauth_store_diesel::testing::connect(url);
    let query = "SELECT digest AS value FROM client_secrets
                 UNION ALL SELECT id || ' ' || name || ' ' || redirect_uris || ' ' || scopes AS value FROM clients";
    sql_query(query).load::<RawRow>(&mut connection).unwrap().into_iter().map(|r| r.value).collect()
}

async fn secrets_are_stored_only_as_digests(db: &TestDatabase) {
    let store = open_migrated(db);
    let secret = "the-plaintext-secret-value";
    let client = oauth_core::testing::fixtures::client(1, "Billing", secret);
    ClientRepository::insert(&store, &client).await.unwrap();
    let stored = raw_client_text(db.url());
    assert!(!stored.is_empty());
    assert!(stored.iter().all(|value| !value.contains(secret)), "a plaintext secret is stored: {stored:?}");
    let digest = oauth_core::client::SecretDigest::of(secret).to_hex();
    assert!(stored.contains(&digest), "the SHA-256 digest is what is stored: {stored:?}");
}

#[tokio::test]
async fn sqlite_stores_secrets_only_as_digests() {
    secrets_are_stored_only_as_digests(&TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stores_secrets_only_as_digests() {
    if let Some(db) = TestDatabase::postgres("postgres_stores_secrets_only_as_digests") {
        secrets_are_stored_only_as_digests(&db).await;
    }
}

/// The single-use race, repeated: 50 codes, 8 concurrent
/// redemptions each, exactly one winner every time, on both backends.
async fn repeated_code_races(db: &TestDatabase) {
    let store = Arc::new(open_migrated(db));
    ClientRepository::insert(store.as_ref(), &oauth_core::testing::fixtures::client(1, "Billing", "s"))
        .await
        .unwrap();
    UserRepository::insert(store.as_ref(), &oauth_core::testing::fixtures::user(1, "ada@example.com"))
        .await
        .unwrap();
    for round in 0..50 {
        let code = contract::codes::code(&format!("round-{round}"), time::Duration::seconds(60));
        CodeRepository::insert(store.as_ref(), &code).await.unwrap();
        let tries: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                let digest = code.digest.clone();
                tokio::spawn(async move { store.consume(&digest, oauth_core::testing::fixtures::T0).await })
            })
            .collect();
        let mut wins = 0;
        for task in tries {
            if matches!(task.await.unwrap().unwrap(), oauth_core::code::Consumed::Now(_)) {
                wins += 1;
            }
        }
        assert_eq!(wins, 1, "round {round}: a code must be redeemed exactly once");
    }
}

backend_tests! {
    repeated_code_races (4):
        sqlite_codes_are_redeemed_exactly_once_under_repeated_races,
        postgres_codes_are_redeemed_exactly_once_under_repeated_races;
}

/// RFC 7591 §2: a client's keys are registered by value or published at a
/// URL, never both; the schema refuses a row with both, whoever writes it.
async fn keys_are_by_value_or_by_url(db: &TestDatabase) {
    let store = open_migrated(db);
    ClientRepository::insert(&store, &oauth_core::testing::fixtures::client(1, "Signing", "s"))
        .await
        .unwrap();
    let mut connection = oauth_store_diesel::testing::connect(db.url());
    let one = "UPDATE clients SET jwks = '{\"keys\":[]}', jwks_uri = NULL";
    sql_query(one).execute(&mut connection).expect("keys by value alone");
    let both = "UPDATE clients SET jwks = '{\"keys\":[]}', jwks_uri = 'https://signing.example/jwks.json'";
    assert!(sql_query(both).execute(&mut connection).is_err(), "a row with both kinds of keys");
}

backend_tests! {
    keys_are_by_value_or_by_url (2):
        sqlite_refuses_keys_both_by_value_and_by_url,
        postgres_refuses_keys_both_by_value_and_by_url;
}

//! PostgreSQL: a family revoked while one of its tokens is being rotated.
//! Either the revocation comes first and the rotation finds the family
//! revoked, or the rotation comes first and the revocation waits for it
//! (and then ends the successor with the family); never a rotation that
//! succeeds after the revocation answered. The rotation is made to wait by
//! a third transaction holding the token's row, which then rolls back. (On
//! SQLite one writer at a time orders them already.)
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code

use std::collections::BTreeSet;
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::{QueryableByName, RunQueryDsl, sql_query};
use oauth_core::ports::{ClientRepository, RefreshTokenRepository, UserRepository};
use oauth_core::refresh::{RefreshDigest, RefreshFamily, RefreshFamilyId, RefreshTokenRecord, Rotation};
use oauth_core::scope::ScopeName;
use oauth_core::testing::SeqRandom;
use oauth_core::testing::fixtures::{self, T0};
use oauth_store_diesel::testing::{TestDatabase, connect};
use oauth_store_diesel::{DieselStore, PoolOptions, run_migrations};
use time::Duration;

fn record(family: &RefreshFamily, token: &str) -> RefreshTokenRecord {
    RefreshTokenRecord {
        digest: RefreshDigest::of(token),
        family_id: family.id,
        scopes: family.scopes.clone(),
        issued_at: T0,
        expires_at: T0 + Duration::days(1),
        rotated_at: None,
    }
}

#[derive(QueryableByName)]
struct Waiting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_family_revoked_during_a_rotation_is_never_rotated_past() {
    let Some(db) = TestDatabase::postgres("postgres_a_family_revoked_during_a_rotation") else { return };
    run_migrations(db.url()).expect("migrate");
    let store = Arc::new(DieselStore::open(db.url(), &PoolOptions::default()).expect("open"));
    ClientRepository::insert(store.as_ref(), &fixtures::client(1, "Billing", "s")).await.unwrap();
    UserRepository::insert(store.as_ref(), &fixtures::user(1, "ada@example.com")).await.unwrap();
    let family = RefreshFamily {
        resources: std::collections::BTreeSet::new(),
        id: RefreshFamilyId::generate(&SeqRandom::new(1)).unwrap(),
        client_id: fixtures::client(1, "Billing", "s").id,
        user_id: fixtures::user(1, "ada@example.com").id,
        scopes: BTreeSet::from([ScopeName::parse("offline_access").unwrap()]),
        auth_time: T0,
        code_digest: None,
        created_at: T0,
        expires_at: T0 + Duration::days(30),
        revoked_at: None,
        sender_key: None,
    };
    let (first, next) = (record(&family, "first"), record(&family, "next"));
    RefreshTokenRepository::start_family(store.as_ref(), &family, &first).await.unwrap();

    // A third transaction holds the token's row.
    let mut holder = connect(db.url());
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT 1 FROM refresh_tokens WHERE digest = '{}' FOR NO KEY UPDATE;",
            first.digest.to_hex()
        ))
        .unwrap();
    let rotation = {
        let (store, old, next) = (store.clone(), first.digest.clone(), next.clone());
        tokio::spawn(async move { RefreshTokenRepository::rotate(store.as_ref(), &old, &next, T0).await })
    };
    // Until the rotation waits on a lock: polled, each poll a query, so
    // nothing depends on how long a pause would have to be.
    let mut observer = connect(db.url());
    let mut waiting = || -> i64 {
        sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE wait_event_type = 'Lock' AND query LIKE 'WITH won AS%'",
        )
        .get_result::<Waiting>(&mut observer)
        .unwrap()
        .n
    };
    for _ in 0..20_000 {
        if waiting() == 1 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(waiting(), 1, "the rotation waits for the token's row");

    // The revocation, given a short lock timeout: it either commits now or is
    // made to wait for the rotation.
    let mut revoker = connect(db.url());
    let revoked_first = revoker
        .batch_execute(&format!(
            "SET lock_timeout = '300ms'; UPDATE refresh_families SET revoked_at = 1 WHERE id = '{}'",
            family.id
        ))
        .is_ok();
    holder.batch_execute("ROLLBACK").unwrap();
    let outcome = rotation.await.unwrap().unwrap();

    assert!(!revoked_first, "the revocation waits for the rotation that holds the family");
    assert_eq!(outcome, Rotation::Rotated);
    revoker.batch_execute("SET lock_timeout = 0").unwrap();
    RefreshTokenRepository::revoke_family(store.as_ref(), family.id, T0).await.unwrap();
    let (_, found) =
        RefreshTokenRepository::find(store.as_ref(), &next.digest).await.unwrap().expect("the successor");
    assert!(found.revoked_at.is_some(), "and dies with its family");
}

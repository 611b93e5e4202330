//! The two writes on the token endpoint's hot path, on a SQLite file as the
//! server runs them (pool, blocking pool, WAL): consuming an authorization
//! code (one conditional UPDATE, checked for one row) and rotating a refresh
//! token (conditional UPDATE + INSERT in one transaction). Each iteration
//! uses a fresh code or the token the previous rotation stored. No assertion
//! on time: `cargo bench -p oauth-store-diesel` reports it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use oauth_core::code::{CodeDigest, Consumed};
use oauth_core::ports::{ClientRepository, CodeRepository, RefreshTokenRepository, UserRepository};
use oauth_core::refresh::{RefreshDigest, RefreshFamily, RefreshFamilyId, RefreshTokenRecord, Rotation};
use oauth_core::scope::ScopeName;
use oauth_core::testing::SeqRandom;
use oauth_core::testing::contract::codes::code;
use oauth_core::testing::fixtures::{self, T0};
use oauth_store_diesel::testing::TestDatabase;
use oauth_store_diesel::{DieselStore, PoolOptions, run_migrations};
use time::Duration;

fn store(db: &TestDatabase, runtime: &tokio::runtime::Runtime) -> Arc<DieselStore> {
    run_migrations(db.url()).unwrap();
    let store = Arc::new(DieselStore::open(db.url(), &PoolOptions::default()).unwrap());
    runtime.block_on(async {
        UserRepository::insert(store.as_ref(), &fixtures::user(1, "ada@example.com")).await.unwrap();
        ClientRepository::insert(store.as_ref(), &fixtures::client(1, "Billing", "s")).await.unwrap();
    });
    store
}

fn code_consume(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let db = TestDatabase::sqlite();
    let store = store(&db, &runtime);
    let n = Cell::new(0_u64);
    c.bench_function("SQLite: consume an authorization code", |b| {
        b.iter_batched(
            || {
                n.set(n.get() + 1);
                let issued = code(&format!("code-{}", n.get()), Duration::seconds(60));
                runtime.block_on(CodeRepository::insert(store.as_ref(), &issued)).unwrap();
                issued.digest
            },
            |digest: CodeDigest| {
                let consumed = runtime.block_on(store.consume(&digest, T0)).unwrap();
                assert!(matches!(consumed, Consumed::Now(_)));
            },
            BatchSize::SmallInput,
        );
    });
}

fn refresh_rotation(c: &mut Criterion) {
    rotation_beside(c, "SQLite: rotate a refresh token (chained)", 0);
    // The cost of a rotation must not grow with the number of families: a
    // filter on "every live family" once made SQLite scan them all.
    rotation_beside(c, "SQLite: rotate a refresh token (chained), 10 000 other live families", 10_000);
}

fn rotation_beside(c: &mut Criterion, name: &str, others: u64) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let db = TestDatabase::sqlite();
    let store = store(&db, &runtime);
    let scopes: BTreeSet<ScopeName> =
        ["openid", "offline_access"].iter().map(|s| ScopeName::parse(s).unwrap()).collect();
    let family = RefreshFamily {
        resources: std::collections::BTreeSet::new(),
        id: RefreshFamilyId::generate(&SeqRandom::new(1)).unwrap(),
        client_id: fixtures::client(1, "Billing", "s").id,
        user_id: fixtures::user(1, "ada@example.com").id,
        scopes: scopes.clone(),
        auth_time: T0,
        code_digest: None,
        created_at: T0,
        expires_at: T0 + Duration::days(30),
        revoked_at: None,
        sender_key: None,
    };
    let record = |token: &str| RefreshTokenRecord {
        digest: RefreshDigest::of(token),
        family_id: family.id,
        scopes: scopes.clone(),
        issued_at: T0,
        expires_at: T0 + Duration::days(14),
        rotated_at: None,
    };
    runtime.block_on(store.start_family(&family, &record("token-0"))).unwrap();
    for n in 0..others {
        let other = RefreshFamily {
            id: RefreshFamilyId::generate(&SeqRandom::new(n + 2)).unwrap(),
            ..family.clone()
        };
        let first = RefreshTokenRecord { family_id: other.id, ..record(&format!("other-{n}")) };
        runtime.block_on(store.start_family(&other, &first)).unwrap();
    }
    let current = RefCell::new("token-0".to_owned());
    let n = Cell::new(0_u64);
    c.bench_function(name, |b| {
        b.iter(|| {
            n.set(n.get() + 1);
            let next = format!("token-{}", n.get());
            let old = RefreshDigest::of(&current.borrow());
            let outcome = runtime.block_on(store.rotate(&old, &record(&next), T0)).unwrap();
            assert_eq!(outcome, Rotation::Rotated);
            *current.borrow_mut() = next;
        });
    });
}

criterion_group!(benches, code_consume, refresh_rotation);
criterion_main!(benches);

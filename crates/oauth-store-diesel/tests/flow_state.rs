//! The repository contracts of the flow's state on both backends: consents,
//! sessions, login attempts, refresh families, revoked token ids and signing
//! keys. PostgreSQL cases run when `TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;

use oauth_core::testing::contract;
use oauth_store_diesel::testing::TestDatabase;

mod support;
use support::{FreshStores, open_migrated};

async fn consent_contract(fresh: impl Fn() -> Option<TestDatabase>) {
    let Some(stores) = FreshStores::new(fresh) else { return };
    contract::consents::run_all(|| {
        let store = stores.next();
        async move {
            contract::consents::ConsentStores {
                consents: store.clone(),
                clients: store.clone(),
                users: store,
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_meets_the_consent_contract() {
    consent_contract(|| Some(TestDatabase::sqlite())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_meets_the_consent_contract() {
    consent_contract(|| TestDatabase::postgres("postgres_meets_the_consent_contract")).await;
}

async fn session_contract(fresh: impl Fn() -> Option<TestDatabase>) {
    let Some(stores) = FreshStores::new(fresh) else { return };
    contract::sessions::run_all(|| {
        let store = stores.next();
        async move {
            contract::sessions::SessionStores {
                sessions: store.clone(),
                clients: store.clone(),
                users: store,
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_meets_the_session_contract() {
    session_contract(|| Some(TestDatabase::sqlite())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_meets_the_session_contract() {
    session_contract(|| TestDatabase::postgres("postgres_meets_the_session_contract")).await;
}

async fn login_attempt_contract(fresh: impl Fn() -> Option<TestDatabase>) {
    let Some(stores) = FreshStores::new(fresh) else { return };
    contract::login_attempts::run_all(|| {
        let store = stores.next();
        async move { store as Arc<dyn oauth_core::ports::LoginAttemptRepository> }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_meets_the_login_attempt_contract() {
    login_attempt_contract(|| Some(TestDatabase::sqlite())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_meets_the_login_attempt_contract() {
    login_attempt_contract(|| TestDatabase::postgres("postgres_meets_the_login_attempt_contract")).await;
}

/// Many rounds of concurrent first failures on a fresh key: they race to
/// create its row, and every one must count, or a guesser's burst would be
/// partly free.
async fn repeated_failure_races(db: &TestDatabase) {
    use oauth_core::ports::LoginAttemptRepository;
    let store = Arc::new(open_migrated(db));
    let memory = time::Duration::hours(24);
    for round in 0..30 {
        let key = oauth_core::throttle::account_key(&format!("round-{round}@example.com"), "192.0.2.1");
        let tries: Vec<_> = (0..12)
            .map(|_| {
                let (store, key) = (store.clone(), key.clone());
                tokio::spawn(async move {
                    store.record_failure(&key, oauth_core::testing::fixtures::T0, memory).await
                })
            })
            .collect();
        for task in tries {
            task.await.unwrap().unwrap();
        }
        let count = store.failures(&key).await.unwrap().map(|c| c.failures);
        assert_eq!(count, Some(12), "round {round}: every concurrent failure counts");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_failures_all_count_under_repeated_races() {
    repeated_failure_races(&TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_failures_all_count_under_repeated_races() {
    if let Some(db) = TestDatabase::postgres("postgres_failures_all_count_under_repeated_races") {
        repeated_failure_races(&db).await;
    }
}

async fn refresh_contract(fresh: impl Fn() -> Option<TestDatabase>) {
    let Some(stores) = FreshStores::new(fresh) else { return };
    contract::refresh_tokens::run_all(|| {
        let store = stores.next();
        async move {
            contract::refresh_tokens::RefreshStores {
                refresh: store.clone(),
                clients: store.clone(),
                users: store,
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_meets_the_refresh_token_contract() {
    refresh_contract(|| Some(TestDatabase::sqlite())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_meets_the_refresh_token_contract() {
    refresh_contract(|| TestDatabase::postgres("postgres_meets_the_refresh_token_contract")).await;
}

async fn revoked_token_contract(fresh: impl Fn() -> Option<TestDatabase>) {
    let Some(stores) = FreshStores::new(fresh) else { return };
    contract::revoked_tokens::run_all(|| {
        let store = stores.next();
        async move { store as Arc<dyn oauth_core::ports::RevokedTokenRepository> }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_meets_the_revoked_token_contract() {
    revoked_token_contract(|| Some(TestDatabase::sqlite())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_meets_the_revoked_token_contract() {
    revoked_token_contract(|| TestDatabase::postgres("postgres_meets_the_revoked_token_contract")).await;
}

async fn signing_key_contract(fresh: impl Fn() -> Option<TestDatabase>) {
    let Some(stores) = FreshStores::new(fresh) else { return };
    contract::signing_keys::run_all(|| {
        let store = stores.next();
        async move { store as Arc<dyn oauth_core::ports::SigningKeyRepository> }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_meets_the_signing_key_contract() {
    signing_key_contract(|| Some(TestDatabase::sqlite())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_meets_the_signing_key_contract() {
    signing_key_contract(|| TestDatabase::postgres("postgres_meets_the_signing_key_contract")).await;
}

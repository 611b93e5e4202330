//! The repository contracts of the flow's state on both backends: consents,
//! metadata-document clients, initial access tokens, dynamic clients'
//! registrations, pushed requests, device authorizations, one-time ids,
//! sessions, login attempts, refresh families, revoked token ids and signing
//! keys. PostgreSQL cases run when `TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a panic is a failed test

use std::sync::Arc;

use oauth_store_diesel::testing::TestDatabase;

mod support;
use support::{backend_contract_tests, backend_tests, open_migrated};

backend_contract_tests! {
    consents (2): sqlite_meets_the_consent_contract, postgres_meets_the_consent_contract;
    document_clients (2): sqlite_meets_the_document_client_contract, postgres_meets_the_document_client_contract;
    registration_tokens (4): sqlite_meets_the_registration_token_contract, postgres_meets_the_registration_token_contract;
    client_registrations (4): sqlite_meets_the_client_registration_contract, postgres_meets_the_client_registration_contract;
    pushed_requests (4): sqlite_meets_the_pushed_request_contract, postgres_meets_the_pushed_request_contract;
    device_authorizations (4): sqlite_meets_the_device_authorization_contract, postgres_meets_the_device_authorization_contract;
    security_events (4): sqlite_meets_the_security_event_contract, postgres_meets_the_security_event_contract;
    one_time_ids (4): sqlite_meets_the_one_time_id_contract, postgres_meets_the_one_time_id_contract;
    sessions (2): sqlite_meets_the_session_contract, postgres_meets_the_session_contract;
    account_sessions (2): sqlite_meets_the_account_session_contract, postgres_meets_the_account_session_contract;
    granted_apps (2): sqlite_meets_the_granted_app_contract, postgres_meets_the_granted_app_contract;
    login_attempts (2): sqlite_meets_the_login_attempt_contract, postgres_meets_the_login_attempt_contract;
    refresh_tokens (4): sqlite_meets_the_refresh_token_contract, postgres_meets_the_refresh_token_contract;
    revoked_tokens (4): sqlite_meets_the_revoked_token_contract, postgres_meets_the_revoked_token_contract;
    signing_keys (4): sqlite_meets_the_signing_key_contract, postgres_meets_the_signing_key_contract;
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

backend_tests! {
    repeated_failure_races (4):
        sqlite_failures_all_count_under_repeated_races, postgres_failures_all_count_under_repeated_races;
}

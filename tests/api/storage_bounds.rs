//! What anonymous requests may store, and for how long: no row for a request
//! that fails validation or names an unknown client, per-address quotas past
//! which the answer is 429 and nothing is written, and a janitor sweep that
//! removes every expired row, however large the backlog.

use std::sync::Arc;

use auth_server::app::{open_store, retention_service};
use oauth_core::authorization_request::AuthorizationParams;
use oauth_core::client::ClientId;
use oauth_core::pending::{PENDING_LIFETIME, PendingAuthorization, PendingHandle};
use oauth_core::ports::{Clock as _, SessionRepository};
use oauth_core::session::{Session, SessionId, SessionLifetimes, SessionSecret};
use oauth_core::testing::SeqRandom;
use oauth_store_diesel::testing::{TestDatabase, count_rows};
use time::Duration;

use crate::support::app::{TestApp, spawn_app_on};
use crate::support::browser::{Browser, authorize_query};
use crate::support::seed::{Seed, register_machine, seed};
use crate::support::token::token;

/// The rows a cookieless authorization request leaves behind.
const GROWING: [&str; 3] = ["sessions", "pending_authorizations", "login_attempts"];

fn rows(app: &TestApp) -> [i64; 3] {
    GROWING.map(|table| count_rows(app.db.url(), table))
}

async fn authorize_past_the_quota(app: TestApp) {
    let seed = seed(&app).await;
    let unknown = authorize_query(&seed, &[("client_id", Some("nobody"))]);
    assert_eq!(Browser::new(&app).get(&format!("/oauth/authorize?{unknown}")).await.status(), 400);
    let invalid = authorize_query(&seed, &[("code_challenge", None)]);
    let refused = Browser::new(&app).get(&format!("/oauth/authorize?{invalid}")).await;
    assert_eq!(refused.status(), 302, "an error sent back to the client");
    assert_eq!(rows(&app), [0, 0, 0], "a refused request writes nothing");

    // The default quota: 100 new sign-in requests per address per 10 minutes.
    let query = authorize_query(&seed, &[]);
    for n in 1..=100 {
        let page = Browser::new(&app).get(&format!("/oauth/authorize?{query}")).await;
        assert_eq!(page.status(), 200, "request {n}");
    }
    let before = rows(&app);
    assert_eq!(before[..2], [100, 100], "one session and one pending request each");
    let mut browser = Browser::new(&app);
    let limited = browser.get(&format!("/oauth/authorize?{query}")).await;
    assert_eq!(limited.status(), 429);
    let retry_after: i64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry_after), "Retry-After {retry_after}");
    assert!(browser.cookie.is_none(), "no session for a refused request");
    let html = limited.text().await.unwrap();
    assert!(html.contains("<!doctype html>") || html.contains("<!DOCTYPE html>"), "our own page: {html}");
    assert_eq!(rows(&app), before, "nothing written past the quota");

    app.clock.advance(Duration::minutes(10));
    assert_eq!(Browser::new(&app).get(&format!("/oauth/authorize?{query}")).await.status(), 200);
}

#[tokio::test]
async fn sqlite_past_the_address_quota_authorize_answers_429_and_writes_nothing() {
    authorize_past_the_quota(spawn_app_on(TestDatabase::sqlite()).await).await;
}

#[tokio::test]
async fn postgres_past_the_address_quota_authorize_answers_429_and_writes_nothing() {
    if let Some(db) = TestDatabase::postgres("postgres_past_the_address_quota_authorize_answers_429") {
        authorize_past_the_quota(spawn_app_on(db).await).await;
    }
}

async fn unknown_client_ids(app: TestApp) {
    let known = register_machine(&app, "Machine").await;
    let secret = known.secret.clone().unwrap();
    let cc = [("grant_type", "client_credentials")];
    let mut statuses = Vec::new();
    for n in 0..50 {
        let id = format!("made-up-{n}-{}", uuid::Uuid::new_v4().simple());
        let answer = token(&app, &cc, Some((&id, "guess"))).await;
        statuses.push(answer.status.as_u16());
        if answer.status == 429 {
            assert_eq!(answer.headers["retry-after"], "60");
            assert_eq!(answer.error(), "invalid_client");
        }
    }
    let counters = count_rows(app.db.url(), "login_attempts");
    assert!(counters <= 1, "{counters} counters: one for the address, not one per id");
    assert!(statuses[..20].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(statuses[20..].iter().all(|s| *s == 429), "the 21st failure in a minute: {statuses:?}");
    // A failing known id is refused like an unknown one, so a 429 tells
    // nothing about which ids exist; a client proving its secret still
    // passes, so made-up ids cannot lock real clients out of this address.
    assert_eq!(token(&app, &cc, Some((&known.client_id, "wrong"))).await.status, 429);
    assert_eq!(token(&app, &cc, Some((&known.client_id, &secret))).await.status, 200);
    app.clock.advance(Duration::minutes(1));
    assert_eq!(token(&app, &cc, Some((&known.client_id, "wrong"))).await.status, 401);
}

#[tokio::test]
async fn sqlite_unknown_client_ids_from_one_address_share_one_counter() {
    unknown_client_ids(spawn_app_on(TestDatabase::sqlite()).await).await;
}

#[tokio::test]
async fn postgres_unknown_client_ids_from_one_address_share_one_counter() {
    if let Some(db) = TestDatabase::postgres("postgres_unknown_client_ids_from_one_address_share_one_counter")
    {
        unknown_client_ids(spawn_app_on(db).await).await;
    }
}

/// Anonymous sessions with one pending request each, as 20,000 cookieless
/// authorization requests leave them, written through the store's port.
async fn backlog(app: &TestApp, seed: &Seed, count: usize) {
    let (store, _) = open_store(&app.config).await.unwrap();
    let store = Arc::new(store);
    let client_id = ClientId::parse(&seed.client_id).unwrap();
    let params = AuthorizationParams::from_urlencoded(authorize_query(seed, &[]).as_bytes());
    let now = app.clock.now();
    let writers: Vec<_> = (0..8_u64)
        .map(|writer| {
            let (store, client_id, params) = (store.clone(), client_id.clone(), params.clone());
            tokio::spawn(async move {
                let random = SeqRandom::new(1000 + writer);
                for _ in 0..count / 8 {
                    let secret = SessionSecret::generate(&random).unwrap();
                    let session = Session {
                        id: SessionId::generate(&random).unwrap(),
                        digest: secret.digest(),
                        login: None,
                        created_at: now,
                        expires_at: now + SessionLifetimes::default().anonymous,
                    };
                    store.insert(&session).await.unwrap();
                    let handle = PendingHandle::generate(&random).unwrap();
                    let pending = PendingAuthorization {
                        digest: handle.digest(),
                        session_id: session.id,
                        client_id: client_id.clone(),
                        params: params.clone(),
                        created_at: now,
                        expires_at: now + PENDING_LIFETIME,
                    };
                    store.insert_pending(&pending).await.unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
}

async fn one_sweep_removes_the_backlog(app: TestApp) {
    let seed = seed(&app).await;
    backlog(&app, &seed, 20_000).await;
    assert_eq!(rows(&app)[..2], [20_000, 20_000]);
    let (store, _) = open_store(&app.config).await.unwrap();
    let retention = retention_service(&app.config, &store, app.clock.clone());
    app.clock.advance(SessionLifetimes::default().anonymous);
    let removed = auth_server::janitor::sweep_rows(&retention).await;
    assert_eq!(rows(&app)[..2], [0, 0], "one sweep after their lifetime: nothing expired is left");
    assert!(removed >= 40_000, "{removed} rows reported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_one_sweep_removes_every_expired_session_and_pending_request() {
    one_sweep_removes_the_backlog(spawn_app_on(TestDatabase::sqlite()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_one_sweep_removes_every_expired_session_and_pending_request() {
    if let Some(db) = TestDatabase::postgres("postgres_one_sweep_removes_every_expired_session") {
        one_sweep_removes_the_backlog(spawn_app_on(db).await).await;
    }
}

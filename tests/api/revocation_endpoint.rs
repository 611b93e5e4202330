//! `/oauth/revoke` (RFC 7009): a refresh token takes its family and the
//! access tokens issued from it; an access token is listed until it expires;
//! every instance honours it; nothing else is revealed or touched. And the
//! janitor forgets revocations once the tokens have expired.

use oauth_core::ports::RevokedTokenRepository as _;
use oauth_store_diesel::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::json;
use time::Duration;

use crate::support::app::{TestApp, spawn_app_on, start};
use crate::support::browser::Browser;
use crate::support::seed::{Seed, confidential, register, seed_with, seeded_app, seeded_app_with};
use crate::support::token::{
    Answer, code_for, exchange, introspect, post_form, revoke, token, tokens_for, userinfo_at, verify,
};

async fn refresh(app: &TestApp, seed: &Seed, refresh_token: &str) -> Answer {
    token(app, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)], Some(seed.credentials()))
        .await
}

async fn is_active(app: &TestApp, seed: &Seed, token: &str) -> bool {
    introspect(app, token, Some(seed.credentials())).await.body["active"] == true
}

#[tokio::test]
async fn revoking_a_refresh_token_kills_its_family_and_the_access_tokens_from_it() {
    let (app, seed) = seeded_app_with(confidential).await;
    let mut browser = Browser::new(&app);
    let first = tokens_for(&app, &mut browser, &seed, "openid offline_access").await;
    let second = refresh(&app, &seed, &first.field("refresh_token")).await;
    assert_eq!(second.status, 200, "{}", second.body);
    let unrelated = tokens_for(&app, &mut browser, &seed, "openid offline_access").await;

    let answer = revoke(&app, &[("token", &second.field("refresh_token"))], Some(seed.credentials())).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.headers["cache-control"], "no-store");
    for access in [first.field("access_token"), second.field("access_token")] {
        assert!(!is_active(&app, &seed, &access).await, "an access token of the family");
        let userinfo = userinfo_at(&app.http, &app.address, &access).await;
        assert_eq!(userinfo.status, StatusCode::UNAUTHORIZED);
    }
    assert!(!is_active(&app, &seed, &second.field("refresh_token")).await);
    assert_eq!(refresh(&app, &seed, &second.field("refresh_token")).await.error(), "invalid_grant");
    assert!(is_active(&app, &seed, &unrelated.field("access_token")).await, "another family is untouched");
    assert_eq!(refresh(&app, &seed, &unrelated.field("refresh_token")).await.status, 200);
}

#[tokio::test]
async fn revoking_an_access_token_lists_it_until_it_expires_and_the_janitor_then_forgets_it() {
    let (app, seed) = seeded_app_with(confidential).await;
    let mut browser = Browser::new(&app);
    let tokens = tokens_for(&app, &mut browser, &seed, "openid offline_access").await;
    let access = tokens.field("access_token");
    let (claims, _) = verify(&app, &access).await;
    let jti = claims.jwt_id().unwrap().to_owned();

    let answer =
        revoke(&app, &[("token", &access), ("token_type_hint", "access_token")], Some(seed.credentials()))
            .await;
    assert_eq!(answer.status, 200);
    assert!(!is_active(&app, &seed, &access).await);
    assert_eq!(userinfo_at(&app.http, &app.address, &access).await.status, StatusCode::UNAUTHORIZED);
    assert!(is_active(&app, &seed, &tokens.field("refresh_token")).await, "only the access token");

    // The app's event writer is idle before this store writes beside it:
    // SQLite refuses a transaction that read before another connection wrote.
    app.events.flush().await;
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    let retention = auth_server::app::retention_service(&app.config, &store, app.clock.clone());
    auth_server::janitor::sweep_rows(&retention).await;
    assert!(store.is_revoked(&jti).await.unwrap(), "kept while the token could still be presented");
    app.clock.advance(Duration::minutes(10));
    auth_server::janitor::sweep_rows(&retention).await;
    assert!(store.is_revoked(&jti).await.unwrap(), "kept past exp by the clock margin between instances");
    app.clock.advance(oauth_core::service::retention::REVOCATION_MARGIN);
    auth_server::janitor::sweep_rows(&retention).await;
    assert!(!store.is_revoked(&jti).await.unwrap(), "forgotten once the token expired and the margin passed");
    assert_eq!(refresh(&app, &seed, &tokens.field("refresh_token")).await.status, 200, "live rows untouched");
}

#[tokio::test]
async fn unknown_and_foreign_tokens_answer_200_and_nothing_changes() {
    let (app, seed) = seeded_app_with(confidential).await;
    let intruder = register(&app, "Intruder", confidential).await;
    let mut browser = Browser::new(&app);
    let tokens = tokens_for(&app, &mut browser, &seed, "openid offline_access").await;
    for token in ["unknown", "a.b.c", &tokens.field("access_token"), &tokens.field("refresh_token")] {
        let answer = revoke(&app, &[("token", token)], Some(intruder.credentials())).await;
        assert_eq!(answer.status, 200, "{token}");
    }
    assert!(is_active(&app, &seed, &tokens.field("access_token")).await, "not the intruder's to revoke");
    assert!(is_active(&app, &seed, &tokens.field("refresh_token")).await);
    // Revoking twice is fine (RFC 7009 §2.2).
    for _ in 0..2 {
        assert_eq!(
            revoke(&app, &[("token", &tokens.field("refresh_token"))], Some(seed.credentials())).await.status,
            200
        );
    }
}

#[tokio::test]
async fn revocation_needs_client_authentication_and_a_token() {
    let (app, seed) = seeded_app_with(confidential).await;
    let public = register(&app, "SPA", |spec| spec.allowed_origins = vec!["https://rp.example".into()]).await;
    let mut browser = Browser::new(&app);
    let tokens = tokens_for(&app, &mut browser, &seed, "openid offline_access").await;

    let anonymous = revoke(&app, &[("token", &tokens.field("refresh_token"))], None).await;
    assert_eq!((anonymous.status, anonymous.error()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    let wrong =
        revoke(&app, &[("token", &tokens.field("refresh_token"))], Some((&seed.client_id, "x"))).await;
    assert_eq!((wrong.status, wrong.error()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    let missing = revoke(&app, &[], Some(seed.credentials())).await;
    assert_eq!((missing.status, missing.error()), (StatusCode::BAD_REQUEST, "invalid_request"));
    let twice = revoke(&app, &[("token", "a"), ("token", "b")], Some(seed.credentials())).await;
    assert_eq!(twice.error(), "invalid_request");
    assert!(is_active(&app, &seed, &tokens.field("refresh_token")).await);

    // A public client revokes its own refresh token with its client_id (RFC 7009 §2.1), from its origin.
    let public_tokens = tokens_for(&app, &mut browser, &public, "openid offline_access").await;
    let response = app
        .http
        .post(format!("{}/oauth/revoke", app.address))
        .header("origin", "https://rp.example")
        .form(&[("token", public_tokens.field("refresh_token")), ("client_id", public.client_id.clone())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "https://rp.example");
    let again = token(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &public_tokens.field("refresh_token")),
            ("client_id", &public.client_id),
        ],
        None,
    )
    .await;
    assert_eq!(again.error(), "invalid_grant");
}

#[tokio::test]
async fn postgres_a_revocation_is_honoured_by_every_instance() {
    let Some(db) = TestDatabase::postgres("postgres_a_revocation_is_honoured_by_every_instance") else {
        return;
    };
    let app = spawn_app_on(db).await;
    let second = start(&app.config, app.clock.clone()).await;
    let seed = seed_with(&app, confidential).await;
    let mut browser = Browser::new(&app);
    let tokens = tokens_for(&app, &mut browser, &seed, "openid offline_access").await;
    let access = tokens.field("access_token");
    assert_eq!(userinfo_at(&app.http, &second, &access).await.status, 200, "the other instance accepts it");
    assert_eq!(revoke(&app, &[("token", &access)], Some(seed.credentials())).await.status, 200);
    assert_eq!(userinfo_at(&app.http, &second, &access).await.status, StatusCode::UNAUTHORIZED);
    let other_tokens = tokens_for(&app, &mut browser, &seed, "openid offline_access").await;
    let revoked_family = post_form(
        &app.http,
        &format!("{second}/oauth/revoke"),
        &[("token", &other_tokens.field("refresh_token"))],
        Some(seed.credentials()),
    )
    .await;
    assert_eq!(revoked_family.status, 200);
    let answer = introspect(&app, &other_tokens.field("access_token"), Some(seed.credentials())).await;
    assert_eq!(answer.body, json!({ "active": false }), "revoked through the other instance");
}

#[tokio::test]
async fn a_replayed_code_revokes_the_access_token_of_its_first_exchange() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let code = code_for(&mut browser, &seed, "openid").await;
    let first = token(&app, &exchange(&seed.client_id, &code), None).await;
    let access = first.field("access_token");
    assert_eq!(userinfo_at(&app.http, &app.address, &access).await.status, 200);
    let replay = token(&app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(replay.error(), "invalid_grant");
    assert_eq!(userinfo_at(&app.http, &app.address, &access).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn regression_the_code_flow_with_refresh_still_works_end_to_end() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let first = tokens_for(&app, &mut browser, &seed, "openid email offline_access").await;
    assert_eq!(first.status, 200, "{}", first.body);
    let mut refresh_token = first.field("refresh_token");
    for _ in 0..3 {
        let next = token(
            &app,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &refresh_token),
                ("client_id", &seed.client_id),
            ],
            None,
        )
        .await;
        assert_eq!(next.status, 200, "{}", next.body);
        let info = userinfo_at(&app.http, &app.address, &next.field("access_token")).await;
        assert_eq!(info.body["email"], "ada@example.com");
        refresh_token = next.field("refresh_token");
    }
}

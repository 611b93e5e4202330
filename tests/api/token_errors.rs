//! `/oauth/token` refusals (RFC 6749 §5.2): never a 500, never a token; a
//! replayed code and a reused refresh token revoke what they touched; races.

use std::sync::Arc;

use oauth_store_diesel::testing::TestDatabase;
use time::Duration;

use crate::support::app::{TestApp, spawn_app, spawn_app_on};
use crate::support::browser::Browser;
use crate::support::seed::{confidential, register, seed, seeded_app};
use crate::support::token::{Answer, borrowed, code_for, exchange, refresh_fields, token};

/// (name, answer, expected status, expected error)
type Row = (&'static str, Answer, u16, &'static str);

/// Every refusal is the RFC error with a description, no token, and no-store.
fn check(rows: &[Row]) {
    for (name, answer, status, error) in rows {
        assert_eq!((answer.status.as_u16(), answer.error()), (*status, *error), "{name}: {}", answer.body);
        assert!(answer.body["error_description"].as_str().is_some_and(|d| !d.is_empty()), "{name}");
        assert!(answer.body.get("access_token").is_none(), "{name}");
        assert_eq!(answer.headers["cache-control"], "no-store", "{name}");
    }
}

#[tokio::test]
async fn bad_code_exchanges_get_the_rfc_error() {
    let (app, seed) = seeded_app().await;
    let other = register(&app, "Other App", |_| {}).await;
    let mut browser = Browser::new(&app);
    let mut rows: Vec<Row> = Vec::new();
    let code = code_for(&mut browser, &seed, "openid").await;
    let mut wrong = exchange(&seed.client_id, &code);
    wrong[3] = ("code_verifier", "a-wrong-verifier-that-is-long-enough-to-be-well-formed");
    rows.push(("wrong verifier (another code's)", token(&app, &wrong, None).await, 400, "invalid_grant"));
    let code = code_for(&mut browser, &seed, "openid").await;
    let mut missing = exchange(&seed.client_id, &code);
    missing.remove(3);
    rows.push(("missing verifier", token(&app, &missing, None).await, 400, "invalid_request"));
    let code = code_for(&mut browser, &seed, "openid").await;
    let mut bad_redirect = exchange(&seed.client_id, &code);
    bad_redirect[2] = ("redirect_uri", "https://rp.example/cb2?tenant=7");
    rows.push(("redirect mismatch", token(&app, &bad_redirect, None).await, 400, "invalid_grant"));
    let code = code_for(&mut browser, &seed, "openid").await;
    rows.push((
        "code of another client",
        token(&app, &exchange(&other.client_id, &code), None).await,
        400,
        "invalid_grant",
    ));
    let code = code_for(&mut browser, &seed, "openid").await;
    app.clock.advance(Duration::seconds(60));
    rows.push((
        "expired code",
        token(&app, &exchange(&seed.client_id, &code), None).await,
        400,
        "invalid_grant",
    ));
    rows.push((
        "unknown code",
        token(&app, &exchange(&seed.client_id, "nope"), None).await,
        400,
        "invalid_grant",
    ));
    check(&rows);
}

#[tokio::test]
async fn bad_requests_and_client_authentication_get_the_rfc_error() {
    let (app, seed) = seeded_app().await;
    let web = register(&app, "Web App", confidential).await;
    let web_secret = web.secret.clone().unwrap();
    let neighbour = register(&app, "Neighbour App", confidential).await;
    let mut rows: Vec<Row> = Vec::new();
    let cc = [("grant_type", "client_credentials")];
    let neighbours_secret = neighbour.secret.clone().unwrap();
    rows.push((
        "secret of another client",
        token(&app, &cc, Some((&web.client_id, &neighbours_secret))).await,
        401,
        "invalid_client",
    ));
    let grant = [("grant_type", "password"), ("client_id", seed.client_id.as_str())];
    rows.push(("unknown grant type", token(&app, &grant, None).await, 400, "unsupported_grant_type"));
    let no_grant = [("client_id", seed.client_id.as_str())];
    rows.push(("missing grant type", token(&app, &no_grant, None).await, 400, "invalid_request"));
    rows.push((
        "wrong secret",
        token(&app, &cc, Some((&web.client_id, "wrong"))).await,
        401,
        "invalid_client",
    ));
    rows.push(("unknown client", token(&app, &cc, Some(("nobody", "x"))).await, 401, "invalid_client"));
    let public_with_secret = [
        ("grant_type", "client_credentials"),
        ("client_id", seed.client_id.as_str()),
        ("client_secret", "made-up"),
    ];
    rows.push((
        "public client with a secret",
        token(&app, &public_with_secret, None).await,
        401,
        "invalid_client",
    ));
    let two_methods = [("grant_type", "client_credentials"), ("client_secret", web_secret.as_str())];
    rows.push((
        "two methods",
        token(&app, &two_methods, Some((&web.client_id, &web_secret))).await,
        400,
        "invalid_request",
    ));
    let post_for_basic = [
        ("grant_type", "client_credentials"),
        ("client_id", web.client_id.as_str()),
        ("client_secret", web_secret.as_str()),
    ];
    rows.push(("method not registered", token(&app, &post_for_basic, None).await, 401, "invalid_client"));
    rows.push((
        "grant not allowed",
        token(&app, &cc, Some((&web.client_id, &web_secret))).await,
        400,
        "unauthorized_client",
    ));
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let repeated =
        format!("grant_type=authorization_code&grant_type=refresh_token&client_id={}", seed.client_id);
    let repeated = app.post_raw("/oauth/token", &form, repeated).await;
    assert_eq!(repeated.status(), 400, "repeated parameter");
    let json_body = serde_json::json!({"grant_type": "client_credentials"}).to_string();
    let json = app.post_raw("/oauth/token", &[("content-type", "application/json")], json_body).await;
    assert_eq!(json.status(), 400, "JSON body");
    let garbage = app.post_raw("/oauth/token", &[form[0], ("authorization", "Basic !!!")], "%%%").await;
    assert_eq!(garbage.status(), 401, "malformed Basic");
    assert!(garbage.headers().get("www-authenticate").is_some());

    check(&rows);
    let basic_failure = rows.iter().find(|(name, ..)| *name == "wrong secret").unwrap();
    assert!(basic_failure.1.headers["www-authenticate"].to_str().unwrap().starts_with("Basic"));
}

#[tokio::test]
async fn a_disabled_client_and_another_clients_refresh_token_are_refused() {
    let (app, seed) = seeded_app().await;
    let other = register(&app, "Other App", |_| {}).await;
    let code = code_for(&mut Browser::new(&app), &seed, "openid offline_access").await;
    let rt = token(&app, &exchange(&seed.client_id, &code), None).await.field("refresh_token");
    let stolen = token(&app, &borrowed(&refresh_fields(&other.client_id, &rt, None)), None).await;
    assert_eq!(stolen.error(), "invalid_grant", "bound to its client");
    let wider =
        token(&app, &borrowed(&refresh_fields(&seed.client_id, &rt, Some("openid email"))), None).await;
    assert_eq!(wider.error(), "invalid_scope", "never wider");
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    auth_server::app::client_service(&app.config, store).set_disabled(&seed.client_id, true).await.unwrap();
    // Disabled by another process: honoured once this instance's cached copy expired.
    app.clock.advance(Duration::seconds(1));
    let disabled = token(&app, &borrowed(&refresh_fields(&seed.client_id, &rt, None)), None).await;
    assert_eq!((disabled.status.as_u16(), disabled.error()), (401, "invalid_client"));
}

#[tokio::test]
async fn a_replayed_code_revokes_the_first_exchanges_refresh_token() {
    let (app, seed) = seeded_app().await;
    let code = code_for(&mut Browser::new(&app), &seed, "openid offline_access").await;
    let first = token(&app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(first.status, 200);
    let replay = token(&app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(replay.error(), "invalid_grant");
    let refresh =
        token(&app, &borrowed(&refresh_fields(&seed.client_id, &first.field("refresh_token"), None)), None)
            .await;
    assert_eq!(refresh.error(), "invalid_grant", "revoked by the replay");
}

#[tokio::test]
async fn failed_client_authentications_are_limited() {
    let app = spawn_app().await;
    let web = register(&app, "Web App", confidential).await;
    let cc = [("grant_type", "client_credentials")];
    for _ in 0..20 {
        assert_eq!(token(&app, &cc, Some((&web.client_id, "wrong"))).await.status, 401);
    }
    let secret = web.secret.clone().unwrap();
    let limited = token(&app, &cc, Some((&web.client_id, &secret))).await;
    assert_eq!(limited.status, 429, "the 21st attempt, even with the right secret");
    assert_eq!(limited.headers["retry-after"], "60");
    app.clock.advance(Duration::minutes(1));
    assert_eq!(token(&app, &cc, Some((&web.client_id, &secret))).await.error(), "unauthorized_client");
}

async fn races(app: TestApp) {
    let app = Arc::new(app);
    let seed = seed(&app).await;
    let code = code_for(&mut Browser::new(&app), &seed, "openid offline_access").await;
    let attempts: Vec<_> = (0..32)
        .map(|_| {
            let (app, client, code) = (app.clone(), seed.client_id.clone(), code.clone());
            tokio::spawn(async move { token(&app, &exchange(&client, &code), None).await.status.as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "one code, one redemption: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 400), "{statuses:?}");

    let code = code_for(&mut Browser::new(&app), &seed, "openid offline_access").await;
    let rt = token(&app, &exchange(&seed.client_id, &code), None).await.field("refresh_token");
    let uses: Vec<_> = (0..32)
        .map(|_| {
            let (app, client, rt) = (app.clone(), seed.client_id.clone(), rt.clone());
            tokio::spawn(async move {
                token(&app, &borrowed(&refresh_fields(&client, &rt, None)), None).await.status.as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in uses {
        statuses.push(attempt.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "one refresh token, one rotation: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_redemptions_and_refreshes_succeed_exactly_once() {
    races(spawn_app().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_redemptions_and_refreshes_succeed_exactly_once() {
    if let Some(db) =
        TestDatabase::postgres("postgres_concurrent_redemptions_and_refreshes_succeed_exactly_once")
    {
        races(spawn_app_on(db).await).await;
    }
}

#[tokio::test]
async fn private_keys_are_not_stored_in_the_clear() {
    let app = spawn_app().await;
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    let keys = oauth_core::ports::SigningKeyRepository::list(&store).await.unwrap();
    assert_eq!(keys.len(), 4, "an active and a next key per algorithm");
    for key in keys {
        // A JWK is JSON; the sealed form is base64, which has neither braces
        // nor quotes (a search for "kty" would match random base64 now and then).
        let sealed = &key.sealed_private_jwk;
        assert!(!sealed.contains('{') && !sealed.contains('"'), "sealed, not JSON: {sealed}");
        assert!(!key.public_jwk.contains("\"d\""), "public only");
    }
}

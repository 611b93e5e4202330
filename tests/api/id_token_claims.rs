//! ID token claims that depend on the request and the login (OIDC Core §2,
//! §3.1.2.1): `nonce` only when one was sent, `auth_time` the real login's;
//! and an ID token is never taken for an access token (RFC 9068 §4).

use oauth_core::ports::Clock as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;

use crate::support::app::TestApp;
use crate::support::browser::{Browser, authorize_query};
use crate::support::seed::{Seed, confidential, seeded_app, seeded_app_with};
use crate::support::token::{code_for_query, exchange, introspect, token, tokens_for, userinfo_at, verify};

/// The ID token's claims after an authorization request with `changes`, by
/// the public client `seed`.
async fn id_token_claims(
    app: &TestApp,
    browser: &mut Browser<'_>,
    seed: &Seed,
    changes: &[(&str, Option<&str>)],
) -> josekit::jwt::JwtPayload {
    let code = code_for_query(browser, &authorize_query(seed, changes)).await;
    let answer = token(app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    verify(app, &answer.field("id_token")).await.0
}

#[tokio::test]
async fn without_a_nonce_in_the_request_the_id_token_has_no_nonce_claim() {
    // OIDC Core §3.1.2.1: nonce is OPTIONAL in the code flow; §2: the claim is
    // present only to echo the request's value.
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let claims = id_token_claims(&app, &mut browser, &seed, &[("nonce", None)]).await;
    assert!(claims.claim("nonce").is_none(), "no nonce claim: {claims}");
    assert!(claims.subject().is_some(), "the flow succeeded with a complete ID token");

    let nonce = "N".repeat(64);
    let claims = id_token_claims(&app, &mut browser, &seed, &[("nonce", Some(&nonce))]).await;
    assert_eq!(claims.claim("nonce"), Some(&Value::from(nonce)), "a nonce sent is echoed exactly");
}

#[tokio::test]
async fn auth_time_is_the_login_unchanged_by_sso_and_renewed_by_prompt_login() {
    // OIDC Core §2: auth_time is when the user authenticated, not when the
    // token was asked for; §3.1.2.1: prompt=login makes the user authenticate again.
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let t0 = app.clock.now().unix_timestamp();
    let first = id_token_claims(&app, &mut browser, &seed, &[]).await;
    assert_eq!(first.claim("auth_time"), Some(&Value::from(t0)));

    app.clock.advance(Duration::seconds(100));
    let reused = id_token_claims(&app, &mut browser, &seed, &[("max_age", Some("1000"))]).await;
    assert_eq!(reused.claim("auth_time"), Some(&Value::from(t0)), "single sign-on: the first login's time");
    assert_eq!(reused.claim("iat"), Some(&Value::from(t0 + 100)), "a token issued now");

    app.clock.advance(Duration::seconds(100));
    let again = id_token_claims(&app, &mut browser, &seed, &[("prompt", Some("login"))]).await;
    assert_eq!(again.claim("auth_time"), Some(&Value::from(t0 + 200)), "the new login's time");
}

#[tokio::test]
async fn an_id_token_is_not_an_access_token_at_userinfo_or_introspection() {
    // RFC 9068 §4 and ASVS 9.2.2: the ID token is typed JWT, not at+jwt, and
    // is meant for the client, not for resource servers.
    let (app, seed) = seeded_app_with(confidential).await;
    let caller = Some(seed.credentials());
    let mut browser = Browser::new(&app);
    let tokens = tokens_for(&app, &mut browser, &seed, "openid email").await;
    let (id_token, access_token) = (tokens.field("id_token"), tokens.field("access_token"));
    assert_eq!(
        userinfo_at(&app.http, &app.address, &access_token).await.status,
        200,
        "the access token works"
    );
    assert_eq!(introspect(&app, &access_token, caller).await.body["active"], true);

    let answer = userinfo_at(&app.http, &app.address, &id_token).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let challenge = answer.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer error=\"invalid_token\""), "{challenge}");
    let answer = introspect(&app, &id_token, caller).await;
    assert_eq!((answer.status.as_u16(), answer.body), (200, json!({ "active": false })));
}

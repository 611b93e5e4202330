//! `/oauth/introspect` (RFC 7662): live access and refresh tokens answered in
//! full to their own client; everything else exactly `{"active": false}`.

use oauth_core::ports::Clock as _;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;

use crate::support::binary::{Binary, stderr};
use crate::support::browser::Browser;
use crate::support::seed::{confidential, register, seeded_app_with, seeded_user_id};
use crate::support::token::{introspect, post_form, tokens_for, verify};

const ISSUER: &str = "http://127.0.0.1:8080";

#[tokio::test]
async fn live_access_and_refresh_tokens_are_described_to_their_client() {
    let (app, seed) = seeded_app_with(confidential).await;
    let caller = Some(seed.credentials());
    let mut browser = Browser::new(&app);
    let tokens = tokens_for(&app, &mut browser, &seed, "openid email offline_access").await;
    let now = app.clock.now().unix_timestamp();
    let sub = seeded_user_id(&app).await;

    let access = introspect(&app, &tokens.field("access_token"), caller).await;
    assert_eq!(access.status, 200);
    assert_eq!(access.headers["cache-control"], "no-store");
    let (claims, _) = verify(&app, &tokens.field("access_token")).await;
    assert_eq!(
        access.body,
        json!({
            "active": true,
            "scope": "email offline_access openid",
            "client_id": seed.client_id,
            "sub": sub,
            "exp": now + 600,
            "iat": now,
            "iss": ISSUER,
            "aud": ISSUER,
            "token_type": "Bearer",
            "jti": claims.jwt_id().unwrap(),
        })
    );

    // token_type_hint is not trusted: a wrong one changes nothing.
    let refresh = post_form(
        &app.http,
        &format!("{}/oauth/introspect", app.address),
        &[("token", &tokens.field("refresh_token")), ("token_type_hint", "access_token")],
        caller,
    )
    .await;
    assert_eq!(refresh.body["active"], true, "{}", refresh.body);
    assert_eq!(refresh.body["token_type"], "refresh_token");
    assert_eq!(refresh.body["sub"], Value::from(sub));
    assert_eq!(refresh.body["exp"], now + 14 * 24 * 3600, "the idle lifetime's end");
    assert!(refresh.body.get("jti").is_none());

    app.clock.advance(Duration::minutes(10));
    let expired = introspect(&app, &tokens.field("access_token"), caller).await;
    assert_eq!(expired.body, json!({ "active": false }), "expired");
    assert_eq!(introspect(&app, &tokens.field("refresh_token"), caller).await.body["active"], true);
}

#[tokio::test]
async fn anything_not_live_or_not_the_callers_is_only_inactive() {
    let (app, seed) = seeded_app_with(confidential).await;
    let caller = Some(seed.credentials());
    let other = register(&app, "Resource Server", |spec| {
        confidential(spec);
        spec.grant_types = vec!["client_credentials".into()];
        spec.redirect_uris = vec![];
    })
    .await;
    let other_secret = other.secret.clone().unwrap();
    let other_caller = Some((other.client_id.as_str(), other_secret.as_str()));
    let mut browser = Browser::new(&app);
    let tokens = tokens_for(&app, &mut browser, &seed, "openid offline_access").await;

    // The same answer for garbage, a refresh-shaped unknown and another client's tokens.
    for token in ["garbage", "a.b.c", &"A".repeat(43)] {
        let answer = introspect(&app, token, caller).await;
        assert_eq!((answer.status.as_u16(), &answer.body), (200, &json!({ "active": false })), "{token}");
    }
    for token in [tokens.field("access_token"), tokens.field("refresh_token")] {
        let answer = introspect(&app, &token, other_caller).await;
        assert_eq!(answer.body, json!({ "active": false }), "another client's token, no permission");
    }

    // An operator lets the resource server introspect every client's tokens.
    let binary = Binary::new();
    let env = [("AUTH_DATABASE_URL", app.db.url_text())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let update = binary.run(&["clients", "update", &other.client_id, "--introspect-any", "true"], &env, "");
    assert!(update.status.success(), "{}", stderr(&update));
    let answer = introspect(&app, &tokens.field("access_token"), other_caller).await;
    assert_eq!(answer.body["active"], true, "{}", answer.body);
    assert_eq!(answer.body["client_id"], Value::from(seed.client_id.as_str()));

    // RFC 7662 §4 covers access tokens: another client's refresh token stays
    // inactive even to a resource server allowed to see every access token.
    let refresh = introspect(&app, &tokens.field("refresh_token"), other_caller).await;
    assert_eq!(refresh.body, json!({ "active": false }));
    let own = introspect(&app, &tokens.field("refresh_token"), caller).await;
    assert_eq!(own.body["active"], true);
    assert!(own.body.get("aud").is_none(), "a refresh token has no audience: {}", own.body);
}

#[tokio::test]
async fn introspection_needs_an_authenticated_confidential_client() {
    let (app, seed) = seeded_app_with(confidential).await;
    let public = register(&app, "Public SPA", |_| {}).await;
    let mut browser = Browser::new(&app);
    let access = tokens_for(&app, &mut browser, &seed, "openid").await.field("access_token");

    let anonymous = introspect(&app, &access, None).await;
    assert_eq!((anonymous.status, anonymous.error()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    let wrong = introspect(&app, &access, Some((&seed.client_id, "wrong"))).await;
    assert_eq!((wrong.status, wrong.error()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    assert!(wrong.headers.contains_key("www-authenticate"));
    let by_public = post_form(
        &app.http,
        &format!("{}/oauth/introspect", app.address),
        &[("token", &access), ("client_id", &public.client_id)],
        None,
    )
    .await;
    assert_eq!((by_public.status, by_public.error()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    let secret = seed.secret.clone().unwrap();
    let no_token = post_form(
        &app.http,
        &format!("{}/oauth/introspect", app.address),
        &[],
        Some((&seed.client_id, &secret)),
    )
    .await;
    assert_eq!((no_token.status, no_token.error()), (StatusCode::BAD_REQUEST, "invalid_request"));
    let get = app.get("/oauth/introspect").await;
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
}

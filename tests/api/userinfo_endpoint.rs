//! `/userinfo` (OIDC Core §5.3, RFC 6750): exactly the claims of the granted
//! scopes for a live token; every other token refused with the RFC 6750 error.

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;

use crate::support::app::{TestApp, spawn_app, start};
use crate::support::browser::Browser;
use crate::support::seed::{confidential, register, seed_with, seeded_app, seeded_app_with, seeded_user_id};
use crate::support::token::{Answer, post_form, token, tokens_for, userinfo_at};

async fn userinfo(app: &TestApp, access_token: &str) -> Answer {
    userinfo_at(&app.http, &app.address, access_token).await
}

fn challenge(answer: &Answer) -> &str {
    answer.headers.get("www-authenticate").map_or("", |v| v.to_str().unwrap())
}

#[tokio::test]
async fn userinfo_answers_exactly_the_claims_of_the_granted_scopes() {
    let (app, seed) = seeded_app_with(|spec| spec.allowed_origins = vec!["https://rp.example".into()]).await;
    let mut browser = Browser::new(&app);
    let sub = seeded_user_id(&app).await;
    let cases: [(&str, Value); 3] = [
        ("openid", json!({ "sub": sub })),
        ("openid email", json!({ "sub": sub, "email": "ada@example.com", "email_verified": true })),
        ("openid profile", json!({ "sub": sub, "name": "Ada Lovelace" })),
    ];
    for (scope, expected) in cases {
        let tokens = tokens_for(&app, &mut browser, &seed, scope).await;
        let answer = userinfo(&app, &tokens.field("access_token")).await;
        assert_eq!(answer.status, 200, "{scope}: {}", answer.body);
        assert_eq!(answer.body, expected, "{scope}");
        assert_eq!(answer.headers["cache-control"], "no-store");
    }
    // POST with the token in the form body (RFC 6750 §2.2), from a registered origin.
    let tokens = tokens_for(&app, &mut browser, &seed, "openid email").await;
    let response = app
        .http
        .post(format!("{}/userinfo", app.address))
        .header("origin", "https://rp.example")
        .form(&[("access_token", tokens.field("access_token"))])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "https://rp.example");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], "ada@example.com");
}

#[tokio::test]
async fn expired_tampered_and_garbage_tokens_get_invalid_token() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let access = tokens_for(&app, &mut browser, &seed, "openid").await.field("access_token");
    assert_eq!(userinfo(&app, &access).await.status, 200);

    let (header, rest) = access.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let mut claims: Value = serde_json::from_slice(&base64_url(payload)).unwrap();
    claims["sub"] = json!("someone-else");
    let forged_payload = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&claims).unwrap(),
    );
    let tampered = format!("{header}.{forged_payload}.{signature}");
    for bad in [tampered.as_str(), "not-a-token", "a.b.c"] {
        let answer = userinfo(&app, bad).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert!(challenge(&answer).starts_with("Bearer error=\"invalid_token\""), "{}", challenge(&answer));
    }
    app.clock.advance(Duration::minutes(10));
    let expired = userinfo(&app, &access).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED, "exp is exclusive (RFC 7519 §4.1.4)");
    assert!(challenge(&expired).contains("invalid_token"));
}

fn base64_url(text: &str) -> Vec<u8> {
    base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, text).unwrap()
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    // A second instance on the same database (same keys) issues tokens for another API.
    let app = spawn_app().await;
    let mut other = app.config.clone();
    other.tokens.audience = "https://api.example".into();
    let other_address = start(&other, app.clock.clone()).await;
    let seed = seed_with(&app, |_| {}).await;
    let mut browser = Browser::new(&app);
    let refresh = tokens_for(&app, &mut browser, &seed, "openid offline_access").await.field("refresh_token");
    let from_other = post_form(
        &app.http,
        &format!("{other_address}/oauth/token"),
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh), ("client_id", &seed.client_id)],
        None,
    )
    .await;
    assert_eq!(from_other.status, 200, "{}", from_other.body);
    let access = from_other.field("access_token");
    assert_eq!(userinfo_at(&app.http, &other_address, &access).await.status, 200, "its own audience");
    let answer = userinfo(&app, &access).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(challenge(&answer).contains("invalid_token"));
}

#[tokio::test]
async fn without_openid_the_answer_is_insufficient_scope() {
    let (app, seed) = seeded_app_with(confidential).await;
    let mut browser = Browser::new(&app);
    let access = tokens_for(&app, &mut browser, &seed, "email").await.field("access_token");
    let answer = userinfo(&app, &access).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(challenge(&answer).starts_with("Bearer error=\"insufficient_scope\""));
    // A client_credentials token carries no user and never openid.
    let machine = register(&app, "Machine", |spec| {
        spec.client_type = "confidential".into();
        spec.grant_types = vec!["client_credentials".into()];
        spec.redirect_uris = vec![];
    })
    .await;
    let secret = machine.secret.clone().unwrap();
    let answer =
        token(&app, &[("grant_type", "client_credentials")], Some((&machine.client_id, &secret))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(userinfo(&app, &answer.field("access_token")).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn malformed_requests_are_refused_without_looking_at_the_token() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let access = tokens_for(&app, &mut browser, &seed, "openid").await.field("access_token");
    let url = format!("{}/userinfo", app.address);

    let bare = app.http.get(&url).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        bare.headers()["www-authenticate"],
        "Bearer",
        "RFC 6750 §3.1: no error code without credentials"
    );

    let twice = app
        .http
        .post(&url)
        .bearer_auth(&access)
        .form(&[("access_token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(twice.status(), StatusCode::BAD_REQUEST, "RFC 6750 §2: one method only");
    assert!(twice.headers()["www-authenticate"].to_str().unwrap().contains("invalid_request"));

    for in_query in [
        app.http.get(format!("{url}?access_token={access}")),
        app.http.get(format!("{url}?access_token={access}")).bearer_auth(&access),
        app.http.post(format!("{url}?access_token={access}")),
    ] {
        let response = in_query.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "tokens in URLs end up in logs");
    }

    let basic = app.http.get(&url).basic_auth("a", Some("b")).send().await.unwrap();
    assert_eq!(basic.status(), StatusCode::BAD_REQUEST);
}

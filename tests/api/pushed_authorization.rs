//! Pushed authorization requests (RFC 9126) through the real server: the
//! client pushes its request, authenticated, and the browser carries only
//! the `request_uri`; the request is used once, by its client, while it
//! lives; the server can require that every request be pushed.

use oauth_store_diesel::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::app::{TestApp, spawn_app_with};
use crate::support::browser::{Browser, authorize_query, client_redirect};
use crate::support::seed::{REDIRECT_URI, Seed, confidential, register, seed, seeded_app};
use crate::support::token::{Answer, exchange, post_form, token};

const PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// `POST /oauth/par` of the suite's valid request for `seed`, with `changes`.
async fn push(app: &TestApp, seed: &Seed, changes: &[(&str, Option<&str>)]) -> Answer {
    let query = authorize_query(seed, changes);
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let basic = seed.secret.as_deref().map(|secret| (seed.client_id.as_str(), secret));
    post_form(&app.http, &format!("{}/oauth/par", app.address), &fields, basic).await
}

/// The query a browser carries for a pushed request.
fn carried(client_id: &str, request_uri: &str, redirect: bool) -> String {
    let mut pairs = vec![("client_id", client_id), ("request_uri", request_uri)];
    if redirect {
        pairs.push(("redirect_uri", REDIRECT_URI));
    }
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

async fn refused_at_the_client(app: &TestApp, query: &str, name: &str) {
    let response = Browser::new(app).get(&format!("/oauth/authorize?{query}")).await;
    assert_eq!(response.status(), StatusCode::FOUND, "{name}");
    let answer = client_redirect(&response, REDIRECT_URI);
    assert_eq!(answer.get("error").map(String::as_str), Some("invalid_request_uri"), "{name}");
    assert!(!answer.contains_key("code"), "{name}");
}

#[tokio::test]
async fn a_pushed_request_signs_the_user_in_with_only_its_request_uri_in_the_browser() {
    let (app, seed) = seeded_app().await;
    let metadata: Value = app.get("/.well-known/openid-configuration").await.json().await.unwrap();
    let issuer = metadata["issuer"].as_str().unwrap();
    assert_eq!(metadata["pushed_authorization_request_endpoint"], format!("{issuer}/oauth/par"));
    assert!(metadata.get("require_pushed_authorization_requests").is_none(), "not required by default");

    let pushed = push(&app, &seed, &[("state", Some("pushed-state"))]).await;
    assert_eq!(pushed.status, StatusCode::CREATED, "{}", pushed.body);
    assert_eq!(pushed.headers.get("cache-control").unwrap(), "no-store");
    let request_uri = pushed.field("request_uri");
    assert!(request_uri.starts_with(PREFIX) && request_uri.len() == PREFIX.len() + 43, "{request_uri}");
    assert_eq!(pushed.body["expires_in"], 60);

    // Whatever else the browser's query says is ignored (RFC 9126 §4).
    let query =
        format!("{}&state=tampered&scope=openid%20profile", carried(&seed.client_id, &request_uri, false));
    let mut browser = Browser::new(&app);
    let approved = browser.full_flow(&query).await;
    let answer = client_redirect(&approved, REDIRECT_URI);
    assert_eq!(answer["state"], "pushed-state", "the pushed request's state");
    let tokens = token(&app, &exchange(&seed.client_id, &answer["code"]), None).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    assert_eq!(tokens.body["scope"], "email openid", "the pushed request's scope");
}

#[tokio::test]
async fn a_request_uri_is_used_once_by_its_client_while_it_lives() {
    let (app, seed) = seeded_app().await;
    let other = register(&app, "Other", |_| {}).await;

    let pushed = push(&app, &seed, &[]).await.field("request_uri");
    refused_at_the_client(&app, &carried(&other.client_id, &pushed, true), "another client's").await;
    let first = Browser::new(&app)
        .get(&format!("/oauth/authorize?{}", carried(&seed.client_id, &pushed, true)))
        .await;
    assert_eq!(first.status(), StatusCode::OK, "its own, not spent by the other's try");
    refused_at_the_client(&app, &carried(&seed.client_id, &pushed, true), "reused").await;

    let late = push(&app, &seed, &[]).await.field("request_uri");
    app.clock.advance(time::Duration::seconds(61));
    refused_at_the_client(&app, &carried(&seed.client_id, &late, true), "expired").await;
    let invented = format!("{PREFIX}{}", "A".repeat(43));
    refused_at_the_client(&app, &carried(&seed.client_id, &invented, true), "invented").await;

    // With no redirect URI of its own to trust, the refusal is our page.
    let page = Browser::new(&app)
        .get(&format!("/oauth/authorize?{}", carried(&seed.client_id, &invented, false)))
        .await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.headers().get("location").is_none());
}

#[tokio::test]
async fn a_push_is_authenticated_and_checked_like_the_request_itself() {
    let (app, _) = seeded_app().await;
    let machine = register(&app, "Confidential", confidential).await;
    assert_eq!(push(&app, &machine, &[]).await.status, StatusCode::CREATED, "with its secret");
    let wrong =
        Seed { secret: Some("wrong".into()), ..Seed { client_id: machine.client_id.clone(), secret: None } };
    let refused = push(&app, &wrong, &[]).await;
    assert_eq!((refused.status, refused.error()), (StatusCode::UNAUTHORIZED, "invalid_client"));
    let anonymous = Seed { client_id: machine.client_id.clone(), secret: None };
    assert_eq!(
        push(&app, &anonymous, &[]).await.error(),
        "invalid_client",
        "a confidential client must authenticate"
    );
    for (changes, error) in [
        (vec![("request_uri", Some("urn:ietf:params:oauth:request_uri:x"))], "invalid_request"),
        (vec![("redirect_uri", Some("https://evil.example/cb"))], "invalid_request"),
        (vec![("code_challenge", None)], "invalid_request"),
        (vec![("scope", Some("openid admin"))], "invalid_scope"),
        (vec![("response_type", Some("token"))], "unsupported_response_type"),
    ] {
        let refused = push(&app, &machine, &changes).await;
        assert_eq!((refused.status, refused.error()), (StatusCode::BAD_REQUEST, error), "{changes:?}");
    }
}

#[tokio::test]
async fn the_server_can_require_every_request_to_be_pushed() {
    let app = spawn_app_with(TestDatabase::sqlite(), |raw| {
        raw.sign_in.require_pushed_authorization_requests = true;
    })
    .await;
    let seed = seed(&app).await;
    let metadata: Value = app.get("/.well-known/openid-configuration").await.json().await.unwrap();
    assert_eq!(metadata["require_pushed_authorization_requests"], true);
    let plain = Browser::new(&app).get(&format!("/oauth/authorize?{}", authorize_query(&seed, &[]))).await;
    let answer = client_redirect(&plain, REDIRECT_URI);
    assert_eq!(answer.get("error").map(String::as_str), Some("invalid_request"), "a plain request");
    let silent_query = authorize_query(&seed, &[("prompt", Some("none"))]);
    let silent = Browser::new(&app).get(&format!("/oauth/authorize?{silent_query}")).await;
    let answer = client_redirect(&silent, REDIRECT_URI);
    assert_eq!(answer.get("error").map(String::as_str), Some("invalid_request"), "prompt=none");
    let query = authorize_query(&seed, &[]);
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut browser = Browser::new(&app);
    let posted = browser.post("/oauth/authorize", &fields).await;
    // A POST is answered as the same request by GET (so the browser sends
    // its cookie), which is then refused.
    let followed = browser.get(&crate::support::browser::location(&posted)).await;
    let answer = client_redirect(&followed, REDIRECT_URI);
    assert_eq!(answer.get("error").map(String::as_str), Some("invalid_request"), "POST");
    let pushed = push(&app, &seed, &[]).await.field("request_uri");
    let carried = Browser::new(&app)
        .get(&format!("/oauth/authorize?{}", carried(&seed.client_id, &pushed, false)))
        .await;
    assert_eq!(carried.status(), StatusCode::OK, "a pushed one: the login page");
}

#[tokio::test]
async fn a_client_can_be_held_to_pushed_requests_alone() {
    let (app, lenient) = seeded_app().await;
    let strict = register(&app, "Strict", |spec| spec.require_pushed_requests = true).await;
    let plain = Browser::new(&app).get(&format!("/oauth/authorize?{}", authorize_query(&strict, &[]))).await;
    let answer = client_redirect(&plain, REDIRECT_URI);
    assert_eq!(answer.get("error").map(String::as_str), Some("invalid_request"), "a plain request");
    let pushed = push(&app, &strict, &[]).await.field("request_uri");
    let carried = Browser::new(&app)
        .get(&format!("/oauth/authorize?{}", carried(&strict.client_id, &pushed, false)))
        .await;
    assert_eq!(carried.status(), StatusCode::OK, "a pushed one: the login page");
    let other = Browser::new(&app).get(&format!("/oauth/authorize?{}", authorize_query(&lenient, &[]))).await;
    assert_eq!(other.status(), StatusCode::OK, "other clients as before");
}

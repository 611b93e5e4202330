//! How a token request must arrive (RFC 6749 §3.2, §2.3.1): a POST with a
//! form body; client credentials are read from the body or the Basic header,
//! never from the URL.

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::app::{TestApp, spawn_app};
use crate::support::seed::{Seed, register};
use crate::support::token::token;

/// A confidential client that authenticates with `client_secret_post` and
/// may use `client_credentials`.
async fn machine(app: &TestApp) -> (Seed, String) {
    let seed = register(app, "Machine", |spec| {
        spec.client_type = "confidential".into();
        spec.auth_method = Some("client_secret_post".into());
        spec.grant_types = vec!["client_credentials".into()];
        spec.redirect_uris = vec![];
    })
    .await;
    let secret = seed.secret.clone().unwrap();
    (seed, secret)
}

/// `url` with `pairs` as its query string.
fn in_query(url: &str, pairs: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("{url}?{query}")
}

#[tokio::test]
async fn only_a_form_post_is_a_token_request() {
    let app = spawn_app().await;
    let (machine, secret) = machine(&app).await;
    let url = format!("{}/oauth/token", app.address);
    let fields = [
        ("grant_type", "client_credentials"),
        ("client_id", machine.client_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    assert_eq!(token(&app, &fields, None).await.status, 200, "the same request as a form");

    // RFC 6749 §3.2: the client MUST use POST.
    let get = app.http.get(in_query(&url, &fields)).send().await.unwrap();
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(get.headers().get("www-authenticate").is_none());

    // RFC 6749 §3.2 with Appendix B: the body is application/x-www-form-urlencoded.
    let body: serde_json::Map<String, Value> =
        fields.iter().map(|(k, v)| ((*k).to_owned(), Value::from(*v))).collect();
    let json = app.http.post(&url).json(&body).send().await.unwrap();
    assert_eq!(json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json.headers()["cache-control"], "no-store");
    let answer: Value = json.json().await.unwrap();
    assert_eq!(answer["error"], "invalid_request", "{answer}");
    assert!(answer.get("access_token").is_none());

    // The declared media type decides, not what the body happens to parse as.
    let form_body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
    let labelled_json =
        app.post_raw("/oauth/token", &[("content-type", "application/json")], form_body).await;
    assert_eq!(labelled_json.status(), StatusCode::BAD_REQUEST);
    let answer: Value = labelled_json.json().await.unwrap();
    assert_eq!(answer["error"], "invalid_request", "{answer}");
}

#[tokio::test]
async fn a_client_secret_in_the_query_string_is_ignored() {
    // RFC 6749 §2.3.1: credentials in the request URI are not accepted, so the
    // client stands unauthenticated: 401 invalid_client, no token.
    let app = spawn_app().await;
    let (machine, secret) = machine(&app).await;
    let response = app
        .http
        .post(in_query(&format!("{}/oauth/token", app.address), &[("client_secret", &secret)]))
        .form(&[("grant_type", "client_credentials"), ("client_id", machine.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"], "invalid_client", "{answer}");
    assert!(answer.get("access_token").is_none());

    // Every other parameter in the query is ignored too: the form alone counts.
    let response = app
        .http
        .post(in_query(
            &format!("{}/oauth/token", app.address),
            &[("grant_type", "client_credentials"), ("client_id", &machine.client_id)],
        ))
        .form(&[("client_secret", secret.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "no client_id in the form: anonymous");

    let in_the_body = [
        ("grant_type", "client_credentials"),
        ("client_id", machine.client_id.as_str()),
        ("client_secret", secret.as_str()),
    ];
    assert_eq!(token(&app, &in_the_body, None).await.status, 200, "the same secret in the body is accepted");
}

/// RFC 6749 §3.1 refuses a repeated parameter; the refusal names it only when
/// it is shaped like a parameter, so a caller cannot make our JSON errors or
/// pages say a sentence of its choosing (RFC 6749 §5.2 also limits the
/// characters of `error_description`).
#[tokio::test]
async fn a_repeated_name_of_the_callers_own_text_is_not_repeated_back() {
    let app = spawn_app().await;
    let (machine, secret) = machine(&app).await;
    let sentence = "Your account is locked: call 555-0100";
    let fields = [
        ("grant_type", "client_credentials"),
        ("client_id", machine.client_id.as_str()),
        ("client_secret", secret.as_str()),
        (sentence, "1"),
        (sentence, "2"),
    ];
    let answer = token(&app, &fields, None).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["error"], "invalid_request", "{}", answer.body);
    assert_eq!(answer.body["error_description"], "a parameter appears more than once");

    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([(sentence, "1"), (sentence, "2")])
        .finish();
    let page = app.get(&format!("/oauth/logout?{query}")).await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    let html = page.text().await.unwrap();
    assert!(!html.contains("555-0100"), "{html}");
    assert!(html.contains("a parameter appears more than once"), "{html}");
}

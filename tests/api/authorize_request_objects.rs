//! Request objects (OIDC Core §6) are not supported: `request` is refused
//! with its own error code (OIDC Core §3.1.2.6), and a `request_uri` we did
//! not issue at the pushed authorization request endpoint with
//! `invalid_request_uri` (RFC 9126 §4), by redirect once the client and its
//! redirect URI are verified; discovery says so (OIDC Discovery §3).

use crate::support::app::spawn_app;
use crate::support::browser::{Browser, authorize_query, client_redirect};
use crate::support::seed::{REDIRECT_URI, seeded_app};

/// An unsigned request object (`alg` none) asking for `openid`.
const REQUEST_OBJECT: &str = "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.";

#[tokio::test]
async fn request_and_request_uri_are_refused_at_the_redirect_uri_with_state_and_iss() {
    let (app, seed) = seeded_app().await;
    let rows = [
        ("request", REQUEST_OBJECT, "request_not_supported"),
        ("request_uri", "https://rp.example/request.jwt", "invalid_request_uri"),
        (
            "request_uri",
            "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c",
            "invalid_request_uri",
        ),
    ];
    for (name, value, error) in rows {
        let query = authorize_query(&seed, &[(name, Some(value))]);
        let response = Browser::new(&app).get(&format!("/oauth/authorize?{query}")).await;
        assert_eq!(response.status(), 302, "{name}");
        assert!(response.headers().get("set-cookie").is_none(), "{name}: no session for a refusal");
        let params = client_redirect(&response, REDIRECT_URI);
        assert_eq!(params.get("error").map(String::as_str), Some(error), "{name}");
        assert_eq!(params["state"], "st@te with spaces & symbols", "{name}: state byte for byte");
        assert_eq!(params["iss"], "http://127.0.0.1:8080", "{name}: iss (RFC 9207)");
        assert!(!params.contains_key("code"), "{name}");
    }
}

#[tokio::test]
async fn a_posted_request_object_from_a_signed_in_browser_is_refused_with_303() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::approved(&app, &seed).await;
    let query = authorize_query(&seed, &[("request", Some(REQUEST_OBJECT))]);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let fields: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = browser.post("/oauth/authorize", &fields).await;
    assert_eq!(response.status(), 303);
    let params = client_redirect(&response, REDIRECT_URI);
    assert_eq!(params["error"], "request_not_supported");
    assert!(!params.contains_key("code"), "a session does not make the request object acceptable");
}

#[tokio::test]
async fn with_an_unverified_client_or_redirect_uri_our_own_page_answers() {
    let (app, seed) = seeded_app().await;
    for (name, changes) in [
        ("unknown client", [("client_id", Some("no-such-client")), ("request", Some(REQUEST_OBJECT))]),
        (
            "unregistered redirect_uri",
            [
                ("redirect_uri", Some("https://evil.example/cb")),
                ("request_uri", Some("https://evil.example/r")),
            ],
        ),
    ] {
        let response =
            Browser::new(&app).get(&format!("/oauth/authorize?{}", authorize_query(&seed, &changes))).await;
        assert_eq!(response.status(), 400, "{name}");
        assert!(response.headers().get("location").is_none(), "{name}: never redirected");
    }
}

#[tokio::test]
async fn discovery_says_request_objects_are_not_supported() {
    let app = spawn_app().await;
    for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"] {
        let metadata: serde_json::Value = app.get(path).await.json().await.unwrap();
        // OIDC Discovery §3: absent means `request_uri_parameter_supported: true`.
        assert_eq!(metadata["request_parameter_supported"], false, "{path}");
        assert_eq!(metadata["request_uri_parameter_supported"], false, "{path}");
    }
}

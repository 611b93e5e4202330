//! `/oauth/authorize` refusals: an unverified client or redirect URI gets our
//! own 400 page and no redirect (RFC 6749 §4.1.2.1); every later problem is
//! redirected with `error`, `error_description`, `state` and `iss`.

use crate::support::browser::{Browser, authorize_query, client_redirect};
use crate::support::seed::{REDIRECT_URI, seeded_app, seeded_app_with};

/// (name, changes to a valid request)
type Untrusted<'a> = (&'a str, &'a [(&'a str, Option<&'a str>)]);
/// (name, changes to a valid request, expected `error`)
type Redirected<'a> = (&'a str, &'a [(&'a str, Option<&'a str>)], &'a str);

#[tokio::test]
async fn untrusted_requests_get_our_page_and_never_a_redirect() {
    let (app, seed) = seeded_app().await;
    let long = "x".repeat(3000);
    let rows: &[Untrusted] = &[
        ("unknown client", &[("client_id", Some("no-such-client"))]),
        ("missing client_id", &[("client_id", None)]),
        ("unregistered redirect_uri", &[("redirect_uri", Some("https://evil.example/cb"))]),
        ("altered path", &[("redirect_uri", Some("https://rp.example/cb/../evil"))]),
        ("extra query", &[("redirect_uri", Some("https://rp.example/cb?x=1"))]),
        ("other scheme", &[("redirect_uri", Some("http://rp.example/cb"))]),
        ("case changed", &[("redirect_uri", Some("https://RP.example/cb"))]),
        ("trailing slash", &[("redirect_uri", Some("https://rp.example/cb/"))]),
        ("redirect_uri omitted with two registered", &[("redirect_uri", None)]),
        ("oversized client_id", &[("client_id", Some(&long))]),
    ];
    for (name, changes) in rows {
        let response = Browser::new(&app).authorize(&seed, changes).await;
        assert_eq!(response.status(), 400, "{name}");
        assert!(response.headers().get("location").is_none(), "{name}: no redirect");
        assert!(response.headers().get("set-cookie").is_none(), "{name}: no session");
        let html = response.text().await.unwrap();
        assert!(html.contains("cannot be accepted"), "{name}: {html}");
    }
    let repeated = format!("{}&client_id={}", authorize_query(&seed, &[]), seed.client_id);
    let response = Browser::new(&app).get(&format!("/oauth/authorize?{repeated}")).await;
    assert_eq!(response.status(), 400, "repeated client_id");
    assert!(response.headers().get("location").is_none());
    let huge = format!("/oauth/authorize?{}&pad={}", authorize_query(&seed, &[]), "y".repeat(9000));
    let response = Browser::new(&app).get(&huge).await;
    assert!(response.status().is_client_error(), "oversized request refused");
    assert!(response.headers().get("location").is_none());
}

#[tokio::test]
async fn a_disabled_client_is_untrusted() {
    let (app, seed) = seeded_app().await;
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    auth_server::app::client_service(&app.config, store).set_disabled(&seed.client_id, true).await.unwrap();
    let response = Browser::new(&app).authorize(&seed, &[]).await;
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
}

#[tokio::test]
async fn later_errors_go_back_to_the_client_with_state_and_iss() {
    let (app, seed) = seeded_app().await;
    let too_short = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c";
    let rows: &[Redirected] = &[
        ("response_type=token", &[("response_type", Some("token"))], "unsupported_response_type"),
        ("hybrid response_type", &[("response_type", Some("code id_token"))], "unsupported_response_type"),
        ("missing response_type", &[("response_type", None)], "invalid_request"),
        ("plain PKCE", &[("code_challenge_method", Some("plain"))], "invalid_request"),
        ("challenge without method", &[("code_challenge_method", None)], "invalid_request"),
        (
            "missing challenge",
            &[("code_challenge", None), ("code_challenge_method", None)],
            "invalid_request",
        ),
        ("challenge one short", &[("code_challenge", Some(too_short))], "invalid_request"),
        ("challenge not base64url", &[("code_challenge", Some(&"+".repeat(43)))], "invalid_request"),
        ("unknown scope", &[("scope", Some("openid payroll"))], "invalid_scope"),
        ("missing scope", &[("scope", None)], "invalid_scope"),
        ("bad prompt", &[("prompt", Some("sometimes"))], "invalid_request"),
        ("prompt none with login", &[("prompt", Some("none login"))], "invalid_request"),
        ("bad max_age", &[("max_age", Some("-1"))], "invalid_request"),
        ("prompt none without a session", &[("prompt", Some("none"))], "login_required"),
    ];
    for (name, changes, error) in rows {
        let response = Browser::new(&app).authorize(&seed, changes).await;
        assert_eq!(response.status(), 302, "{name}");
        let params = client_redirect(&response, REDIRECT_URI);
        assert_eq!(params.get("error").map(String::as_str), Some(*error), "{name}");
        assert_eq!(params["state"], "st@te with spaces & symbols", "{name}: state byte for byte");
        assert_eq!(params["iss"], "http://127.0.0.1:8080", "{name}: iss");
        assert!(params.get("error_description").is_some_and(|d| !d.is_empty()), "{name}: a description");
        assert!(!params.contains_key("code"), "{name}");
    }
    let repeated = format!("{}&scope=openid", authorize_query(&seed, &[]));
    let response = Browser::new(&app).get(&format!("/oauth/authorize?{repeated}")).await;
    assert_eq!(client_redirect(&response, REDIRECT_URI)["error"], "invalid_request", "repeated scope");
}

#[tokio::test]
async fn a_scope_not_allowed_for_the_client_is_invalid_scope() {
    let (app, seed) = seeded_app_with(|spec| spec.scopes = vec!["openid".into()]).await;
    let response = Browser::new(&app).authorize(&seed, &[("scope", Some("openid email"))]).await;
    assert_eq!(client_redirect(&response, REDIRECT_URI)["error"], "invalid_scope");
}

#[tokio::test]
async fn deny_at_consent_is_access_denied() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let to_consent = browser.sign_in(&authorize_query(&seed, &[])).await;
    let answer = browser.decide(&to_consent, "deny").await;
    assert_eq!(answer.status(), 303);
    let params = client_redirect(&answer, REDIRECT_URI);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st@te with spaces & symbols");
    assert!(!params.contains_key("code"));
}

#[tokio::test]
async fn post_to_authorize_works_like_get_and_answers_303() {
    let (app, seed) = seeded_app().await;
    let query = authorize_query(&seed, &[("response_type", Some("token"))]);
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let fields: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    // With the session cookie (a cookieless POST is sent on as a GET: authorize_form_post).
    let mut browser = Browser::new(&app);
    browser.login_page(&authorize_query(&seed, &[])).await;
    let response = browser.post("/oauth/authorize", &fields).await;
    assert_eq!(response.status(), 303);
    assert_eq!(client_redirect(&response, REDIRECT_URI)["error"], "unsupported_response_type");
    let json = app.post_raw("/oauth/authorize", &[("content-type", "application/json")], "{}").await;
    assert_eq!(json.status(), 400, "only form bodies");
}

//! RP-initiated logout is no open redirector (RFC 9700 §4.11; RFC 6749
//! §10.15; OpenID Connect RP-Initiated Logout 1.0 §3): a
//! `post_logout_redirect_uri` that is not exactly registered for the client
//! is refused, however it is spelled, and nothing is ended.

use reqwest::StatusCode;

use crate::support::browser::{Browser, location, logout_query, session_is_live, signed_in};
use crate::support::seed::seeded_app_with;

const BACK: &str = "https://rp.example/signed-out";

/// Spellings that browsers, or lax URL parsers, read as another host.
const HOSTILE: &[&str] = &[
    "//evil.example",
    "//evil.example/signed-out",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "https:/evil.example",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "/%2F%2Fevil.example",
    "https://evil.example",
    "https://rp.example@evil.example/signed-out",
    "https://rp.example.evil.example/signed-out",
    "https://rp.example/signed-out/../../evil.example",
    "https://rp.example/signed-out?next=https://evil.example",
    "javascript:alert(1)",
    "/signed-out",
    " https://rp.example/signed-out",
];

#[tokio::test]
async fn unregistered_spellings_of_another_host_are_refused_by_get_and_post() {
    let (app, seed) = seeded_app_with(|spec| spec.post_logout_redirect_uris = vec![BACK.into()]).await;
    let (mut browser, id_token) = signed_in(&app, &seed).await;
    let cookie = browser.cookie.clone().unwrap();
    for target in HOSTILE {
        for named_by in [("id_token_hint", id_token.as_str()), ("client_id", seed.client_id.as_str())] {
            let request = logout_query(&[named_by, ("post_logout_redirect_uri", target), ("state", "s")]);
            let response = browser.get(&format!("/oauth/logout?{request}")).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{target:?} by {}", named_by.0);
            assert!(response.headers().get("location").is_none(), "{target:?}: never redirected");
            assert!(response.headers().get("set-cookie").is_none(), "{target:?}: the cookie is kept");

            // The client's form posted cross-site comes back to us as a GET, then is refused.
            let fields = [named_by, ("post_logout_redirect_uri", target)];
            let posted =
                app.http.post(format!("{}/oauth/logout", app.address)).form(&fields).send().await.unwrap();
            assert_eq!(posted.status(), StatusCode::SEE_OTHER);
            let again = location(&posted);
            assert!(again.starts_with("/oauth/logout?"), "{target:?}: only to ourselves: {again}");
            let response = browser.get(&again).await;
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{target:?} posted");
            assert!(response.headers().get("location").is_none(), "{target:?} posted: never redirected");
        }
    }
    assert!(session_is_live(&app, &seed, &cookie).await, "no refused request ended the session");
    // Percent-encoded in the query itself, the value decodes to `//evil.example`.
    let raw = format!("id_token_hint={id_token}&post_logout_redirect_uri=%2F%2Fevil.example");
    let response = browser.get(&format!("/oauth/logout?{raw}")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());
    // The exact registered URI still works.
    let request = logout_query(&[("id_token_hint", &id_token), ("post_logout_redirect_uri", BACK)]);
    let response = browser.get(&format!("/oauth/logout?{request}")).await;
    assert_eq!(location(&response), BACK);
}

#[tokio::test]
async fn without_a_session_the_same_spellings_are_refused() {
    let (app, seed) = seeded_app_with(|spec| spec.post_logout_redirect_uris = vec![BACK.into()]).await;
    for target in HOSTILE {
        let request = logout_query(&[("client_id", &seed.client_id), ("post_logout_redirect_uri", target)]);
        let response = Browser::new(&app).get(&format!("/oauth/logout?{request}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{target:?}");
        assert!(response.headers().get("location").is_none(), "{target:?}: never redirected");
    }
}

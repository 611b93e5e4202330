//! `POST /oauth/authorize` (OIDC Core §3.1.2.1) from a client's own site: the
//! browser withholds the `SameSite=Lax` session cookie on that cross-site
//! POST, so a cookieless POST is sent on as the same request by GET (a
//! top-level navigation, which carries the cookie), with no cookie of its own.

use crate::support::browser::{Browser, authorize_query, client_redirect, location};
use crate::support::seed::{REDIRECT_URI, seeded_app};

fn form(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

fn fields(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn a_cookieless_post_is_sent_on_as_the_same_request_by_get_without_a_cookie() {
    let (app, seed) = seeded_app().await;
    let pairs = form(&authorize_query(&seed, &[("login_hint", Some("ada+1@example.com"))]));
    let response = Browser::new(&app).post("/oauth/authorize", &fields(&pairs)).await;
    assert_eq!(response.status(), 303);
    assert!(response.headers().get("set-cookie").is_none(), "no anonymous session replaces the user's");
    let again = location(&response);
    let query = again.strip_prefix("/oauth/authorize?").unwrap_or_else(|| panic!("to ourselves: {again}"));
    assert_eq!(form(query), pairs, "the same parameters, in order, byte for byte");
}

#[tokio::test]
async fn following_the_303_with_the_browsers_cookie_keeps_single_sign_on() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::approved(&app, &seed).await;
    let cookie = browser.cookie.clone().unwrap();
    // The client's form, posted cross-site: no cookie.
    let pairs = form(&authorize_query(&seed, &[("state", Some("second"))]));
    let posted =
        app.http.post(format!("{}/oauth/authorize", app.address)).form(&fields(&pairs)).send().await.unwrap();
    assert_eq!(posted.status(), 303);
    assert!(posted.headers().get("set-cookie").is_none());
    // The top-level GET that follows carries it: the code, no login page.
    let answer = browser.get(&location(&posted)).await;
    assert_eq!(answer.status(), 302, "signed in: straight back to the client");
    let params = client_redirect(&answer, REDIRECT_URI);
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(params["state"], "second");
    assert_eq!(browser.cookie.as_deref(), Some(cookie.as_str()), "the session cookie is untouched");
}

#[tokio::test]
async fn a_post_with_the_session_cookie_is_answered_directly() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::approved(&app, &seed).await;
    let pairs = form(&authorize_query(&seed, &[("state", Some("posted"))]));
    let answer = browser.post("/oauth/authorize", &fields(&pairs)).await;
    assert_eq!(answer.status(), 303);
    let params = client_redirect(&answer, REDIRECT_URI);
    assert!(params.contains_key("code"), "{params:?}");
    assert_eq!(params["state"], "posted");
}

#[tokio::test]
async fn a_cookieless_post_too_large_for_a_get_is_refused_on_our_page() {
    let (app, seed) = seeded_app().await;
    let mut pairs = form(&authorize_query(&seed, &[]));
    // Within the form body limit, beyond what a GET may carry.
    pairs.push(("pad".into(), "y".repeat(9000)));
    let response = Browser::new(&app).post("/oauth/authorize", &fields(&pairs)).await;
    assert!(response.status().is_client_error(), "{}", response.status());
    assert!(response.headers().get("location").is_none(), "not sent on");
    assert!(response.headers().get("set-cookie").is_none());
}

//! `X-Forwarded-*` and `Host` are believed only from a configured proxy
//! (RFC 9700 §4.13; RFC 6749 §10.9): from any other peer they change neither
//! the address that login failures are counted against, nor the issuer, nor
//! where the browser is sent (OIDC Discovery §4.3: the issuer is configured).

use oauth_store_diesel::testing::TestDatabase;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HOST};

use crate::support::app::{TestApp, spawn_app_with};
use crate::support::browser::{Browser, COOKIE_NAME, Form, authorize_query, client_redirect, location};
use crate::support::seed::{EMAIL, PASSWORD, REDIRECT_URI, seed, seeded_app};
use crate::support::token::{VERIFIER, verify};

const ISSUER: &str = "http://127.0.0.1:8080";

/// Headers a client might send to pose as another address or another host.
fn forwarded(n: usize) -> [(&'static str, String); 5] {
    [
        ("x-forwarded-for", format!("203.0.113.{n}")),
        ("x-forwarded-host", "evil.example".into()),
        ("x-forwarded-proto", "https".into()),
        ("forwarded", format!("for=203.0.113.{n};host=evil.example;proto=https")),
        ("x-real-ip", format!("203.0.113.{n}")),
    ]
}

/// `POST /login` from the form in `html`, with the forwarded headers of hop `n`.
async fn login_from(
    app: &TestApp,
    cookie: &str,
    html: &str,
    username: &str,
    password: &str,
    n: usize,
) -> StatusCode {
    let form = Form::read(html);
    let fields = form.submission(&[("username", username), ("password", password)]);
    let mut request = app
        .http
        .post(format!("{}/login", app.address))
        .header(COOKIE, format!("{COOKIE_NAME}={cookie}"))
        .form(&fields);
    for (name, value) in forwarded(n) {
        request = request.header(name, value);
    }
    request.send().await.unwrap().status()
}

/// Three failures on three accounts, each claiming another address, then the
/// right password: the status of that last attempt.
async fn last_attempt_after_failures_from_claimed_addresses(trusted_proxies: Vec<String>) -> StatusCode {
    let app = spawn_app_with(TestDatabase::sqlite(), |raw| {
        raw.sign_in.login_max_failures_per_ip = 3;
        raw.server.trusted_proxies = trusted_proxies;
    })
    .await;
    let seed = seed(&app).await;
    let mut browser = Browser::new(&app);
    let html = browser.login_page(&authorize_query(&seed, &[])).await;
    let cookie = browser.cookie.clone().unwrap();
    for n in 1..=3 {
        // A different account each time: only the address counter can fill.
        let username = format!("nobody{n}@example.com");
        assert_eq!(login_from(&app, &cookie, &html, &username, "wrong", n).await, 200, "failure {n}");
    }
    login_from(&app, &cookie, &html, EMAIL, PASSWORD, 4).await
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_does_not_escape_the_address_lock() {
    let status = last_attempt_after_failures_from_claimed_addresses(Vec::new()).await;
    assert_eq!(status, 429, "every failure counted against 127.0.0.1, whatever it claimed");
}

#[tokio::test]
async fn forwarded_for_from_a_configured_proxy_names_the_client() {
    // The counter-check: the same requests through a trusted proxy are four clients.
    let status = last_attempt_after_failures_from_claimed_addresses(vec!["127.0.0.1".into()]).await;
    assert_eq!(status, 303, "each claimed address has one failure");
}

#[tokio::test]
async fn forwarded_headers_change_neither_the_issuer_nor_where_the_browser_is_sent() {
    let (app, seed) = seeded_app().await;
    let with_headers = |request: reqwest::RequestBuilder| {
        forwarded(9).into_iter().fold(request.header(HOST, "evil.example"), |r, (k, v)| r.header(k, v))
    };
    // An error answered by redirect: the registered URI, our issuer.
    let refused = authorize_query(&seed, &[("response_type", Some("token"))]);
    let url = format!("{}/oauth/authorize?{refused}", app.address);
    let response = with_headers(app.http.get(url)).send().await.unwrap();
    let params = client_redirect(&response, REDIRECT_URI);
    assert_eq!(params["iss"], ISSUER);

    // Sign in and consent with the headers on every request.
    let mut browser = Browser::new(&app);
    let html = browser.login_page(&authorize_query(&seed, &[])).await;
    let form = Form::read(&html);
    let as_browser = |request: reqwest::RequestBuilder, cookie: &str| {
        with_headers(request).header(COOKIE, format!("{COOKIE_NAME}={cookie}"))
    };
    let login =
        as_browser(app.http.post(format!("{}/login", app.address)), browser.cookie.as_deref().unwrap())
            .form(&form.submission(&[("username", EMAIL), ("password", PASSWORD)]))
            .send()
            .await
            .unwrap();
    assert_eq!(login.status(), 303);
    let to_consent = location(&login);
    assert!(to_consent.starts_with("/consent?"), "a path on our own host: {to_consent}");
    let prefix = format!("{COOKIE_NAME}=");
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| v.to_str().unwrap().split(';').next()?.strip_prefix(prefix.as_str()).map(str::to_owned))
        .expect("a new session at login");
    let page =
        as_browser(app.http.get(format!("{}{to_consent}", app.address)), &cookie).send().await.unwrap();
    let form = Form::read(&page.text().await.unwrap());
    let answer = as_browser(app.http.post(format!("{}/consent", app.address)), &cookie)
        .form(&form.submission(&[("decision", "approve")]))
        .send()
        .await
        .unwrap();
    let params = client_redirect(&answer, REDIRECT_URI);
    assert_eq!(params["iss"], ISSUER);

    // The ID token names the configured issuer.
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", params["code"].as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
        ("client_id", seed.client_id.as_str()),
    ];
    let tokens: serde_json::Value = with_headers(app.http.post(format!("{}/oauth/token", app.address)))
        .form(&fields)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_token = tokens["id_token"].as_str().unwrap_or_else(|| panic!("{tokens}"));
    let (claims, _) = verify(&app, id_token).await;
    assert_eq!(claims.issuer(), Some(ISSUER));
}

//! The device authorization grant (RFC 8628) as a test plays it: a
//! command-line client asks for codes and polls, and a browser enters the
//! user code at the verification page, signs in and decides.

use oauth_core::client::ClientSpec;
use reqwest::StatusCode;

use crate::support::app::TestApp;
use crate::support::browser::{Browser, Form};
use crate::support::seed::{EMAIL, PASSWORD, Seed, seed_with};
use crate::support::token::{Answer, post_form, token};

pub const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Registers a public command-line client with the device grant.
pub fn device_client(spec: &mut ClientSpec) {
    spec.redirect_uris = vec![];
    spec.grant_types = vec!["device_code".into(), "refresh_token".into()];
    spec.scopes = vec!["openid".into(), "offline_access".into()];
}

/// The seeded user and a public command-line client with the device grant.
pub async fn command_line(app: &TestApp) -> Seed {
    seed_with(app, device_client).await
}

pub async fn ask(app: &TestApp, client_id: &str, scope: &str) -> Answer {
    let url = format!("{}/oauth/device_authorization", app.address);
    post_form(&app.http, &url, &[("client_id", client_id), ("scope", scope)], None).await
}

pub async fn poll(app: &TestApp, client_id: &str, device_code: &str) -> Answer {
    token(app, &[("grant_type", GRANT), ("device_code", device_code), ("client_id", client_id)], None).await
}

/// The page a browser gets at `path`, asserted 200.
pub async fn page(browser: &mut Browser<'_>, path: &str) -> String {
    let response = browser.get(path).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// Posts the form on `html` to `path` with `answers`; the answer's page.
pub async fn submit(
    browser: &mut Browser<'_>,
    html: &str,
    path: &str,
    answers: &[(&str, &str)],
) -> (StatusCode, String) {
    let form = Form::read(html);
    let mut fields = vec![("csrf_token", form.get("csrf_token")), ("user_code", form.get("user_code"))];
    for (name, value) in answers {
        fields.retain(|(key, _)| key != name);
        fields.push((name, value));
    }
    let response = browser.post(path, &fields).await;
    (response.status(), response.text().await.unwrap())
}

/// Enters `user_code` on the verification page, signs in and decides;
/// the last page.
pub async fn approve(app: &TestApp, user_code: &str, decision: &str) -> String {
    let mut browser = Browser::new(app);
    let form = page(&mut browser, "/device").await;
    let (_, login) = submit(&mut browser, &form, "/device", &[("user_code", user_code)]).await;
    assert!(login.contains(r#"name="password""#), "the login form: {login}");
    let (_, consent) =
        submit(&mut browser, &login, "/device/login", &[("username", EMAIL), ("password", PASSWORD)]).await;
    assert!(consent.contains(r#"id="device-warning""#), "the approval page: {consent}");
    let (status, done) = submit(&mut browser, &consent, "/device/decision", &[("decision", decision)]).await;
    assert_eq!(status, StatusCode::OK);
    done
}

//! The account page (`/account`) driven by the scripted browser.

use reqwest::Response;

use super::browser::{Browser, Form};

/// The page's HTML after signing in at `/account` with these credentials;
/// the sign-in must succeed.
pub async fn signed_in_page(browser: &mut Browser<'_>, email: &str, password: &str) -> String {
    let (status, html) = sign_in(browser, email, password).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"id="account-email""#), "expected the account page: {html}");
    html
}

/// Signs in at `/account`: the status and the HTML answered.
pub async fn sign_in(browser: &mut Browser<'_>, email: &str, password: &str) -> (u16, String) {
    let form = browser.get("/account").await;
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    assert!(html.contains("/account/login"), "expected the account sign-in form: {html}");
    let fields =
        [("csrf_token", csrf(&html)), ("username", email.to_owned()), ("password", password.to_owned())];
    read(browser.post("/account/login", &pairs(&fields)).await).await
}

/// The CSRF token of a page's forms.
pub fn csrf(html: &str) -> String {
    Form::read(html).get("csrf_token").to_owned()
}

/// Posts an account form with `fields` (the CSRF token among them when the
/// caller wants it): the status and the HTML answered.
pub async fn post(browser: &mut Browser<'_>, path: &str, fields: &[(&str, String)]) -> (u16, String) {
    read(browser.post(path, &pairs(fields)).await).await
}

/// Revokes the app `client_id` from a signed-in page `html`.
pub async fn revoke(browser: &mut Browser<'_>, html: &str, client_id: &str) -> (u16, String) {
    let fields = [("csrf_token", csrf(html)), ("client_id", client_id.to_owned())];
    post(browser, "/account/apps/revoke", &fields).await
}

/// The ids of the apps a page lists, in order.
pub fn listed_apps(html: &str) -> Vec<String> {
    html.split(r#"name="client_id" value=""#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().replace("&#x2F;", "/"))
        .collect()
}

fn pairs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(name, value)| (*name, value.as_str())).collect()
}

async fn read(response: Response) -> (u16, String) {
    (response.status().as_u16(), response.text().await.unwrap())
}

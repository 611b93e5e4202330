//! Requests to the token, introspection, revocation and userinfo endpoints:
//! a code from the real flow, the forms that spend it, and JWT verification
//! with the keys stored by the server.

use std::collections::HashMap;

use josekit::jwk::Jwk;
use josekit::jws::{ES256, RS256};
use josekit::jwt::{self, JwtPayload};
use oauth_core::ports::SigningKeyRepository as _;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::app::TestApp;
use crate::support::browser::{Browser, Form, authorize_query, client_redirect};
use crate::support::seed::{EMAIL, PASSWORD, REDIRECT_URI, Seed};

/// RFC 7636 Appendix B.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// A fresh code for `seed`'s client through the real browser flow (the user
/// consents the first time and is remembered after).
pub async fn code_for(browser: &mut Browser<'_>, seed: &Seed, scope: &str) -> String {
    code_for_query(browser, &authorize_query(seed, &[("scope", Some(scope))])).await
}

/// [`code_for`] with the whole authorization request's `query` given, signing
/// in again when the server asks for it (`prompt=login`, `max_age`).
pub async fn code_for_query(browser: &mut Browser<'_>, query: &str) -> String {
    let response = browser.get(&format!("/oauth/authorize?{query}")).await;
    let response = if response.status() == StatusCode::FOUND {
        response
    } else if response.status() == StatusCode::OK && browser.cookie.is_some() {
        let html = response.text().await.unwrap();
        if html.contains(r#"name="password""#) {
            let to_consent = browser.submit_login(&html, EMAIL, PASSWORD).await;
            if to_consent.headers().get("location").unwrap().to_str().unwrap().starts_with("/consent") {
                browser.decide(&to_consent, "approve").await
            } else {
                to_consent
            }
        } else {
            browser.post("/consent", &Form::read(&html).submission(&[("decision", "approve")])).await
        }
    } else {
        panic!("unexpected answer {}", response.status())
    };
    client_redirect(&response, REDIRECT_URI)["code"].clone()
}

/// A token request's answer: status, JSON body, headers.
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    pub fn field(&self, name: &str) -> String {
        self.body[name].as_str().unwrap_or_else(|| panic!("no {name} in {}", self.body)).to_owned()
    }
}

/// `POST /oauth/token` with form `fields` and, optionally, Basic credentials.
pub async fn token(app: &TestApp, fields: &[(&str, &str)], basic: Option<(&str, &str)>) -> Answer {
    post_form(&app.http, &format!("{}/oauth/token", app.address), fields, basic).await
}

/// `POST /oauth/introspect` (RFC 7662) of `token` by a client with Basic credentials.
pub async fn introspect(app: &TestApp, token: &str, basic: Option<(&str, &str)>) -> Answer {
    post_form(&app.http, &format!("{}/oauth/introspect", app.address), &[("token", token)], basic).await
}

/// `POST /oauth/revoke` (RFC 7009) with form `fields`.
pub async fn revoke(app: &TestApp, fields: &[(&str, &str)], basic: Option<(&str, &str)>) -> Answer {
    post_form(&app.http, &format!("{}/oauth/revoke", app.address), fields, basic).await
}

/// `GET /userinfo` with the access token as a Bearer token (RFC 6750 §2.1).
pub async fn userinfo_at(http: &reqwest::Client, base: &str, access_token: &str) -> Answer {
    let response = http.get(format!("{base}/userinfo")).bearer_auth(access_token).send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.json().await.unwrap_or(Value::Null);
    Answer { status, body, headers }
}

/// A form posted to `url`, optionally with Basic credentials.
pub async fn post_form(
    http: &reqwest::Client,
    url: &str,
    fields: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> Answer {
    let mut request = http.post(url).form(fields);
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.json().await.unwrap_or(Value::Null);
    Answer { status, body, headers }
}

/// The code exchange's form for a public client.
pub fn exchange<'a>(client_id: &'a str, code: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
        ("client_id", client_id),
    ]
}

/// Verifies a JWT with the server's stored public keys (by `kid`); returns
/// the payload and the header's `typ`, `kid` and `alg`.
pub async fn verify(app: &TestApp, token: &str) -> (JwtPayload, HashMap<&'static str, String>) {
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    let header = jwt::decode_header(token).unwrap();
    let kid = header.claim("kid").and_then(Value::as_str).expect("a kid").to_owned();
    let keys = store.list().await.unwrap();
    let key = keys.iter().find(|k| k.kid == kid).expect("the kid is a stored key");
    let public = Jwk::from_bytes(key.public_jwk.as_bytes()).unwrap();
    let alg = header.claim("alg").and_then(Value::as_str).unwrap().to_owned();
    let (payload, jws_header) = match alg.as_str() {
        "ES256" => jwt::decode_with_verifier(token, &ES256.verifier_from_jwk(&public).unwrap()),
        "RS256" => jwt::decode_with_verifier(token, &RS256.verifier_from_jwk(&public).unwrap()),
        other => panic!("unexpected alg {other}"),
    }
    .expect("the signature verifies");
    let header = HashMap::from([
        ("typ", jws_header.token_type().unwrap_or("").to_owned()),
        ("kid", kid),
        ("alg", alg),
    ]);
    (payload, header)
}

/// A code exchange for `scope` through the real flow: with Basic credentials
/// for a confidential `seed`, by `client_id` for a public one.
pub async fn tokens_for(app: &TestApp, browser: &mut Browser<'_>, seed: &Seed, scope: &str) -> Answer {
    let code = code_for(browser, seed, scope).await;
    match &seed.secret {
        Some(secret) => {
            let fields = [
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", VERIFIER),
            ];
            token(app, &fields, Some((&seed.client_id, secret))).await
        }
        None => token(app, &exchange(&seed.client_id, &code), None).await,
    }
}

/// A refresh request of a public client.
pub fn refresh_fields(
    client_id: &str,
    refresh_token: &str,
    scope: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("grant_type", "refresh_token".to_owned()),
        ("client_id", client_id.to_owned()),
        ("refresh_token", refresh_token.to_owned()),
    ];
    fields.extend(scope.map(|s| ("scope", s.to_owned())));
    fields
}

/// `fields` as the borrowed pairs [`token`] takes.
pub fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

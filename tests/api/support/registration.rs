//! What the dynamic registration suites share: the server with registration
//! on, initial access tokens made through the real service, and requests to
//! the registration and client configuration endpoints.

use std::sync::Arc;

use auth_server::app::open_store;
use auth_server::config::{RawSettings, RegistrationSetting};
use oauth_core::service::registration_tokens::RegistrationTokenService;
use oauth_keys::OsRandom;
use oauth_store_diesel::testing::TestDatabase;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::app::{TestApp, spawn_app_with};
use crate::support::seed::{REDIRECT_URI, Seed, seed};

/// The server on `db` with registration in `mode`, changed by `change`, and
/// the seeded user and registered client.
pub async fn app_with_registration(
    db: TestDatabase,
    mode: RegistrationSetting,
    change: impl FnOnce(&mut RawSettings),
) -> (TestApp, Seed) {
    let app = spawn_app_with(db, |raw| {
        raw.self_asserted.registration = mode;
        change(raw);
    })
    .await;
    let registered = seed(&app).await;
    (app, registered)
}

/// An initial access token allowing `uses` registrations for an hour.
pub async fn initial_token(app: &TestApp, uses: u32) -> String {
    let (store, _) = open_store(&app.config).await.unwrap();
    let store = Arc::new(store);
    let tokens = RegistrationTokenService::new(store, app.clock.clone(), Arc::new(OsRandom::new()));
    let (_, secret) = tokens.create(uses, time::Duration::hours(1)).await.unwrap();
    secret.expose().to_owned()
}

/// A public web client on the suite's redirect URI, named `name`.
pub fn public_client(name: &str) -> Value {
    json!({
        "redirect_uris": [REDIRECT_URI],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "client_name": name,
        "scope": "openid email"
    })
}

/// An answer of the registration endpoints: status, body, headers.
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    pub fn text(&self, member: &str) -> String {
        self.body[member].as_str().unwrap_or_else(|| panic!("no {member} in {}", self.body)).to_owned()
    }

    pub fn error(&self) -> &str {
        self.body["error"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |value| value.to_str().unwrap())
    }
}

/// `method path` with `bearer` and a JSON `body`, as a client would send it.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let url = if path.starts_with("http") { path.to_owned() } else { format!("{}{path}", app.address) };
    let mut request = app.http.request(method, url);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let body = response.json().await.unwrap_or(Value::Null);
    Reply { status, body, headers }
}

/// `POST /oauth/register` of `body`, with an initial access token if given.
pub async fn register(app: &TestApp, body: &Value, bearer: Option<&str>) -> Reply {
    call(app, Method::POST, "/oauth/register", bearer, Some(body)).await
}

/// The path of a registration's configuration endpoint, from its answer,
/// on the test's own address (the issuer differs from it).
pub fn configuration_path(registered: &Reply) -> String {
    let uri = registered.text("registration_client_uri");
    let path = uri.split_once("/oauth/register/").map(|(_, id)| id).unwrap();
    format!("/oauth/register/{path}")
}

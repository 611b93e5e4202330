//! What the metadata-document suites share: the server with documents on
//! (the loopback development switch too) and two APIs, one open to dynamic
//! clients; documents to serve; and the checks of our own error page.

use std::sync::Arc;

use auth_server::app::open_store;
use auth_server::config::RawSettings;
use oauth_core::service::resources::{NewResource, ResourceService};
use oauth_store_diesel::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{TestApp, spawn_app_with};
use crate::support::browser::Browser;
use crate::support::document_server::{DocumentServer, Reply};
use crate::support::seed::{REDIRECT_URI, Seed, seed};

pub const DOC: &str = "/clients/agent.json";
pub const OPEN_API: &str = "https://files.example/mcp";
pub const CLOSED_API: &str = "https://hr.example/";

pub fn on(raw: &mut RawSettings) {
    raw.self_asserted.client_id_metadata_documents = true;
    raw.self_asserted.cimd_allow_http_loopback = true;
    raw.sign_in.api_scopes.insert("files:read".into(), "Read your files".into());
    raw.sign_in.api_scopes.insert("hr:read".into(), "Read your HR record".into());
}

/// The server with documents on, two APIs (one open to dynamic clients),
/// the seeded user and a registered client, and the document server.
pub async fn app_with_documents(change: impl FnOnce(&mut RawSettings)) -> (TestApp, Seed, DocumentServer) {
    let app = spawn_app_with(TestDatabase::sqlite(), |raw| {
        on(raw);
        change(raw);
    })
    .await;
    let (store, _) = open_store(&app.config).await.unwrap();
    let store = Arc::new(store);
    let resources =
        ResourceService::new(store.clone(), store, app.clock.clone(), Arc::new(app.config.scopes.clone()));
    for (uri, scope, open) in [(OPEN_API, "files:read", true), (CLOSED_API, "hr:read", false)] {
        let resource = NewResource {
            uri: uri.into(),
            name: format!("API {scope}"),
            scopes: vec![scope.into()],
            allow_dynamic_clients: open,
            ..NewResource::default()
        };
        resources.create(&resource).await.unwrap();
    }
    let registered = seed(&app).await;
    (app, registered, DocumentServer::start())
}

pub fn document(client_id: &str, redirect_uris: &[&str]) -> Value {
    json!({
        "client_id": client_id,
        "client_name": "Visual <b>Studio</b> Code",
        "redirect_uris": redirect_uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
        "logo_uri": "https://evil.example/logo.png",
        "software_id": "an unknown member, ignored",
        "x-vendor": {"nested": [1, 2, 3]}
    })
}

pub fn as_seed(client_id: &str) -> Seed {
    Seed { client_id: client_id.to_owned(), secret: None }
}

pub async fn authorize(
    app: &TestApp,
    client_id: &str,
    changes: &[(&str, Option<&str>)],
) -> reqwest::Response {
    Browser::new(app).authorize(&as_seed(client_id), changes).await
}

pub async fn assert_error_page(response: reqwest::Response, name: &str) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
    assert!(response.headers().get("location").is_none(), "{name}: never a redirect");
    let html = response.text().await.unwrap();
    assert!(html.contains("cannot be accepted"), "{name}: {html}");
}

pub fn json_reply(value: &Value) -> Reply {
    Reply {
        status: 200,
        body: value.to_string().into_bytes(),
        headers: vec![("content-type".into(), "application/json".into())],
    }
}

/// A valid document padded (by an unknown member) to exactly `size` bytes.
pub fn padded(client_id: &str, size: usize) -> Value {
    let mut value = document(client_id, &[REDIRECT_URI]);
    let base = value.to_string().len() + r#","pad":"""#.len();
    value["pad"] = json!("p".repeat(size - base));
    assert_eq!(value.to_string().len(), size);
    value
}

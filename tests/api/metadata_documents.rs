//! Clients described by client ID metadata documents
//! (draft-ietf-oauth-client-id-metadata-document), through the real server
//! and a document server on loopback (`cimd_allow_http_loopback` on, as in
//! development). Off by default; a document that breaks a rule, or a fetch
//! that is refused, ends at our error page without a redirect; the template
//! decides what such a client gets; its consent page is always shown and
//! says who it is; the cache serves and renews within its bounds.

use std::sync::Arc;

use auth_server::app::{client_service, open_store};
use auth_server::config::RawSettings;
use oauth_core::service::resources::{NewResource, ResourceService};
use oauth_store_diesel::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::Duration;

use crate::support::app::{TestApp, spawn_app_with};
use crate::support::browser::{Browser, authorize_query, client_redirect};
use crate::support::document_server::{DocumentServer, Reply};
use crate::support::seed::{REDIRECT_URI, Seed, seed};
use crate::support::token::{code_for_query, exchange, token, verify};

const DOC: &str = "/clients/agent.json";
const OPEN_API: &str = "https://files.example/mcp";
const CLOSED_API: &str = "https://hr.example/";

fn on(raw: &mut RawSettings) {
    raw.self_asserted.client_id_metadata_documents = true;
    raw.self_asserted.cimd_allow_http_loopback = true;
    raw.sign_in.api_scopes.insert("files:read".into(), "Read your files".into());
    raw.sign_in.api_scopes.insert("hr:read".into(), "Read your HR record".into());
}

/// The server with documents on, two APIs (one open to dynamic clients),
/// the seeded user and a registered client, and the document server.
async fn app_with_documents(change: impl FnOnce(&mut RawSettings)) -> (TestApp, Seed, DocumentServer) {
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

fn document(client_id: &str, redirect_uris: &[&str]) -> Value {
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

fn as_seed(client_id: &str) -> Seed {
    Seed { client_id: client_id.to_owned(), secret: None }
}

async fn authorize(app: &TestApp, client_id: &str, changes: &[(&str, Option<&str>)]) -> reqwest::Response {
    Browser::new(app).authorize(&as_seed(client_id), changes).await
}

async fn assert_error_page(response: reqwest::Response, name: &str) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
    assert!(response.headers().get("location").is_none(), "{name}: never a redirect");
    let html = response.text().await.unwrap();
    assert!(html.contains("cannot be accepted"), "{name}: {html}");
}

#[tokio::test]
async fn discovery_announces_documents_only_when_they_are_on() {
    let off = spawn_app_with(TestDatabase::sqlite(), |_| {}).await;
    let metadata: Value = off.get("/.well-known/openid-configuration").await.json().await.unwrap();
    assert!(metadata.get("client_id_metadata_document_supported").is_none());
    let (app, _, server) = app_with_documents(|_| {}).await;
    let metadata: Value = app.get("/.well-known/openid-configuration").await.json().await.unwrap();
    assert_eq!(metadata["client_id_metadata_document_supported"], true);
    let methods = metadata["token_endpoint_auth_methods_supported"].as_array().unwrap();
    assert!(methods.contains(&json!("none")), "CIMD clients authenticate with none");

    // Off, a URL client id is an unknown client, and nothing is fetched.
    let client_id = server.url(DOC);
    server.document(DOC, &document(&client_id, &[REDIRECT_URI]), None);
    assert_error_page(authorize(&off, &client_id, &[]).await, "documents off").await;
    assert_eq!(server.hits(DOC), 0);
}

#[tokio::test]
async fn a_document_client_signs_in_end_to_end_and_is_asked_every_time() {
    let (app, registered, server) = app_with_documents(|_| {}).await;
    let client_id = server.url(DOC);
    server.document(DOC, &document(&client_id, &[REDIRECT_URI]), Some("max-age=600"));
    let mut browser = Browser::new(&app);
    let query = authorize_query(
        &as_seed(&client_id),
        &[("scope", Some("openid files:read")), ("resource", Some(OPEN_API))],
    );
    let to_consent = browser.sign_in(&query).await;
    let html = browser.consent_page(&to_consent).await;
    let host = server.base.trim_start_matches("http://");
    assert!(
        html.contains(&format!("Allow an app from {host}")),
        "named by its document's host first: {html}"
    );
    assert!(html.contains(r#"id="unverified-client""#), "marked unverified");
    assert!(html.contains("Visual &lt;b&gt;Studio&lt;/b&gt; Code"), "its own name, escaped: {html}");
    assert!(html.contains(r#"<strong id="redirect-host">rp.example</strong>"#), "the redirect host");
    assert!(!html.contains("evil.example"), "no logo or link from the document");
    assert!(!html.contains("loopback-warning"), "an https redirect is not local");
    let answer = browser
        .post("/consent", &crate::support::browser::Form::read(&html).submission(&[("decision", "approve")]))
        .await;
    let code = client_redirect(&answer, REDIRECT_URI)["code"].clone();
    let mut fields = exchange(&client_id, &code);
    fields.push(("resource", OPEN_API));
    let tokens = token(&app, &fields, None).await;
    assert_eq!(tokens.status, StatusCode::OK, "{:?}", tokens.body);
    let (claims, _) = verify(&app, tokens.body["access_token"].as_str().unwrap()).await;
    assert_eq!(claims.claim("client_id").and_then(Value::as_str), Some(client_id.as_str()));
    assert_eq!(claims.claim("aud").and_then(Value::as_str), Some(OPEN_API));
    assert_eq!(server.hits(DOC), 1, "one fetch, then the cached copy");

    // Approved once, asked again: its document may have changed hands.
    let again = browser.get(&format!("/oauth/authorize?{query}")).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert!(again.text().await.unwrap().contains(r#"id="unverified-client""#));

    // The operator sees where it came from.
    let (store, _) = open_store(&app.config).await.unwrap();
    let listed = client_service(&app.config, store).list().await.unwrap();
    let origin = |id: &str| listed.iter().find(|c| c.id.as_str() == id).map(|c| c.origin.as_str());
    assert_eq!(origin(&client_id), Some("metadata_document"));
    assert_eq!(origin(&registered.client_id), Some("registered"));

    // Regression: a registered client's consent is still remembered.
    let mut browser = Browser::new(&app);
    code_for_query(&mut browser, &authorize_query(&registered, &[])).await;
    let remembered = browser.authorize(&registered, &[]).await;
    assert_eq!(remembered.status(), StatusCode::FOUND, "no second consent for a registered client");
}

#[tokio::test]
async fn the_template_decides_what_a_document_client_may_ask() {
    let (app, _, server) = app_with_documents(|_| {}).await;
    let client_id = server.url(DOC);
    server.document(DOC, &document(&client_id, &["http://127.0.0.1/cb"]), None);
    let local = "http://127.0.0.1:53123/cb";
    let closed = authorize(
        &app,
        &client_id,
        &[("redirect_uri", Some(local)), ("resource", Some(CLOSED_API)), ("scope", Some("openid"))],
    )
    .await;
    assert_eq!(client_redirect(&closed, local)["error"], "invalid_target", "not open to dynamic clients");
    let scoped = authorize(
        &app,
        &client_id,
        &[("redirect_uri", Some(local)), ("resource", Some(CLOSED_API)), ("scope", Some("openid hr:read"))],
    )
    .await;
    assert_eq!(client_redirect(&scoped, local)["error"], "invalid_scope", "its scope is beyond the template");
    let unknown_uri =
        authorize(&app, &client_id, &[("redirect_uri", Some("http://127.0.0.1:53123/other"))]).await;
    assert_error_page(unknown_uri, "a redirect URI the document does not list").await;

    let mut browser = Browser::new(&app);
    let query = authorize_query(&as_seed(&client_id), &[("redirect_uri", Some(local))]);
    let to_consent = browser.sign_in(&query).await;
    let html = browser.consent_page(&to_consent).await;
    assert!(html.contains(r#"id="loopback-warning""#), "every redirect is local: {html}");
}

#[tokio::test]
async fn documents_that_break_a_rule_end_at_our_page() {
    let (app, _, server) = app_with_documents(|_| {}).await;
    let id = |path: &str| server.url(path);
    let cases: Vec<(&str, Reply)> = vec![
        ("/mismatch.json", json_reply(&document(&format!("{}/", id("/mismatch.json")), &[REDIRECT_URI]))),
        ("/no-uris.json", json_reply(&json!({"client_id": id("/no-uris.json"), "client_name": "X"}))),
        (
            "/secret.json",
            json_reply(
                &json!({"client_id": id("/secret.json"), "client_name": "X", "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "client_secret_basic"}),
            ),
        ),
        ("/array.json", json_reply(&json!([id("/array.json")]))),
        ("/html.json", Reply { status: 200, body: b"<html>hello</html>".to_vec(), headers: Vec::new() }),
        ("/missing.json", Reply { status: 404, body: Vec::new(), headers: Vec::new() }),
        ("/failing.json", Reply { status: 500, body: Vec::new(), headers: Vec::new() }),
        ("/huge.json", json_reply(&padded(&id("/huge.json"), 5 * 1024 + 1))),
        (
            "/moved.json",
            Reply { status: 302, body: Vec::new(), headers: vec![("location".into(), id("/target.json"))] },
        ),
    ];
    server.document("/target.json", &document(&id("/target.json"), &[REDIRECT_URI]), None);
    for (path, reply) in cases {
        server.serve(path, reply);
        assert_error_page(authorize(&app, &id(path), &[]).await, path).await;
        assert_eq!(server.hits(path), 1, "{path}: fetched once, nothing followed");
    }
    assert_eq!(server.hits("/target.json"), 0, "a redirect is never followed");
    let fits = padded(&id("/fits.json"), 4 * 1024);
    server.serve("/fits.json", json_reply(&fits));
    assert_eq!(authorize(&app, &id("/fits.json"), &[]).await.status(), StatusCode::OK, "4 KiB is accepted");
}

fn json_reply(value: &Value) -> Reply {
    Reply {
        status: 200,
        body: value.to_string().into_bytes(),
        headers: vec![("content-type".into(), "application/json".into())],
    }
}

/// A valid document padded (by an unknown member) to exactly `size` bytes.
fn padded(client_id: &str, size: usize) -> Value {
    let mut value = document(client_id, &[REDIRECT_URI]);
    let base = value.to_string().len() + r#","pad":"""#.len();
    value["pad"] = json!("p".repeat(size - base));
    assert_eq!(value.to_string().len(), size);
    value
}

#[tokio::test]
async fn loopback_and_private_addresses_are_refused_without_the_switch() {
    let (app, _, server) = app_with_documents(|raw| raw.self_asserted.cimd_allow_http_loopback = false).await;
    let client_id = server.url(DOC);
    server.document(DOC, &document(&client_id, &[REDIRECT_URI]), None);
    let https_loopback = client_id.replace("http://", "https://");
    for id in [
        client_id.as_str(),
        https_loopback.as_str(),
        "https://10.0.0.5/c.json",
        "https://[::ffff:169.254.169.254]/c.json",
        "https://[fd00:ec2::254]/latest",
    ] {
        assert_error_page(authorize(&app, id, &[]).await, id).await;
    }
    assert_eq!(server.hits(DOC), 0, "nothing reached the loopback server");
}

#[tokio::test]
async fn the_cache_serves_until_the_max_age_then_a_changed_document_applies() {
    let (app, _, server) = app_with_documents(|_| {}).await;
    let client_id = server.url(DOC);
    server.document(DOC, &document(&client_id, &[REDIRECT_URI]), Some("max-age=120"));
    assert_eq!(authorize(&app, &client_id, &[]).await.status(), StatusCode::OK);
    assert_eq!(authorize(&app, &client_id, &[]).await.status(), StatusCode::OK);
    assert_eq!(server.hits(DOC), 1, "the second request used the copy");

    server.document(DOC, &document(&client_id, &["https://rp.example/elsewhere"]), Some("max-age=120"));
    app.clock.advance(Duration::seconds(119));
    assert_eq!(authorize(&app, &client_id, &[]).await.status(), StatusCode::OK, "still the copy");
    app.clock.advance(Duration::seconds(1));
    assert_error_page(authorize(&app, &client_id, &[]).await, "the dropped redirect URI").await;
    assert_eq!(server.hits(DOC), 2);
}

#[tokio::test]
async fn an_operator_can_disable_a_document_client() {
    let (app, _, server) = app_with_documents(|_| {}).await;
    let client_id = server.url(DOC);
    server.document(DOC, &document(&client_id, &[REDIRECT_URI]), None);
    assert_eq!(authorize(&app, &client_id, &[]).await.status(), StatusCode::OK);
    let (store, _) = open_store(&app.config).await.unwrap();
    let clients = client_service(&app.config, store);
    clients.set_disabled(&client_id, true).await.unwrap();
    assert_error_page(authorize(&app, &client_id, &[]).await, "disabled").await;
    let refused = clients.update(&client_id, oauth_core::service::clients::ClientUpdate::default()).await;
    assert!(refused.unwrap_err().to_string().contains("described by its own metadata document"));
}

/// The real binary: the development switch is announced at every start, and
/// a refused document is a security event naming the client and the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_warns_of_the_switch_and_logs_each_refusal() {
    let server = DocumentServer::start();
    server.serve("/gone.json", Reply { status: 404, body: Vec::new(), headers: Vec::new() });
    let binary = crate::support::binary::Binary::new();
    let env = [
        ("AUTH_BIND", "127.0.0.1:0"),
        ("AUTH_CLIENT_ID_METADATA_DOCUMENTS", "true"),
        ("AUTH_CIMD_ALLOW_HTTP_LOOPBACK", "true"),
    ];
    let running = binary.serve(&env);
    let warned = running.seen.iter().any(|line| line.contains(r#""event":"cimd_http_loopback_allowed""#));
    assert!(warned, "the start-up log warns: {:?}", running.seen);
    let client_id = server.url("/gone.json");
    let query = authorize_query(&as_seed(&client_id), &[]);
    let url = format!("http://{}/oauth/authorize?{query}", running.address);
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let (_, log) = running.terminate();
    let event = log
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| line["event"] == "cimd_fetch_refused")
        .unwrap_or_else(|| panic!("no cimd_fetch_refused event in:\n{log}"));
    assert_eq!(event["reason"], "status");
    assert_eq!(event["client_id"], client_id.as_str());
}

//! Clients described by client ID metadata documents
//! (draft-ietf-oauth-client-id-metadata-document), through the real server
//! and a document server on loopback (`cimd_allow_http_loopback` on, as in
//! development): off by default; the whole flow; the template deciding
//! what such a client gets; its login and consent pages, always shown and
//! saying who it is; an operator's disable and delete; the binary's warning
//! and security events.

use auth_server::app::{client_service, open_store};
use oauth_store_diesel::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::spawn_app_with;
use crate::support::browser::{Browser, Form, authorize_query, client_redirect};
use crate::support::document_server::{DocumentServer, Reply};
use crate::support::documents::{
    CLOSED_API, DOC, OPEN_API, app_with_documents, as_seed, assert_error_page, authorize, document,
};
use crate::support::seed::REDIRECT_URI;
use crate::support::token::{code_for_query, exchange, token, userinfo_at, verify};

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
    let answer = browser.post("/consent", &Form::read(&html).submission(&[("decision", "approve")])).await;
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
    let login = Browser::new(&app).login_page(&query).await;
    assert!(login.contains(r#"id="unverified-client""#), "the login page marks it too: {login}");
    assert!(login.contains("an app from <strong>127.0.0.1:"), "named by its document's host: {login}");
    let to_consent = browser.sign_in(&query).await;
    let html = browser.consent_page(&to_consent).await;
    assert!(html.contains(r#"id="loopback-warning""#), "every redirect is local: {html}");
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
    assert!(refused.unwrap_err().to_string().contains("describes itself"));
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
#[tokio::test]
async fn a_deleted_document_client_stays_gone_for_its_old_tokens() {
    let (app, _, server) = app_with_documents(|_| {}).await;
    let client_id = server.url(DOC);
    server.document(DOC, &document(&client_id, &[REDIRECT_URI]), None);
    let mut browser = Browser::new(&app);
    let code = code_for_query(&mut browser, &authorize_query(&as_seed(&client_id), &[])).await;
    let tokens = token(&app, &exchange(&client_id, &code), None).await;
    let access = tokens.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(userinfo_at(&app.http, &app.address, &access).await.status, StatusCode::OK);
    let (store, _) = open_store(&app.config).await.unwrap();
    client_service(&app.config, store).delete(&client_id).await.unwrap();
    let hits = server.hits(DOC);
    assert_eq!(userinfo_at(&app.http, &app.address, &access).await.status, StatusCode::UNAUTHORIZED);
    let refused =
        token(&app, &[("grant_type", "authorization_code"), ("code", "x"), ("client_id", &client_id)], None)
            .await;
    assert_eq!(refused.error(), "invalid_client", "not brought back by a token request");
    assert_eq!(server.hits(DOC), hits, "and nothing fetched for it");
}

#[tokio::test]
async fn only_the_authorization_endpoint_fetches_a_new_document() {
    let (app, _, server) = app_with_documents(|_| {}).await;
    let client_id = server.url(DOC);
    server.document(DOC, &document(&client_id, &[REDIRECT_URI]), None);
    let at_token =
        token(&app, &[("grant_type", "authorization_code"), ("code", "x"), ("client_id", &client_id)], None)
            .await;
    assert_eq!(at_token.error(), "invalid_client");
    let encoded: String = url::form_urlencoded::byte_serialize(client_id.as_bytes()).collect();
    for path in
        [format!("/oauth/logout?client_id={encoded}"), format!("/consent?request=x&client_id={encoded}")]
    {
        // Logout answers with its page whatever the client; start-again
        // names no client it does not already know.
        let response = app.get(&path).await;
        assert!(!response.status().is_server_error(), "{path}: {}", response.status());
    }
    assert_eq!(server.hits(DOC), 0, "no endpoint but /oauth/authorize fetches an unknown document");
}

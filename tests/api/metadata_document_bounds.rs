//! The bounds on clients described by metadata documents, through the real
//! server and a loopback document server: every broken document and every
//! refused fetch ends at our page without a redirect; loopback and
//! non-public addresses are refused without the development switch (here
//! documentation addresses, which no test may route to; the address
//! policy's unit tests cover every special-purpose range); the cache serves
//! within its bounds; each address brings in a bounded number of new
//! clients; the janitor sweeps those nobody approved.

use auth_server::app::{open_store, retention_service};
use oauth_core::client::ClientId;
use oauth_core::ports::ClientRepository as _;
use reqwest::StatusCode;
use serde_json::json;
use time::Duration;

use crate::support::browser::{Browser, authorize_query};
use crate::support::document_server::Reply;
use crate::support::documents::{
    DOC, app_with_documents, as_seed, assert_error_page, authorize, document, json_reply, padded,
};
use crate::support::seed::REDIRECT_URI;
use crate::support::token::code_for_query;

#[tokio::test]
async fn documents_that_break_a_rule_end_at_our_page() {
    let (app, _, server) = app_with_documents(|raw| raw.self_asserted.cimd_new_clients_per_ip = 100).await;
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
        (
            "/text.json",
            Reply {
                status: 200,
                body: document(&id("/text.json"), &[REDIRECT_URI]).to_string().into_bytes(),
                headers: vec![("content-type".into(), "text/plain".into())],
            },
        ),
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

#[tokio::test]
async fn loopback_and_private_addresses_are_refused_without_the_switch() {
    let (app, _, server) = app_with_documents(|raw| raw.self_asserted.cimd_allow_http_loopback = false).await;
    let client_id = server.url(DOC);
    server.document(DOC, &document(&client_id, &[REDIRECT_URI]), None);
    let https_loopback = client_id.replace("http://", "https://");
    for id in [
        client_id.as_str(),
        https_loopback.as_str(),
        "https://192.0.2.5/c.json",
        "https://198.51.100.7/c.json",
        "https://[2001:db8::5]/latest",
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
async fn each_address_brings_in_a_bounded_number_of_new_clients() {
    let (app, _, server) = app_with_documents(|raw| raw.self_asserted.cimd_new_clients_per_ip = 2).await;
    for n in 0..3 {
        let path = format!("/agents/{n}.json");
        server.document(&path, &document(&server.url(&path), &[REDIRECT_URI]), None);
    }
    for n in 0..2 {
        let response = authorize(&app, &server.url(&format!("/agents/{n}.json")), &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "new client {n}");
    }
    let third = authorize(&app, &server.url("/agents/2.json"), &[]).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().get("retry-after").is_some());
    assert_eq!(server.hits("/agents/2.json"), 0, "refused before any fetch");
    let known = authorize(&app, &server.url("/agents/0.json"), &[]).await;
    assert_eq!(known.status(), StatusCode::OK, "a client already in is not charged again");
}

#[tokio::test]
async fn the_janitor_sweeps_document_clients_nobody_approved() {
    let (app, _, server) = app_with_documents(|_| {}).await;
    let (approved, idle) = (server.url(DOC), server.url("/idle.json"));
    server.document(DOC, &document(&approved, &[REDIRECT_URI]), None);
    server.document("/idle.json", &document(&idle, &[REDIRECT_URI]), None);
    code_for_query(&mut Browser::new(&app), &authorize_query(&as_seed(&approved), &[])).await;
    assert_eq!(authorize(&app, &idle, &[]).await.status(), StatusCode::OK);
    // The app's event writer is idle before this store writes beside it:
    // SQLite refuses a transaction that read before another connection wrote.
    app.events.flush().await;
    let (store, _) = open_store(&app.config).await.unwrap();
    let janitor = retention_service(&app.config, &store, app.clock.clone());
    let id = |text: &str| ClientId::parse(text).unwrap();
    janitor.purge_sign_in_state(100).await.unwrap();
    assert!(store.find(&id(&idle)).await.unwrap().is_some(), "younger than a day: kept");
    app.clock.advance(Duration::days(1) + Duration::seconds(1));
    janitor.purge_sign_in_state(100).await.unwrap();
    assert!(store.find(&id(&idle)).await.unwrap().is_none(), "never approved: swept");
    assert!(store.find(&id(&approved)).await.unwrap().is_some(), "approved: kept");
}

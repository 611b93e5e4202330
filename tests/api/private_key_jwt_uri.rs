//! `private_key_jwt` with the keys a client publishes at its `jwks_uri`
//! (RFC 7591 §2), through the real server: fetched from a server this test
//! starts on loopback (reachable only with `jwks_uri_allow_http_loopback`),
//! kept, fetched again when the client rotates its keys (OIDC Core
//! §10.1.1) but at most once a minute, and refused whenever the fetch is.

use oauth_store_diesel::testing::TestDatabase;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{TestApp, spawn_app, spawn_app_with};
use crate::support::assertions::{CLIENT_CREDENTIALS, ClientKey, claims, with_assertion};
use crate::support::document_server::{DocumentServer, Reply};
use crate::support::seed::{Seed, register};
use auth_server::app::{client_service, open_store};
use oauth_core::client::ClientSpec;

async fn app_fetching_from_loopback() -> TestApp {
    spawn_app_with(TestDatabase::sqlite(), |raw| raw.client_keys.jwks_uri_allow_http_loopback = true).await
}

/// A machine client (client credentials) whose keys are at `jwks_uri`.
async fn publishing_machine(app: &TestApp, name: &str, jwks_uri: &str) -> Seed {
    register(app, name, |spec| {
        spec.client_type = "confidential".into();
        spec.auth_method = Some("private_key_jwt".into());
        spec.jwks_uri = Some(jwks_uri.into());
        spec.grant_types = vec!["authorization_code".into(), "client_credentials".into()];
        spec.scopes = vec!["openid".into()];
    })
    .await
}

fn set_of(keys: &[&ClientKey]) -> Value {
    json!({ "keys": keys.iter().map(|key| key.public()).collect::<Vec<_>>() })
}

async fn token_for(app: &TestApp, client: &Seed, key: &ClientKey, kid: &str) -> (StatusCode, Value) {
    let assertion = key.sign(&claims(app, &client.client_id), kid);
    let answer = with_assertion(app, "/oauth/token", &CLIENT_CREDENTIALS, &assertion).await;
    (answer.status, answer.body)
}

#[tokio::test]
async fn keys_published_at_a_jwks_uri_authenticate_the_client_from_one_fetch() {
    let app = app_fetching_from_loopback().await;
    let keys = DocumentServer::start();
    let key = ClientKey::generate();
    keys.document("/jwks.json", &set_of(&[&key]), Some("max-age=300"));
    let client = publishing_machine(&app, "Publisher", &keys.url("/jwks.json")).await;
    assert_eq!(client.secret, None, "no secret is issued");

    for _ in 0..2 {
        let (status, body) = token_for(&app, &client, &key, "k1").await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // RFC 9126 §2: PAR authenticates as the token endpoint does, from the
    // same kept copy.
    let query = crate::support::browser::authorize_query(&client, &[("scope", Some("openid"))]);
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let pushed =
        with_assertion(&app, "/oauth/par", &fields, &key.sign(&claims(&app, &client.client_id), "k1")).await;
    assert_eq!(pushed.status, StatusCode::CREATED, "{}", pushed.body);
    assert_eq!(keys.hits("/jwks.json"), 1, "every assertion after the first used the kept copy");

    // Twenty forged assertions naming unknown kids within the minute are
    // refused and fetch nothing: the copy is younger than the cooldown.
    for n in 0..20 {
        let forger = ClientKey::named(&format!("forged-{n}"));
        let (status, body) = token_for(&app, &client, &forger, &format!("forged-{n}")).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    }
    assert_eq!(keys.hits("/jwks.json"), 1);
}

/// OIDC Core §10.1.1: a new `kid` makes us fetch the set again, but at
/// most once a minute, so forged assertions cannot make us fetch at will;
/// a withdrawn key stops working once the set is fetched again.
#[tokio::test]
async fn a_client_that_rotates_its_keys_is_fetched_again_at_most_once_a_minute() {
    let app = app_fetching_from_loopback().await;
    let keys = DocumentServer::start();
    let (old, new) = (ClientKey::named("k1"), ClientKey::named("k2"));
    keys.document("/jwks.json", &set_of(&[&old]), Some("max-age=3600"));
    let client = publishing_machine(&app, "Rotator", &keys.url("/jwks.json")).await;
    assert_eq!(token_for(&app, &client, &old, "k1").await.0, StatusCode::OK);

    keys.document("/jwks.json", &set_of(&[&new]), Some("max-age=3600"));
    app.clock.advance(time::Duration::seconds(10));
    assert_eq!(token_for(&app, &client, &new, "k2").await.0, StatusCode::UNAUTHORIZED, "within the cooldown");
    assert_eq!(keys.hits("/jwks.json"), 1);

    app.clock.advance(time::Duration::seconds(50));
    let (status, body) = token_for(&app, &client, &new, "k2").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(keys.hits("/jwks.json"), 2, "fetched again for the new kid");
    assert_eq!(token_for(&app, &client, &old, "k1").await.0, StatusCode::UNAUTHORIZED, "the withdrawn key");
    assert_eq!(keys.hits("/jwks.json"), 2);
}

fn reply(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
    Reply { status, body: body.into(), headers: vec![("content-type".into(), content_type.into())] }
}

/// Every fetch that does not yield a usable set is an `invalid_client`,
/// never a 500; a redirect is not followed.
#[tokio::test]
async fn a_key_set_that_cannot_be_used_refuses_the_client() {
    let app = app_fetching_from_loopback().await;
    let keys = DocumentServer::start();
    let key = ClientKey::generate();
    keys.document("/jwks.json", &set_of(&[&key]), None);
    let set = set_of(&[&key]).to_string();
    let mut encryption = key.public();
    encryption["use"] = json!("enc");
    let padding = "x".repeat(70 * 1024);
    let cases = [
        ("/status", reply(500, "application/json", set.clone())),
        (
            "/redirect",
            Reply { status: 302, body: vec![], headers: vec![("location".into(), keys.url("/jwks.json"))] },
        ),
        ("/text", reply(200, "text/plain", set.clone())),
        (
            "/huge",
            reply(200, "application/json", json!({ "keys": [key.public()], "pad": padding }).to_string()),
        ),
        ("/not-a-set", reply(200, "application/json", key.public().to_string())),
        ("/encryption-key", reply(200, "application/json", json!({ "keys": [encryption] }).to_string())),
    ];
    for (n, (path, answer)) in cases.into_iter().enumerate() {
        keys.serve(path, answer);
        let client = publishing_machine(&app, &format!("Broken {n}"), &keys.url(path)).await;
        let (status, body) = token_for(&app, &client, &key, "k1").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_client")),
            "{path}"
        );
        assert_eq!(keys.hits(path), 1, "{path}");
    }
    assert_eq!(keys.hits("/jwks.json"), 0, "the redirect was not followed");
}

/// Without the development switch nothing is fetched over plain http:
/// the request never reaches the host. A URL whose host is an address the
/// fetcher never dials is refused when the client is registered
/// (docs/SECURITY.md § Outbound fetches).
#[tokio::test]
async fn plain_http_and_internal_addresses_are_never_fetched() {
    let app = spawn_app().await;
    let keys = DocumentServer::start();
    let key = ClientKey::generate();
    keys.document("/jwks.json", &set_of(&[&key]), None);
    let plain = publishing_machine(&app, "Plain", &keys.url("/jwks.json")).await;
    let (status, body) = token_for(&app, &plain, &key, "k1").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    assert_eq!(keys.hits("/jwks.json"), 0, "no request reached the loopback server");

    let (store, _) = open_store(&app.config).await.unwrap();
    let clients = client_service(&app.config, store);
    for internal in
        ["https://192.0.2.1/jwks.json", "https://[2001:db8::1]/jwks.json", "https://[::1]/jwks.json"]
    {
        let spec = ClientSpec {
            name: format!("Internal {internal}"),
            client_type: "confidential".into(),
            auth_method: Some("private_key_jwt".into()),
            jwks_uri: Some(internal.into()),
            grant_types: vec!["client_credentials".into()],
            scopes: vec!["openid".into()],
            ..ClientSpec::default()
        };
        let refused = clients.create(&spec).await.unwrap_err();
        assert!(refused.to_string().contains("public address"), "{internal}: {refused}");
    }
}

//! The example resource server (`examples/resource_server.rs`) against the
//! real server: it publishes its RFC 9728 metadata, challenges a request
//! without a token, accepts a token minted for it with the route's scope,
//! and refuses tokens minted for another API or for the server's default
//! audience, garbage, and a token without the scope a route needs.

use std::net::TcpListener;
use std::sync::Arc;

use auth_server::config::RawSettings;
use oauth_core::ports::Clock;
use serde_json::{Value, json};

use crate::support::app::{TestApp, spawn_app_at_its_issuer_with, start, test_config_with};
use crate::support::resource_server::{ProtectedApi, serve};
use crate::support::seed::{confidential, register};
use crate::support::token::post_form;

fn calendar_scopes(raw: &mut RawSettings) {
    for (scope, description) in
        [("calendar:read", "See your calendar"), ("calendar:write", "Change your calendar")]
    {
        raw.sign_in.api_scopes.insert(scope.into(), description.into());
    }
}

/// Another instance of `app`'s server (same database, keys and issuer)
/// whose access tokens carry `audience` (the issuer when empty).
async fn instance_with_audience(app: &TestApp, audience: &str) -> String {
    let config = test_config_with(&app.db, &app.config.database.data_dir, |raw| {
        raw.server.issuer.clone_from(&app.address);
        calendar_scopes(raw);
        audience.clone_into(&mut raw.tokens.access_token_audience);
    });
    start(&config, app.clock.clone()).await
}

/// A `client_credentials` token from the server at `base` with `scope`.
async fn token_from(app: &TestApp, base: &str, credentials: (&str, &str), scope: &str) -> String {
    let fields = [("grant_type", "client_credentials"), ("scope", scope)];
    let answer = post_form(&app.http, &format!("{base}/oauth/token"), &fields, Some(credentials)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.field("access_token")
}

#[tokio::test]
async fn the_example_api_accepts_only_its_own_tokens_with_the_route_s_scope() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let resource = format!("http://{}", listener.local_addr().unwrap());
    let app = spawn_app_at_its_issuer_with(|raw| {
        calendar_scopes(raw);
        raw.tokens.access_token_audience.clone_from(&resource);
    })
    .await;
    let machine = register(&app, "Calendar sync", |spec| {
        confidential(spec);
        spec.redirect_uris = vec![];
        spec.grant_types = vec!["client_credentials".into()];
        spec.scopes = vec!["calendar:read".into(), "calendar:write".into()];
    })
    .await;
    let clock = app.clock.clone();
    let api = ProtectedApi::discover(&app.address, &resource, Arc::new(move || clock.now().unix_timestamp()))
        .await
        .expect("the example reads our discovery document and JWKS");
    tokio::spawn(serve(api, listener).unwrap());
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, token: Option<String>| {
        let mut request = http.request(method, format!("{resource}/events"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let challenge = |response: &reqwest::Response| {
        response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };

    let metadata: Value = http
        .get(format!("{resource}/.well-known/oauth-protected-resource"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resource"], resource.as_str(), "RFC 9728 §3.3: the resource it was fetched for");
    assert_eq!(metadata["authorization_servers"], json!([app.address]));
    assert_eq!(metadata["bearer_methods_supported"], json!(["header"]));

    let anonymous = call(reqwest::Method::GET, None).await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        challenge(&anonymous),
        format!("Bearer resource_metadata=\"{resource}/.well-known/oauth-protected-resource\""),
        "RFC 9728 §5.1: a client learns where to look, and no error code without a token (RFC 6750 §3.1)"
    );

    let credentials = machine.credentials();
    let reader = token_from(&app, &app.address, credentials, "calendar:read").await;
    let ok = call(reqwest::Method::GET, Some(reader.clone())).await.unwrap();
    assert_eq!(ok.status(), 200, "its own token with the route's scope");
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["owner"], machine.client_id.as_str());

    let write = call(reqwest::Method::POST, Some(reader)).await.unwrap();
    assert_eq!(write.status(), 403, "RFC 6750 §3.1: the right token, the wrong scope");
    assert!(challenge(&write).contains("error=\"insufficient_scope\""), "{}", challenge(&write));
    assert!(challenge(&write).contains("scope=\"calendar:write\""), "{}", challenge(&write));
    let writer = token_from(&app, &app.address, credentials, "calendar:write").await;
    assert_eq!(call(reqwest::Method::POST, Some(writer)).await.unwrap().status(), 201);

    let payroll = instance_with_audience(&app, "https://payroll.example.com").await;
    let default = instance_with_audience(&app, "").await;
    for (what, token) in [
        ("a token minted for another API", token_from(&app, &payroll, credentials, "calendar:read").await),
        ("a token for the default audience", token_from(&app, &default, credentials, "calendar:read").await),
        ("not a token", "not.a.token".to_owned()),
    ] {
        let refused = call(reqwest::Method::GET, Some(token)).await.unwrap();
        assert_eq!(refused.status(), 401, "{what}");
        assert!(challenge(&refused).contains("error=\"invalid_token\""), "{what}: {}", challenge(&refused));
    }
}

//! The example resource server (`examples/resource_server.rs`) against the
//! real server: it publishes its RFC 9728 metadata, challenges a request
//! without a token, accepts a token minted for it with the route's scope,
//! and refuses tokens minted for another API or for the server's default
//! audience, garbage, tokens outside the `Authorization` header, and a
//! token without the scope a route needs.

use std::net::TcpListener;
use std::sync::Arc;

use auth_server::config::RawSettings;
use oauth_core::ports::Clock;
use serde_json::{Value, json};

use crate::support::app::{TestApp, spawn_app_at_its_issuer_with, start, test_config_with};
use crate::support::resource_server::{ProtectedApi, serve};
use crate::support::seed::{Seed, confidential, register};
use crate::support::token::post_form;

fn calendar_scopes(raw: &mut RawSettings) {
    for (scope, description) in
        [("calendar:read", "See your calendar"), ("calendar:write", "Change your calendar")]
    {
        raw.sign_in.api_scopes.insert(scope.into(), description.into());
    }
}

/// Our server minting for the example API, a machine client with both
/// scopes, and the example API serving on loopback.
struct Fixture {
    app: TestApp,
    machine: Seed,
    resource: String,
    http: reqwest::Client,
}

impl Fixture {
    async fn start() -> Self {
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
        let api =
            ProtectedApi::discover(&app.address, &resource, Arc::new(move || clock.now().unix_timestamp()))
                .await
                .expect("the example reads our discovery document and JWKS");
        tokio::spawn(serve(api, listener).unwrap());
        Self { app, machine, resource, http: reqwest::Client::new() }
    }

    /// A `client_credentials` token from the server at `base` with `scope`.
    async fn token_from(&self, base: &str, scope: &str) -> String {
        let fields = [("grant_type", "client_credentials"), ("scope", scope)];
        let answer = post_form(
            &self.app.http,
            &format!("{base}/oauth/token"),
            &fields,
            Some(self.machine.credentials()),
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.field("access_token")
    }

    /// Another instance of the server (same database, keys and issuer)
    /// whose access tokens carry `audience` (the issuer when empty).
    async fn instance_with_audience(&self, audience: &str) -> String {
        let config = test_config_with(&self.app.db, &self.app.config.database.data_dir, |raw| {
            raw.server.issuer.clone_from(&self.app.address);
            calendar_scopes(raw);
            audience.clone_into(&mut raw.tokens.access_token_audience);
        });
        start(&config, self.app.clock.clone()).await
    }

    async fn call(&self, method: reqwest::Method, token: Option<&str>) -> reqwest::Response {
        let mut request = self.http.request(method, format!("{}/events", self.resource));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    fn metadata_url(&self) -> String {
        format!("{}/.well-known/oauth-protected-resource", self.resource)
    }
}

fn challenge(response: &reqwest::Response) -> String {
    response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_example_api_serves_metadata_and_accepts_its_own_tokens_with_the_route_s_scope() {
    let f = Fixture::start().await;
    let metadata: Value = f.http.get(f.metadata_url()).send().await.unwrap().json().await.unwrap();
    assert_eq!(metadata["resource"], f.resource.as_str(), "RFC 9728 §3.3: the resource it was fetched for");
    assert_eq!(metadata["authorization_servers"], json!([f.app.address]));
    assert_eq!(metadata["bearer_methods_supported"], json!(["header"]));

    let anonymous = f.call(reqwest::Method::GET, None).await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        challenge(&anonymous),
        format!("Bearer resource_metadata=\"{}\"", f.metadata_url()),
        "RFC 9728 §5.1: a client learns where to look, and no error code without a token (RFC 6750 §3.1)"
    );

    let reader = f.token_from(&f.app.address, "calendar:read").await;
    let ok = f.call(reqwest::Method::GET, Some(&reader)).await;
    assert_eq!(ok.status(), 200, "its own token with the route's scope");
    let body: Value = ok.json().await.unwrap();
    assert_eq!(body["owner"], f.machine.client_id.as_str());

    let write = f.call(reqwest::Method::POST, Some(&reader)).await;
    assert_eq!(write.status(), 403, "RFC 6750 §3.1: the right token, the wrong scope");
    assert!(challenge(&write).contains("error=\"insufficient_scope\""), "{}", challenge(&write));
    assert!(challenge(&write).contains("scope=\"calendar:write\""), "{}", challenge(&write));
    let writer = f.token_from(&f.app.address, "calendar:write").await;
    assert_eq!(f.call(reqwest::Method::POST, Some(&writer)).await.status(), 201);
}

#[tokio::test]
async fn the_example_api_refuses_tokens_for_other_audiences_and_outside_the_header() {
    let f = Fixture::start().await;
    let payroll = f.instance_with_audience("https://payroll.example.com").await;
    let default = f.instance_with_audience("").await;
    let invalid = format!(
        "Bearer resource_metadata=\"{}\", error=\"invalid_token\", error_description=\"the access token is not accepted\"",
        f.metadata_url()
    );
    for (what, token) in [
        ("a token minted for another API", f.token_from(&payroll, "calendar:read").await),
        ("a token for the default audience", f.token_from(&default, "calendar:read").await),
        ("not a token", "not.a.token".to_owned()),
    ] {
        let refused = f.call(reqwest::Method::GET, Some(&token)).await;
        assert_eq!(refused.status(), 401, "{what}");
        assert_eq!(challenge(&refused), invalid, "{what}: the same answer whatever failed");
    }

    // RFC 6750 §2.1 only: a token in the query string or under another
    // scheme is no token at all.
    let good = f.token_from(&f.app.address, "calendar:read").await;
    let events = format!("{}/events", f.resource);
    let in_query = f.http.get(format!("{events}?access_token={good}")).send().await.unwrap();
    let basic = f.http.get(&events).header("authorization", format!("Basic {good}")).send().await.unwrap();
    for (what, refused) in [("query string", in_query), ("Basic scheme", basic)] {
        assert_eq!(refused.status(), 401, "{what}");
        assert!(
            !challenge(&refused).contains("error="),
            "{what}: no token, no error code: {}",
            challenge(&refused)
        );
    }
    assert_eq!(
        f.call(reqwest::Method::GET, Some(&good)).await.status(),
        200,
        "the same token, in the header"
    );
}

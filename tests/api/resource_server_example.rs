//! The example resource server (`examples/resource_server.rs`) against the
//! real server: it publishes its RFC 9728 metadata, challenges a request
//! without a token, accepts a token minted for it with the route's scope,
//! and refuses tokens minted for another API or for the server's default
//! audience, garbage, tokens outside the `Authorization` header, and a
//! token without the scope a route needs. A DPoP-bound token (RFC 9449)
//! passes only with a fresh proof of its key, never as Bearer, and a
//! bearer token does not pass as DPoP.

use std::net::TcpListener;
use std::sync::Arc;

use auth_server::config::RawSettings;
use oauth_core::ports::Clock;
use serde_json::{Value, json};

use crate::support::app::{TestApp, spawn_app_at_its_issuer_with, start, test_config_with};
use crate::support::browser::Browser;
use crate::support::dpop::{Claims, DpopKey, ath, post_with_proof};
use crate::support::resource_server::{ProtectedApi, SCOPES, serve};
use crate::support::seed::{Seed, confidential, register, seed_with};
use crate::support::token::{code_for, exchange, post_form};

/// RFC 9449 §7.1 `algs`: what the example accepts.
const ALGS: &str = "algs=\"ES256 ES384 RS256 PS256 EdDSA\"";

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

    /// A token bound to `key` (RFC 9449 §5) for the seeded user of a public
    /// client: the code flow, then a token request with a proof of `key`.
    async fn dpop_token(&self, key: &DpopKey) -> String {
        let spa = seed_with(&self.app, |spec| spec.scopes = SCOPES.map(String::from).to_vec()).await;
        let mut browser = Browser::new(&self.app);
        let code = code_for(&mut browser, &spa, "calendar:read").await;
        let url = format!("{}/oauth/token", self.app.address);
        let proof = key.proof(&Claims::post(&url, self.now()));
        let answer =
            post_with_proof(&self.app.http, &url, &exchange(&spa.client_id, &code), None, &proof).await;
        assert_eq!(answer.body["token_type"], "DPoP", "{}", answer.body);
        answer.field("access_token")
    }

    fn now(&self) -> i64 {
        self.app.clock.now().unix_timestamp()
    }

    /// Claims of a proof for `GET /events` with `access_token`, made now.
    fn proof_claims(&self, access_token: &str) -> Claims {
        let mut claims = Claims::post(&format!("{}/events", self.resource), self.now());
        claims.htm = "GET".into();
        claims.ath = Some(ath(access_token));
        claims
    }

    /// `GET /events` with `Authorization: DPoP <token>` and, if given, the proof.
    async fn call_with_proof(&self, token: &str, proof: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .get(format!("{}/events", self.resource))
            .header("authorization", format!("DPoP {token}"));
        if let Some(proof) = proof {
            request = request.header("DPoP", proof);
        }
        request.send().await.unwrap()
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

#[tokio::test]
async fn the_example_api_accepts_a_dpop_bound_token_only_with_a_fresh_proof_of_its_key() {
    let f = Fixture::start().await;
    let metadata: Value = f.http.get(f.metadata_url()).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        metadata["dpop_signing_alg_values_supported"],
        json!(["ES256", "ES384", "RS256", "PS256", "EdDSA"]),
        "RFC 9728 §2"
    );
    let anonymous = f.call(reqwest::Method::GET, None).await;
    let offered: Vec<&str> =
        anonymous.headers().get_all("www-authenticate").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(offered.iter().any(|c| c.starts_with("DPoP ") && c.contains(ALGS)), "RFC 9449 §7.1: {offered:?}");

    let key = DpopKey::generate();
    let token = f.dpop_token(&key).await;
    let proof = key.proof(&f.proof_claims(&token));
    let ok = f.call_with_proof(&token, Some(&proof)).await;
    assert_eq!(ok.status(), 200, "RFC 9449 §7.1: the token with a proof of its key");

    let replayed = f.call_with_proof(&token, Some(&proof)).await;
    assert_eq!(replayed.status(), 401, "RFC 9449 §11.1: a proof is good once");
    assert!(challenge(&replayed).contains("error=\"invalid_dpop_proof\""), "{}", challenge(&replayed));

    let as_bearer = f.call(reqwest::Method::GET, Some(&token)).await;
    assert_eq!(as_bearer.status(), 401, "RFC 9449 §7.2: a bound token is no bearer token");
    let bearer_challenge = challenge(&as_bearer);
    assert!(bearer_challenge.starts_with("DPoP "), "challenged in the DPoP scheme: {bearer_challenge}");
    assert!(bearer_challenge.contains("error=\"invalid_token\""), "{bearer_challenge}");
    assert!(bearer_challenge.contains(ALGS), "{bearer_challenge}");

    let stranger = DpopKey::generate();
    let mut broken =
        vec![("by another key", Some(stranger.proof(&f.proof_claims(&token)))), ("no proof", None)];
    let mut change = |what, edit: fn(&mut Claims)| {
        let mut claims = f.proof_claims(&token);
        edit(&mut claims);
        broken.push((what, Some(key.proof(&claims))));
    };
    change("for another method", |c| c.htm = "POST".into());
    change("for another URL", |c| c.htu = "http://127.0.0.1:1/events".into());
    change("made too long ago", |c| c.iat -= 61);
    change("for another token", |c| c.ath = Some(ath("another token")));
    change("without ath", |c| c.ath = None);
    for (what, proof) in broken {
        let refused = f.call_with_proof(&token, proof.as_deref()).await;
        assert_eq!(refused.status(), 401, "{what}");
        let refusal = challenge(&refused);
        assert!(
            refusal.starts_with("DPoP ") && refusal.contains("error=\"invalid_dpop_proof\""),
            "{what}: {refusal}"
        );
    }

    // RFC 9449 §4.3 step 9: htu is compared without query and fragment.
    let mut claims = f.proof_claims(&token);
    claims.htu.push_str("?page=2#top");
    let fresh = f.call_with_proof(&token, Some(&key.proof(&claims))).await;
    assert_eq!(fresh.status(), 200, "a fresh proof of the key");
}

#[tokio::test]
async fn the_example_api_refuses_a_bearer_token_sent_as_dpop() {
    let f = Fixture::start().await;
    let bearer = f.token_from(&f.app.address, "calendar:read").await;
    let key = DpopKey::generate();
    let refused = f.call_with_proof(&bearer, Some(&key.proof(&f.proof_claims(&bearer)))).await;
    assert_eq!(refused.status(), 401, "a proof says nothing about who holds a bearer token");
    assert!(challenge(&refused).starts_with("DPoP "), "{}", challenge(&refused));
    assert!(challenge(&refused).contains("error=\"invalid_token\""), "{}", challenge(&refused));
    assert_eq!(f.call(reqwest::Method::GET, Some(&bearer)).await.status(), 200, "the same token as Bearer");
}

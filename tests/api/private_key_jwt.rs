//! `private_key_jwt` client authentication (RFC 7523 §2.2, OIDC Core §9)
//! through the real server: a client registered with its public keys signs
//! a JWT about itself for every request; the assertion is addressed to our
//! issuer alone, expires soon, is used once, and is signed with one of the
//! client's keys by an asymmetric algorithm.

use josekit::jws::{HS256, JwsHeader};
use josekit::jwt::{self, JwtPayload};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::app::{TestApp, spawn_app};
use crate::support::assertions::{CLIENT_CREDENTIALS, ClientKey, claims, with_assertion};
use crate::support::browser::Browser;
use crate::support::seed::{REDIRECT_URI, Seed, register, seed_with};
use crate::support::token::{VERIFIER, code_for, post_form};

async fn machine(app: &TestApp, key: &ClientKey) -> Seed {
    register(app, "Signed machine", |spec| {
        spec.client_type = "confidential".into();
        spec.auth_method = Some("private_key_jwt".into());
        spec.jwks = Some(key.jwks());
        spec.redirect_uris = vec![];
        spec.grant_types = vec!["client_credentials".into()];
        spec.scopes = vec!["openid".into()];
    })
    .await
}

/// The seeded user and a code-flow client that signs with `key`.
async fn browser_client(app: &TestApp, key: &ClientKey) -> Seed {
    seed_with(app, |spec| {
        spec.client_type = "confidential".into();
        spec.auth_method = Some("private_key_jwt".into());
        spec.jwks = Some(key.jwks());
    })
    .await
}

#[tokio::test]
async fn a_signed_assertion_authenticates_the_client_once() {
    let app = spawn_app().await;
    let metadata: Value = app.get("/.well-known/openid-configuration").await.json().await.unwrap();
    let methods = metadata["token_endpoint_auth_methods_supported"].as_array().unwrap();
    assert!(methods.contains(&json!("private_key_jwt")));
    assert_eq!(metadata["token_endpoint_auth_signing_alg_values_supported"][0], "ES256");

    let key = ClientKey::generate();
    let client = machine(&app, &key).await;
    assert_eq!(client.secret, None, "no secret is issued to a private_key_jwt client");
    let assertion = key.sign(&claims(&app, &client.client_id), "k1");
    let granted = with_assertion(&app, "/oauth/token", &CLIENT_CREDENTIALS, &assertion).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    let replayed = with_assertion(&app, "/oauth/token", &CLIENT_CREDENTIALS, &assertion).await;
    assert_eq!(
        (replayed.status, replayed.error()),
        (StatusCode::UNAUTHORIZED, "invalid_client"),
        "replayed jti"
    );

    // The same method at introspection (RFC 7662 §2.1).
    let access = granted.field("access_token");
    let fresh = key.sign(&claims(&app, &client.client_id), "k1");
    let active = with_assertion(&app, "/oauth/introspect", &[("token", &access)], &fresh).await;
    assert_eq!(active.body["active"], true, "{}", active.body);
}

#[tokio::test]
async fn every_bad_assertion_is_an_invalid_client() {
    let app = spawn_app().await;
    let key = ClientKey::generate();
    let client = machine(&app, &key).await;
    let id = client.client_id.as_str();
    let issuer = app.config.server.issuer.clone();
    let changed = |change: &dyn Fn(&mut Value)| {
        let mut claims = claims(&app, id);
        change(&mut claims);
        key.sign(&claims, "k1")
    };
    let hmac_signer = HS256.signer_from_bytes(b"registered keys are public: never an HMAC key").unwrap();
    let mut hmac_header = JwsHeader::new();
    hmac_header.set_key_id("k1");
    let as_payload = |claims: Value| JwtPayload::from_map(claims.as_object().unwrap().clone()).unwrap();
    let cases = [
        ("the token endpoint as aud", changed(&|c| c["aud"] = json!(format!("{issuer}/oauth/token")))),
        ("another server as aud", changed(&|c| c["aud"] = json!("https://other.example"))),
        ("an aud array holding our issuer", changed(&|c| c["aud"] = json!([issuer.clone()]))),
        ("expired", changed(&|c| c["exp"] = json!(c["iat"].as_i64().unwrap() - 1))),
        ("too long-lived", changed(&|c| c["exp"] = json!(c["iat"].as_i64().unwrap() + 3600))),
        ("no jti", changed(&|c| c.as_object_mut().unwrap().retain(|k, _| k != "jti"))),
        ("iss is not sub", changed(&|c| c["iss"] = json!("someone-else"))),
        ("an unknown kid", key.sign(&claims(&app, id), "k9")),
        ("HMAC", jwt::encode_with_signer(&as_payload(claims(&app, id)), &hmac_header, &hmac_signer).unwrap()),
        ("alg none", jwt::encode_unsecured(&as_payload(claims(&app, id)), &JwsHeader::new()).unwrap()),
        ("another key's signature", ClientKey::generate().sign(&claims(&app, id), "k1")),
    ];
    for (case, assertion) in cases {
        let refused = with_assertion(&app, "/oauth/token", &CLIENT_CREDENTIALS, &assertion).await;
        assert_eq!((refused.status, refused.error()), (StatusCode::UNAUTHORIZED, "invalid_client"), "{case}");
    }
    // A secret beside an assertion is two methods at once.
    let mut both = CLIENT_CREDENTIALS.to_vec();
    both.push(("client_secret", "guess"));
    let good = key.sign(&claims(&app, id), "k1");
    let refused = with_assertion(&app, "/oauth/token", &both, &good).await;
    assert_eq!(refused.error(), "invalid_request");
}

#[tokio::test]
async fn a_code_is_exchanged_with_an_assertion() {
    let app = spawn_app().await;
    let key = ClientKey::generate();
    let seed = browser_client(&app, &key).await;
    let mut browser = Browser::new(&app);
    let code = code_for(&mut browser, &seed, "openid").await;
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    // A secret is no way in for this client.
    let by_secret =
        post_form(&app.http, &format!("{}/oauth/token", app.address), &fields, Some((&seed.client_id, "x")))
            .await;
    assert_eq!(by_secret.error(), "invalid_client");
    let assertion = key.sign(&claims(&app, &seed.client_id), "k1");
    let granted = with_assertion(&app, "/oauth/token", &fields, &assertion).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert!(granted.body["id_token"].is_string());
}

#[tokio::test]
async fn the_token_endpoint_as_aud_only_behind_the_legacy_switch() {
    let app =
        crate::support::app::spawn_app_with(oauth_store_diesel::testing::TestDatabase::sqlite(), |raw| {
            raw.tokens.insecure_private_key_jwt_token_endpoint_audience = true;
        })
        .await;
    let key = ClientKey::generate();
    let client = machine(&app, &key).await;
    let mut legacy = claims(&app, &client.client_id);
    legacy["aud"] = json!(format!("{}/oauth/token", app.config.server.issuer));
    let granted = with_assertion(&app, "/oauth/token", &CLIENT_CREDENTIALS, &key.sign(&legacy, "k1")).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    // Still never an array, even with the switch on.
    legacy["aud"] = json!([format!("{}/oauth/token", app.config.server.issuer)]);
    legacy["jti"] = json!("another");
    let refused = with_assertion(&app, "/oauth/token", &CLIENT_CREDENTIALS, &key.sign(&legacy, "k1")).await;
    assert_eq!(refused.error(), "invalid_client");
}

#[tokio::test]
async fn assertions_serve_par_and_revocation_and_jtis_are_per_client() {
    let app = spawn_app().await;
    let key = ClientKey::generate();
    let seed = browser_client(&app, &key).await;
    let other_key = ClientKey::generate();
    let other = machine(&app, &other_key).await;

    // RFC 9126 §2: PAR authenticates as the token endpoint does.
    let query = crate::support::browser::authorize_query(&seed, &[]);
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut shared_jti = claims(&app, &seed.client_id);
    shared_jti["jti"] = json!("the-same-jti");
    let pushed = with_assertion(&app, "/oauth/par", &fields, &key.sign(&shared_jti, "k1")).await;
    assert_eq!(pushed.status, StatusCode::CREATED, "{}", pushed.body);

    // Another client's assertion with the same jti is its own.
    let mut theirs = claims(&app, &other.client_id);
    theirs["jti"] = json!("the-same-jti");
    let granted =
        with_assertion(&app, "/oauth/token", &CLIENT_CREDENTIALS, &other_key.sign(&theirs, "k1")).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);

    // Revocation: by assertion, never by client_id alone.
    let token = granted.field("access_token");
    let bare = post_form(
        &app.http,
        &format!("{}/oauth/revoke", app.address),
        &[("token", token.as_str()), ("client_id", other.client_id.as_str())],
        None,
    )
    .await;
    assert_eq!(bare.error(), "invalid_client");
    let revoked = with_assertion(
        &app,
        "/oauth/revoke",
        &[("token", &token)],
        &other_key.sign(&claims(&app, &other.client_id), "k1"),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK);

    // RFC 7521 §4.2: an assertion without its type is no method at all.
    let half = post_form(
        &app.http,
        &format!("{}/oauth/token", app.address),
        &[("grant_type", "client_credentials"), ("client_assertion", "a.b.c")],
        None,
    )
    .await;
    assert_eq!(half.error(), "invalid_request");
}

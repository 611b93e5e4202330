//! JWKS, discovery and rotation, as a resource server sees them: tokens from
//! `/oauth/token` verify with keys found through the discovery document,
//! before and after a rotation, and forged tokens do not.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_core::ports::Clock as _;
use oauth_core::token::SigningAlg;
use oauth_store_diesel::testing::TestDatabase;
use serde_json::Value;
use time::Duration;

use crate::support::app::{TestApp, spawn_app, spawn_app_at_its_issuer, spawn_app_on, start};
use crate::support::browser::Browser;
use crate::support::seed::{Seed, seed, seeded_app};
use crate::support::token::{code_for, exchange, token};
use crate::support::verify_token::{Refused, TokenVerifier};

/// The documented verification, starting from nothing but the issuer URL
/// (the test server's issuer is the address it listens on).
async fn verifier(app: &TestApp) -> TokenVerifier {
    TokenVerifier::discover(reqwest::Client::new(), &app.address, &app.address).await.unwrap()
}

async fn access_token(app: &TestApp, browser: &mut Browser<'_>, client_id: &str, seed: &Seed) -> String {
    let code = code_for(browser, seed, "openid").await;
    token(app, &exchange(client_id, &code), None).await.field("access_token")
}

fn kid_of(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn tokens_verify_with_the_published_keys_across_a_rotation() {
    let app = spawn_app_at_its_issuer().await;
    let seed = seed(&app).await;
    let mut browser = Browser::new(&app);
    let before = access_token(&app, &mut browser, &seed.client_id, &seed).await;
    let verifier = verifier(&app).await;
    let now = app.clock.now().unix_timestamp();
    let claims = verifier.verify(&before, now).await.expect("a fresh token verifies");
    assert_eq!(claims.claim("client_id"), Some(&Value::from(seed.client_id.as_str())));

    // Rotate through another "instance" on the same database and clock.
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    let keys = auth_server::app::key_ring(&app.config, &store, app.clock.clone()).await.unwrap();
    assert!(keys.rotate(SigningAlg::Es256).await.unwrap());
    app.clock.advance(Duration::seconds(60)); // key_refresh_secs: the server reloads
    let after = access_token(&app, &mut browser, &seed.client_id, &seed).await;
    assert_ne!(kid_of(&after), kid_of(&before), "new tokens carry the new kid");
    let now = app.clock.now().unix_timestamp();
    verifier.verify(&after, now).await.expect("the new key was published before it signed");
    verifier.verify(&before, now).await.expect("the retired key still verifies older tokens");

    // Once no token signed by the retired key can be valid (a resource's
    // may live a day), it leaves the JWKS.
    app.clock.advance(Duration::hours(24));
    assert_eq!(auth_server::janitor::sweep_keys(&keys, None).await, 1);
    app.clock.advance(Duration::seconds(60));
    let jwks: Value =
        app.http.get(format!("{}/jwks.json", app.address)).send().await.unwrap().json().await.unwrap();
    let kids: Vec<&str> =
        jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap()).collect();
    assert!(!kids.contains(&kid_of(&before).as_str()), "retired key gone: {kids:?}");
    assert!(kids.contains(&kid_of(&after).as_str()));
}

#[tokio::test]
async fn the_jwks_is_public_only_cacheable_and_answers_304() {
    let app = spawn_app().await;
    for path in ["/jwks.json", "/.well-known/jwks.json"] {
        let response = app.http.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "public, max-age=300");
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        let jwks: Value = response.json().await.unwrap();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 4, "active and next keys for RS256 and ES256");
        for key in keys {
            for member in ["kty", "kid", "use", "alg"] {
                assert!(key[member].is_string(), "{member} in {key}");
            }
            for private in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(key.get(private).is_none(), "private member {private} published");
            }
        }
        let again = app
            .http
            .get(format!("{}{path}", app.address))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
    }
}

#[tokio::test]
async fn forged_tokens_are_refused_by_the_documented_verification() {
    let app = spawn_app_at_its_issuer().await;
    let seed = seed(&app).await;
    let good = access_token(&app, &mut Browser::new(&app), &seed.client_id, &seed).await;
    let verifier = verifier(&app).await;
    let now = app.clock.now().unix_timestamp();
    let parts: Vec<&str> = good.split('.').collect();

    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["scope"] = Value::from("openid admin");
    let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload.to_string()), parts[2]);
    assert!(matches!(verifier.verify(&tampered, now).await, Err(Refused::Signature(_))), "tampered payload");

    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"at+jwt"}"#);
    let unsigned = format!("{none_header}.{}.", parts[1]);
    assert!(matches!(verifier.verify(&unsigned, now).await, Err(Refused::Format(_))), "alg none");

    let mut header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    header["kid"] = Value::from("not-a-key-of-ours");
    let foreign = format!("{}.{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), parts[1], parts[2]);
    assert!(matches!(verifier.verify(&foreign, now).await, Err(Refused::UnknownKey(_))), "unknown kid");

    let later = now + 601;
    assert!(matches!(verifier.verify(&good, later).await, Err(Refused::Claims(_))), "expired");
    verifier.verify(&good, now).await.expect("the untouched token still verifies");
}

async fn two_instances(app: TestApp) {
    let second = start(&app.config, app.clock.clone()).await;
    let http = app.http.clone();
    let fetch = |base: String| {
        let http = http.clone();
        async move { http.get(format!("{base}/jwks.json")).send().await.unwrap().text().await.unwrap() }
    };
    assert_eq!(fetch(app.address.clone()).await, fetch(second.clone()).await, "one key set");
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    let keys = auth_server::app::key_ring(&app.config, &store, app.clock.clone()).await.unwrap();
    let before = fetch(second.clone()).await;
    assert!(keys.rotate(SigningAlg::Rs256).await.unwrap());
    app.clock.advance(Duration::seconds(60));
    let after_first = fetch(app.address.clone()).await;
    let after_second = fetch(second).await;
    assert_ne!(before, after_second, "the rotation is seen without a restart");
    assert_eq!(after_first, after_second, "both instances serve the same set");
}

#[tokio::test]
async fn sqlite_two_instances_serve_one_jwks_and_see_a_rotation() {
    two_instances(spawn_app().await).await;
}

#[tokio::test]
async fn postgres_two_instances_serve_one_jwks_and_see_a_rotation() {
    if let Some(db) = TestDatabase::postgres("postgres_two_instances_serve_one_jwks_and_see_a_rotation") {
        two_instances(spawn_app_on(db).await).await;
    }
}

#[tokio::test]
async fn regression_the_full_flow_still_ends_in_tokens() {
    let (app, seed) = seeded_app().await;
    let token = access_token(&app, &mut Browser::new(&app), &seed.client_id, &seed).await;
    assert_eq!(token.split('.').count(), 3);
}

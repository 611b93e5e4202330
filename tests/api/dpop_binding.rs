//! DPoP-bound tokens (RFC 9449) through the real server: a public client
//! binds its code with `dpop_jkt`, redeems it with a proof, uses the
//! access token at `/userinfo` only with proofs by its key, and refreshes
//! only with that key; a pushed request's proof binds its code too; a
//! client registered `--dpop-bound` cannot get a bearer token.

use oauth_core::ports::Clock as _;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::app::TestApp;
use crate::support::browser::{Browser, authorize_query};
use crate::support::dpop::{Claims, DpopKey, ath, post_with_proof, userinfo_with_proof};
use crate::support::seed::{seeded_app, seeded_app_with};
use crate::support::token::{
    Answer, borrowed, code_for_query, exchange, refresh_fields, token, userinfo_at, verify,
};

fn now(app: &TestApp) -> i64 {
    app.clock.now().unix_timestamp()
}

fn issuer(app: &TestApp) -> String {
    app.config.server.issuer.clone()
}

/// `POST /oauth/token` with a proof by `key` for it.
async fn token_with(app: &TestApp, fields: &[(&str, &str)], key: &DpopKey) -> Answer {
    let proof = key.proof(&Claims::post(&format!("{}/oauth/token", issuer(app)), now(app)));
    post_with_proof(&app.http, &format!("{}/oauth/token", app.address), fields, None, &proof).await
}

fn userinfo_proof(app: &TestApp, key: &DpopKey, access_token: &str) -> String {
    let mut claims = Claims::post(&format!("{}/userinfo", issuer(app)), now(app));
    claims.htm = "GET".into();
    claims.ath = Some(ath(access_token));
    key.proof(&claims)
}

#[tokio::test]
async fn a_public_client_gets_uses_and_refreshes_a_key_bound_token() {
    let (app, seed) = seeded_app().await;
    let metadata: Value = app.get("/.well-known/openid-configuration").await.json().await.unwrap();
    assert_eq!(metadata["dpop_signing_alg_values_supported"][0], "ES256");

    let key = DpopKey::generate();
    let jkt = key.thumbprint();
    let query = authorize_query(&seed, &[("scope", Some("openid offline_access")), ("dpop_jkt", Some(&jkt))]);
    let mut browser = Browser::new(&app);
    let code = code_for_query(&mut browser, &query).await;
    // RFC 9449 §10: without the key the code is not redeemed.
    let stranger = DpopKey::generate();
    let refused = token_with(&app, &exchange(&seed.client_id, &code), &stranger).await;
    assert_eq!((refused.status, refused.error()), (StatusCode::BAD_REQUEST, "invalid_grant"));

    let code = code_for_query(&mut browser, &query).await;
    let granted = token_with(&app, &exchange(&seed.client_id, &code), &key).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert_eq!(granted.field("token_type"), "DPoP");
    let access = granted.field("access_token");
    let (claims, _) = verify(&app, &access).await;
    assert_eq!(claims.claim("cnf"), Some(&serde_json::json!({ "jkt": jkt })));

    // RFC 9449 §7: with a proof of the key and the token's hash, not as Bearer.
    let used =
        userinfo_with_proof(&app.http, &app.address, &access, Some(&userinfo_proof(&app, &key, &access)))
            .await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    let as_bearer = userinfo_at(&app.http, &app.address, &access).await;
    assert_eq!(as_bearer.status, StatusCode::UNAUTHORIZED);
    let challenge = as_bearer.headers.get("www-authenticate").unwrap().to_str().unwrap();
    assert!(
        challenge.starts_with("DPoP error=\"invalid_token\"") && challenge.contains("algs="),
        "{challenge}"
    );
    let by_stranger = userinfo_proof(&app, &stranger, &access);
    let refused = userinfo_with_proof(&app.http, &app.address, &access, Some(&by_stranger)).await;
    assert_eq!((refused.status, refused.error()), (StatusCode::UNAUTHORIZED, "invalid_dpop_proof"));
    let without = userinfo_with_proof(&app.http, &app.address, &access, None).await;
    assert_eq!(without.error(), "invalid_dpop_proof");

    // RFC 9449 §5: a public client's refresh token is bound to the key.
    let refresh = granted.field("refresh_token");
    let fields = refresh_fields(&seed.client_id, &refresh, None);
    let bare = token(&app, &borrowed(&fields), None).await;
    assert_eq!(bare.error(), "invalid_grant", "no proof");
    let other = token_with(&app, &borrowed(&fields), &stranger).await;
    assert_eq!(other.error(), "invalid_grant", "another key");
    let rotated = token_with(&app, &borrowed(&fields), &key).await;
    assert_eq!(rotated.status, StatusCode::OK, "the refused attempts spent nothing: {}", rotated.body);
    assert_eq!(rotated.field("token_type"), "DPoP");
}

#[tokio::test]
async fn bearer_flows_are_unchanged_without_a_proof() {
    let (app, seed) = seeded_app().await;
    let mut browser = Browser::new(&app);
    let code = code_for_query(&mut browser, &authorize_query(&seed, &[])).await;
    let granted = token(&app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(granted.field("token_type"), "Bearer");
    let access = granted.field("access_token");
    assert_eq!(verify(&app, &access).await.0.claim("cnf"), None);
    assert_eq!(userinfo_at(&app.http, &app.address, &access).await.status, StatusCode::OK);
    // A bearer token sent as DPoP proves nothing about its holder.
    let key = DpopKey::generate();
    let proof = userinfo_proof(&app, &key, &access);
    let refused = userinfo_with_proof(&app.http, &app.address, &access, Some(&proof)).await;
    assert_eq!((refused.status, refused.error()), (StatusCode::UNAUTHORIZED, "invalid_token"));
}

#[tokio::test]
async fn a_proof_sent_with_a_pushed_request_binds_its_code() {
    let (app, seed) = seeded_app().await;
    let key = DpopKey::generate();
    let query = authorize_query(&seed, &[]);
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let par_url = format!("{}/oauth/par", issuer(&app));
    let proof = key.proof(&Claims::post(&par_url, now(&app)));
    let pushed =
        post_with_proof(&app.http, &format!("{}/oauth/par", app.address), &fields, None, &proof).await;
    assert_eq!(pushed.status, StatusCode::CREATED, "{}", pushed.body);
    let carried = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("client_id", seed.client_id.as_str()), ("request_uri", &pushed.field("request_uri"))])
        .finish();
    let mut browser = Browser::new(&app);
    let code = code_for_query(&mut browser, &carried).await;
    let unbound = token(&app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(unbound.error(), "invalid_grant", "the code wants the pushed proof's key");

    // A dpop_jkt that contradicts the proof is refused at the push.
    let other = DpopKey::generate().thumbprint();
    let mut contradicting = fields.clone();
    contradicting.push(("dpop_jkt", &other));
    let proof = key.proof(&Claims::post(&par_url, now(&app)));
    let refused =
        post_with_proof(&app.http, &format!("{}/oauth/par", app.address), &contradicting, None, &proof).await;
    assert_eq!((refused.status, refused.error()), (StatusCode::BAD_REQUEST, "invalid_dpop_proof"));
}

#[tokio::test]
async fn a_dpop_bound_client_cannot_get_a_bearer_token() {
    let (app, seed) = seeded_app_with(|spec| spec.dpop_bound = true).await;
    let mut browser = Browser::new(&app);
    let query = authorize_query(&seed, &[]);
    let code = code_for_query(&mut browser, &query).await;
    let refused = token(&app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!((refused.status, refused.error()), (StatusCode::BAD_REQUEST, "invalid_dpop_proof"));
    // Refused before the grant ran: the code is still good with a proof.
    let granted = token_with(&app, &exchange(&seed.client_id, &code), &DpopKey::generate()).await;
    assert_eq!(granted.field("token_type"), "DPoP", "{}", granted.body);
}

#[tokio::test]
async fn a_browser_client_may_push_with_a_proof_from_its_origin() {
    let origin = "https://rp.example";
    let (app, seed) = seeded_app_with(|spec| spec.allowed_origins = vec![origin.into()]).await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/oauth/par", app.address))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "dpop, content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), StatusCode::NO_CONTENT);
    assert_eq!(preflight.headers()["access-control-allow-origin"], origin);
    let allowed = preflight.headers()["access-control-allow-headers"].to_str().unwrap();
    assert!(allowed.split(", ").any(|name| name == "dpop"), "{allowed}");

    let key = DpopKey::generate();
    let query = authorize_query(&seed, &[]);
    let proof = key.proof(&Claims::post(&format!("{}/oauth/par", issuer(&app)), now(&app)));
    let pushed = app
        .http
        .post(format!("{}/oauth/par", app.address))
        .header("Origin", origin)
        .header("DPoP", proof)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(query)
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), StatusCode::CREATED);
    assert_eq!(pushed.headers()["access-control-allow-origin"], origin);
    let exposed = pushed.headers()["access-control-expose-headers"].to_str().unwrap();
    assert!(exposed.contains("DPoP-Nonce"), "{exposed}");

    let elsewhere = app
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/oauth/par", app.address))
        .header("Origin", "https://other.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(elsewhere.headers().get("access-control-allow-origin").is_none(), "an origin nobody registered");
}

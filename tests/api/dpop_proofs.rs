//! DPoP proofs (RFC 9449 §4.3) at the token endpoint of the real server:
//! each check refuses with `invalid_dpop_proof` and spends nothing; a proof
//! is good once, on every instance of one database; with `dpop_nonce` on,
//! a proof must carry the nonce the server handed out (§8).

use oauth_core::ports::Clock as _;
use oauth_store_diesel::testing::TestDatabase;
use reqwest::StatusCode;

use crate::support::app::{TestApp, spawn_app, spawn_app_on, spawn_app_with, start};
use crate::support::binary::databases;
use crate::support::dpop::{Claims, DpopKey, post_with_proof};
use crate::support::seed::{Seed, register_machine};
use crate::support::token::Answer;

const GRANT: [(&str, &str); 1] = [("grant_type", "client_credentials")];

fn token_url(app: &TestApp) -> String {
    format!("{}/oauth/token", app.config.server.issuer)
}

fn fresh_claims(app: &TestApp) -> Claims {
    Claims::post(&token_url(app), app.clock.now().unix_timestamp())
}

async fn send(app: &TestApp, base: &str, machine: &Seed, proof: &str) -> Answer {
    post_with_proof(&app.http, &format!("{base}/oauth/token"), &GRANT, Some(machine.credentials()), proof)
        .await
}

fn refused(answer: &Answer, case: &str) {
    assert_eq!(
        (answer.status, answer.error()),
        (StatusCode::BAD_REQUEST, "invalid_dpop_proof"),
        "{case}: {}",
        answer.body
    );
}

#[tokio::test]
async fn every_broken_proof_is_refused_and_a_good_one_is_good_once() {
    let app = spawn_app().await;
    let machine = register_machine(&app, "Machine").await;
    let key = DpopKey::generate();
    let now = app.clock.now().unix_timestamp();

    let mut wrong_method = fresh_claims(&app);
    wrong_method.htm = "GET".into();
    let wrong_url = Claims::post(&format!("{}/oauth/par", app.config.server.issuer), now);
    let stale = Claims::post(&token_url(&app), now - 120);
    let future = Claims::post(&token_url(&app), now + 120);
    let cases = [
        ("wrong htm", key.proof(&wrong_method)),
        ("wrong htu", key.proof(&wrong_url)),
        ("stale iat", key.proof(&stale)),
        ("iat in the future", key.proof(&future)),
        ("private key in the header", key.proof_leaking_the_private_key(&fresh_claims(&app))),
        ("alg none", key.unsigned_proof(&fresh_claims(&app))),
        ("HMAC", key.hmac_proof(&fresh_claims(&app))),
        ("not a JWT", "not-a-jwt".to_owned()),
    ];
    for (case, proof) in &cases {
        refused(&send(&app, &app.address, &machine, proof).await, case);
    }

    let good = key.proof(&fresh_claims(&app));
    let granted = send(&app, &app.address, &machine, &good).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert_eq!(granted.field("token_type"), "DPoP");
    refused(&send(&app, &app.address, &machine, &good).await, "replayed jti");

    // RFC 9449 §4.3 step 1: one DPoP header, no more.
    let two = app
        .http
        .post(format!("{}/oauth/token", app.address))
        .form(&GRANT)
        .basic_auth(&machine.client_id, machine.secret.as_deref())
        .header("DPoP", key.proof(&fresh_claims(&app)))
        .header("DPoP", key.proof(&fresh_claims(&app)))
        .send()
        .await
        .unwrap();
    assert_eq!(two.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_proof_spent_on_one_instance_is_refused_by_another() {
    for (backend, db) in databases("dpop_replay_across_instances") {
        let app = spawn_app_on(db).await;
        let second = start(&app.config, app.clock.clone()).await;
        let machine = register_machine(&app, "Machine").await;
        let proof = DpopKey::generate().proof(&fresh_claims(&app));
        let first = send(&app, &app.address, &machine, &proof).await;
        assert_eq!(first.status, StatusCode::OK, "{backend}: {}", first.body);
        refused(&send(&app, &second, &machine, &proof).await, backend);
    }
}

#[tokio::test]
async fn with_nonces_on_a_proof_must_carry_the_servers_nonce() {
    let app = spawn_app_with(TestDatabase::sqlite(), |raw| raw.tokens.dpop_nonce = true).await;
    let machine = register_machine(&app, "Machine").await;
    let key = DpopKey::generate();
    let first = send(&app, &app.address, &machine, &key.proof(&fresh_claims(&app))).await;
    assert_eq!((first.status, first.error()), (StatusCode::BAD_REQUEST, "use_dpop_nonce"));
    let nonce = first.headers.get("dpop-nonce").expect("a DPoP-Nonce header").to_str().unwrap().to_owned();

    let mut claims = fresh_claims(&app);
    claims.nonce = Some(nonce);
    let granted = send(&app, &app.address, &machine, &key.proof(&claims)).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert!(granted.headers.contains_key("dpop-nonce"), "a fresh nonce with every answer");

    let mut forged = fresh_claims(&app);
    forged.nonce = Some("made-up".into());
    let refused = send(&app, &app.address, &machine, &key.proof(&forged)).await;
    assert_eq!(refused.error(), "use_dpop_nonce");
}

//! RFC 9449: a token request with a DPoP proof gets tokens bound to the
//! proof's key; a code bound with `dpop_jkt` and a public client's refresh
//! family are redeemed only with that key; a bound access token is used
//! only with a proof by it.

use super::*;
use crate::client::ClientType;
use crate::dpop::{JwkThumbprint, access_token_hash};
use crate::service::dpop::PresentedProof;
use crate::testing::dpop::{plain_proof, proof_claims, test_key};
use crate::token::TokenType;

const TOKEN_URL: &str = "https://id.example/oauth/token";
const USERINFO_URL: &str = "https://id.example/userinfo";

fn proof(key: &JwkThumbprint, jti: &str) -> PresentedProof {
    PresentedProof {
        proof: plain_proof(key, &proof_claims(jti, TOKEN_URL, T0)),
        method: "POST",
        url: TOKEN_URL.into(),
    }
}

fn with_proof(mut params: TokenParams, key: &JwkThumbprint, jti: &str) -> TokenParams {
    params.dpop = Some(proof(key, jti));
    params
}

fn resource_proof(key: &JwkThumbprint, jti: &str, token: &str) -> PresentedProof {
    let mut claims = proof_claims(jti, USERINFO_URL, T0);
    claims.htm = "GET".into();
    claims.ath = Some(access_token_hash(token));
    PresentedProof { proof: plain_proof(key, &claims), method: "GET", url: USERINFO_URL.into() }
}

/// Client 5: public, PKCE only, allowed refresh tokens.
async fn public_client(h: &Harness) -> PresentedCredentials {
    let mut client = fixtures::client(5, "Phone app", "unused");
    client.metadata.client_type = ClientType::Public;
    client.metadata.auth_method = AuthMethod::None;
    client.secrets.clear();
    ClientRepository::insert(h.store.as_ref(), &client).await.unwrap();
    PresentedCredentials {
        client_id: "client5".into(),
        secret: None,
        method: AuthMethod::None,
        assertion: None,
    }
}

async fn public_code(h: &Harness, value: &str) {
    let code = AuthorizationCode {
        client_id: ClientId::parse("client5").unwrap(),
        ..code_for(value, &["openid", "offline_access"])
    };
    CodeRepository::insert(h.store.as_ref(), &code).await.unwrap();
}

#[tokio::test]
async fn a_proof_binds_the_access_token_which_then_needs_its_proof() {
    let h = harness().await;
    code(&h, "c-1", &["openid", "offline_access"]).await;
    let key = test_key(1);
    let granted = h
        .service
        .token(&basic("client1", "s"), with_proof(exchange("c-1", VERIFIER), &key, "p1"), "192.0.2.1")
        .await
        .unwrap();
    assert_eq!(granted.response.token_type, TokenType::Dpop);
    let (claims, _) = h.signer.last_access().unwrap();
    assert_eq!(claims.cnf.map(|c| c.jkt), Some(key.clone()), "cnf.jkt (RFC 9449 §6.1)");
    let access = granted.response.access_token;

    let (_, answer) =
        h.service.introspect(&basic("client1", "s"), Some(access.clone()), "192.0.2.1").await.unwrap();
    let Introspection::Active(active) = answer else { panic!("active") };
    assert_eq!((active.token_type, active.cnf.map(|c| c.jkt)), ("DPoP", Some(key.clone())));

    assert!(matches!(h.service.userinfo(&access).await, Err(UserinfoFailure::DpopRequired)), "as Bearer");
    let none = h.service.userinfo_with_proof(&access, None).await;
    assert!(matches!(none, Err(UserinfoFailure::InvalidProof(_))), "no proof");
    let foreign = resource_proof(&test_key(2), "r1", &access);
    let refused = h.service.userinfo_with_proof(&access, Some(&foreign)).await;
    assert!(matches!(refused, Err(UserinfoFailure::InvalidProof(why)) if why.contains("bound")));
    let wrong_hash = resource_proof(&key, "r2", "another-token");
    let refused = h.service.userinfo_with_proof(&access, Some(&wrong_hash)).await;
    assert!(matches!(refused, Err(UserinfoFailure::InvalidProof(why)) if why.contains("ath")));
    let own = resource_proof(&key, "r3", &access);
    assert!(h.service.userinfo_with_proof(&access, Some(&own)).await.is_ok());
    let replayed = h.service.userinfo_with_proof(&access, Some(&own)).await;
    assert!(matches!(replayed, Err(UserinfoFailure::InvalidProof(why)) if why.contains("used before")));
}

#[tokio::test]
async fn bearer_tokens_are_unchanged_and_refused_under_the_dpop_scheme() {
    let h = harness().await;
    let (access, _) = tokens(&h, "c-1", &["openid"]).await;
    assert_eq!(h.signer.last_access().unwrap().0.cnf, None);
    assert!(h.service.userinfo(&access).await.is_ok());
    let proof = resource_proof(&test_key(1), "r1", &access);
    let refused = h.service.userinfo_with_proof(&access, Some(&proof)).await;
    assert!(matches!(refused, Err(UserinfoFailure::InvalidToken)));
}

#[tokio::test]
async fn a_code_bound_with_dpop_jkt_is_redeemed_only_with_that_key() {
    let h = harness().await;
    for (value, proof_key, jti) in [("c-none", None, "p1"), ("c-other", Some(test_key(2)), "p2")] {
        let bound = AuthorizationCode { dpop_jkt: Some(test_key(1)), ..code_for(value, &["openid"]) };
        CodeRepository::insert(h.store.as_ref(), &bound).await.unwrap();
        let params = match &proof_key {
            Some(key) => with_proof(exchange(value, VERIFIER), key, jti),
            None => exchange(value, VERIFIER),
        };
        let refused = h.service.token(&basic("client1", "s"), params, "192.0.2.1").await;
        assert_eq!(error_code(refused), "invalid_grant", "{value}");
    }
    let bound = AuthorizationCode { dpop_jkt: Some(test_key(1)), ..code_for("c-own", &["openid"]) };
    CodeRepository::insert(h.store.as_ref(), &bound).await.unwrap();
    let params = with_proof(exchange("c-own", VERIFIER), &test_key(1), "p3");
    let granted = h.service.token(&basic("client1", "s"), params, "192.0.2.1").await.unwrap();
    assert_eq!(granted.response.token_type, TokenType::Dpop);
}

#[tokio::test]
async fn a_public_clients_refresh_family_is_bound_to_its_key() {
    let h = harness().await;
    let public = public_client(&h).await;
    public_code(&h, "c-1").await;
    let key = test_key(1);
    let granted = h
        .service
        .token(&public, with_proof(exchange("c-1", VERIFIER), &key, "p1"), "192.0.2.1")
        .await
        .unwrap();
    let refresh_token = granted.response.refresh_token.unwrap().expose().to_owned();

    let (_, answer) =
        h.service.introspect(&basic("client1", "s"), Some(refresh_token.clone()), "192.0.2.1").await.unwrap();
    assert_eq!(answer, Introspection::Inactive, "not client1's to see");

    let without = h.service.token(&public, refresh(&refresh_token, None), "192.0.2.1").await;
    assert_eq!(error_code(without), "invalid_grant", "no proof");
    let other = h
        .service
        .token(&public, with_proof(refresh(&refresh_token, None), &test_key(2), "p2"), "192.0.2.1")
        .await;
    assert_eq!(error_code(other), "invalid_grant", "another key");
    // The refused attempts spent nothing: the holder of the key refreshes.
    let rotated = h
        .service
        .token(&public, with_proof(refresh(&refresh_token, None), &key, "p3"), "192.0.2.1")
        .await
        .unwrap();
    assert_eq!(rotated.response.token_type, TokenType::Dpop);
    let next = rotated.response.refresh_token.unwrap().expose().to_owned();
    let again = h.service.token(&public, refresh(&next, None), "192.0.2.1").await;
    assert_eq!(error_code(again), "invalid_grant", "the successor is bound too");
}

#[tokio::test]
async fn a_confidential_clients_refresh_tokens_are_not_key_bound() {
    let h = harness().await;
    code(&h, "c-1", &["openid", "offline_access"]).await;
    let params = with_proof(exchange("c-1", VERIFIER), &test_key(1), "p1");
    let granted = h.service.token(&basic("client1", "s"), params, "192.0.2.1").await.unwrap();
    let refresh_token = granted.response.refresh_token.unwrap().expose().to_owned();
    // RFC 9449 §5: it authenticates every refresh; a Bearer token comes back.
    let refreshed =
        h.service.token(&basic("client1", "s"), refresh(&refresh_token, None), "192.0.2.1").await.unwrap();
    assert_eq!(refreshed.response.token_type, TokenType::Bearer);
}

#[tokio::test]
async fn a_dpop_bound_client_must_send_a_proof_and_a_proof_is_good_once() {
    let h = harness().await;
    let mut client = fixtures::client(1, "Billing", "s");
    client.metadata.dpop_bound = true;
    ClientRepository::update(h.store.as_ref(), &client).await.unwrap();
    code(&h, "c-1", &["openid"]).await;
    let refused = h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(refused), "invalid_dpop_proof");
    code(&h, "c-2", &["openid"]).await;
    let params = with_proof(exchange("c-2", VERIFIER), &test_key(1), "p1");
    h.service.token(&basic("client1", "s"), params.clone(), "192.0.2.1").await.unwrap();
    code(&h, "c-3", &["openid"]).await;
    let replay = TokenParams { code: Some("c-3".into()), ..params };
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), replay, "192.0.2.1").await),
        "invalid_dpop_proof"
    );
}

#[tokio::test]
async fn a_public_family_begun_without_a_proof_is_bound_by_its_first_refresh_with_one() {
    let h = harness().await;
    let public = public_client(&h).await;
    public_code(&h, "c-1").await;
    let granted = h.service.token(&public, exchange("c-1", VERIFIER), "192.0.2.1").await.unwrap();
    assert_eq!(granted.response.token_type, TokenType::Bearer);
    let first = granted.response.refresh_token.unwrap().expose().to_owned();
    let key = test_key(1);
    let rotated =
        h.service.token(&public, with_proof(refresh(&first, None), &key, "p1"), "192.0.2.1").await.unwrap();
    let next = rotated.response.refresh_token.unwrap().expose().to_owned();
    // RFC 9449 §5: the refresh token issued in answer to the proof is bound.
    let bare = h.service.token(&public, refresh(&next, None), "192.0.2.1").await;
    assert_eq!(error_code(bare), "invalid_grant", "no proof");
    let other =
        h.service.token(&public, with_proof(refresh(&next, None), &test_key(2), "p2"), "192.0.2.1").await;
    assert_eq!(error_code(other), "invalid_grant", "another key");
    h.service.token(&public, with_proof(refresh(&next, None), &key, "p3"), "192.0.2.1").await.unwrap();
}

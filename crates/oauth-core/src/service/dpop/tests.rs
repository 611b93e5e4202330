#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::sync::Arc;

use time::Duration;

use super::*;
use crate::dpop::{PROOF_MAX_AGE, ProofClaims, access_token_hash};
use crate::testing::dpop::{ClearNonces, PlainProofVerifier, plain_proof, proof_claims, test_key};
use crate::testing::fixtures::T0;
use crate::testing::{InMemoryStore, ManualClock};

const TOKEN_URL: &str = "https://as.example/oauth/token";

fn service(nonces: bool) -> (DpopService, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(T0));
    let ports = DpopPorts {
        verifier: Arc::new(PlainProofVerifier),
        seen: Arc::new(InMemoryStore::default()),
        nonces: nonces.then(|| Arc::new(ClearNonces) as Arc<dyn DpopNonces>),
        clock: clock.clone(),
    };
    (DpopService::new(ports), clock)
}

fn presented(claims: &ProofClaims) -> PresentedProof {
    PresentedProof { proof: plain_proof(&test_key(1), claims), method: "POST", url: TOKEN_URL.to_owned() }
}

fn refusal(result: Result<JwkThumbprint, ProofFailure>) -> String {
    match result {
        Err(ProofFailure::Invalid(why)) => why.into_owned(),
        other => panic!("expected invalid_dpop_proof, got {other:?}"),
    }
}

#[tokio::test]
async fn a_valid_proof_proves_its_key_once() {
    let (dpop, _) = service(false);
    let proof = presented(&proof_claims("j1", TOKEN_URL, T0));
    assert_eq!(dpop.prove(&proof, None).await.unwrap(), test_key(1));
    assert!(refusal(dpop.prove(&proof, None).await).contains("used before"));
    // The same jti under another key is another proof (RFC 9449 §11.1).
    let other =
        PresentedProof { proof: plain_proof(&test_key(2), &proof_claims("j1", TOKEN_URL, T0)), ..proof };
    assert_eq!(dpop.prove(&other, None).await.unwrap(), test_key(2));
}

#[tokio::test]
async fn method_and_url_must_be_the_requests() {
    let (dpop, _) = service(false);
    let mut claims = proof_claims("j1", TOKEN_URL, T0);
    claims.htm = "GET".into();
    assert!(refusal(dpop.prove(&presented(&claims), None).await).contains("htm"));
    let claims = proof_claims("j2", "https://as.example/oauth/par", T0);
    assert!(refusal(dpop.prove(&presented(&claims), None).await).contains("htu"));
    // Query and fragment are not compared (§4.3 step 9).
    let claims = proof_claims("j3", "https://as.example/oauth/token?x=1#y", T0);
    assert!(dpop.prove(&presented(&claims), None).await.is_ok());
}

#[tokio::test]
async fn a_stale_or_future_proof_is_refused_and_not_spent() {
    let (dpop, clock) = service(false);
    let stale = proof_claims("j1", TOKEN_URL, T0 - Duration::seconds(61));
    assert!(refusal(dpop.prove(&presented(&stale), None).await).contains("iat"));
    let early = proof_claims("j2", TOKEN_URL, T0 + Duration::seconds(11));
    assert!(refusal(dpop.prove(&presented(&early), None).await).contains("iat"));
    // Refused before its jti was recorded: once the clock catches up, it is good.
    clock.advance(Duration::seconds(5));
    assert!(dpop.prove(&presented(&early), None).await.is_ok());
}

#[tokio::test]
async fn a_resource_request_needs_the_tokens_hash() {
    let (dpop, _) = service(false);
    let mut claims = proof_claims("j1", TOKEN_URL, T0);
    assert!(refusal(dpop.prove(&presented(&claims), Some("the-token")).await).contains("ath"));
    claims.ath = Some(access_token_hash("another-token"));
    assert!(refusal(dpop.prove(&presented(&claims), Some("the-token")).await).contains("ath"));
    claims.ath = Some(access_token_hash("the-token"));
    assert_eq!(dpop.prove(&presented(&claims), Some("the-token")).await.unwrap(), test_key(1));
}

#[tokio::test]
async fn with_nonces_on_a_proof_needs_a_current_nonce() {
    let (dpop, clock) = service(true);
    let mut claims = proof_claims("j1", TOKEN_URL, T0);
    assert!(matches!(dpop.prove(&presented(&claims), None).await, Err(ProofFailure::UseNonce)));
    claims.nonce = Some("nonce-made-up".into());
    assert!(matches!(dpop.prove(&presented(&claims), None).await, Err(ProofFailure::UseNonce)));
    claims.nonce = dpop.fresh_nonce();
    assert!(dpop.prove(&presented(&claims), None).await.is_ok(), "the nonce round trip");
    // An old nonce is refused again, with a fresh one to use.
    clock.advance(Duration::minutes(6));
    let mut later = proof_claims("j2", TOKEN_URL, T0 + Duration::minutes(6));
    later.nonce = claims.nonce.clone();
    assert!(matches!(dpop.prove(&presented(&later), None).await, Err(ProofFailure::UseNonce)));
    assert_ne!(dpop.fresh_nonce(), claims.nonce);
}

#[tokio::test]
async fn without_nonces_none_is_issued() {
    let (dpop, _) = service(false);
    assert_eq!(dpop.fresh_nonce(), None);
}

#[tokio::test]
async fn a_bad_signature_an_oversized_proof_and_a_bad_jti_are_refused() {
    let (dpop, _) = service(false);
    let forged = PresentedProof { proof: "forged".into(), method: "POST", url: TOKEN_URL.into() };
    assert!(refusal(dpop.prove(&forged, None).await).contains("signature"));
    let huge = PresentedProof { proof: "x".repeat(MAX_PROOF_LEN + 1), ..forged };
    assert!(refusal(dpop.prove(&huge, None).await).contains("too long"));
    for jti in [String::new(), "j".repeat(MAX_PROOF_ID_LEN + 1)] {
        assert!(
            refusal(dpop.prove(&presented(&proof_claims(&jti, TOKEN_URL, T0)), None).await).contains("jti")
        );
    }
}

#[tokio::test]
async fn a_proof_by_another_key_than_the_tokens_is_refused_unspent() {
    let (dpop, _) = service(false);
    let mut claims = proof_claims("j1", TOKEN_URL, T0);
    claims.ath = Some(access_token_hash("the-token"));
    let proof = presented(&claims);
    let refused = dpop.prove_key(&proof, "the-token", &test_key(2)).await;
    assert!(matches!(refused, Err(ProofFailure::Invalid(why)) if why.contains("bound")));
    assert!(dpop.prove_key(&proof, "the-token", &test_key(1)).await.is_ok(), "not spent by the refusal");
}

#[tokio::test]
async fn an_instance_whose_clock_runs_behind_the_janitors_still_refuses_a_replay() {
    // Two instances on one store; B's clock runs 30 s behind A's, and A's
    // janitor purges by A's clock as soon as the proof is too old for A.
    let store = Arc::new(InMemoryStore::default());
    let instance = |clock: Arc<ManualClock>| {
        DpopService::new(DpopPorts {
            verifier: Arc::new(PlainProofVerifier),
            seen: store.clone(),
            nonces: None,
            clock,
        })
    };
    let (clock_a, clock_b) =
        (Arc::new(ManualClock::at(T0)), Arc::new(ManualClock::at(T0 - Duration::seconds(30))));
    let (a, b) = (instance(clock_a.clone()), instance(clock_b.clone()));
    let proof = presented(&proof_claims("j1", TOKEN_URL, T0));
    assert!(a.prove(&proof, None).await.is_ok());
    clock_a.advance(PROOF_MAX_AGE + Duration::seconds(1));
    clock_b.advance(PROOF_MAX_AGE + Duration::seconds(1));
    crate::ports::OneTimeIdRepository::purge_expired(
        store.as_ref(),
        crate::ports::Clock::now(clock_a.as_ref()),
        100,
    )
    .await
    .unwrap();
    assert!(
        refusal(b.prove(&proof, None).await).contains("used before"),
        "B still accepts the iat: the id must still be there"
    );
}

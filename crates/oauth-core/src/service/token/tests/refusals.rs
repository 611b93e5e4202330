//! Requests the token service refuses although everything else about them is
//! in order: a PKCE downgrade, and an access token another issuer signed.

use super::*;

/// A code whose authorization request carried no `code_challenge`.
async fn code_without_challenge(h: &Harness, value: &str) {
    let code = AuthorizationCode {
        nonce: None,
        code_challenge: None,
        auth_time: T0,
        ..code_for(value, &["openid"])
    };
    CodeRepository::insert(h.store.as_ref(), &code).await.unwrap();
}

#[tokio::test]
async fn a_code_verifier_for_a_code_issued_without_a_challenge_is_a_downgrade() {
    // RFC 9700 §4.8.2: the verifier's presence alone tells that the client
    // believed it used PKCE, so a code without a challenge was injected or
    // its challenge stripped.
    let h = harness().await;
    code_without_challenge(&h, "c-plain-1").await;
    let downgraded =
        h.service.token(&basic("client1", "s"), exchange("c-plain-1", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(downgraded), "invalid_grant");

    // The same kind of code without a verifier is redeemable: the refusal
    // above is the verifier's doing, not the code's.
    code_without_challenge(&h, "c-plain-2").await;
    let mut plain = exchange("c-plain-2", VERIFIER);
    plain.code_verifier = None;
    assert_eq!(error_code(h.service.token(&basic("client1", "s"), plain, "192.0.2.1").await), "granted");
}

#[tokio::test]
async fn an_access_token_of_another_issuer_is_neither_live_nor_introspected() {
    // RFC 9068 §4: `iss` must be exactly ours. Another deployment sharing
    // the store and the keys, with the same audience, differs only in `iss`.
    let h = harness().await;
    let ports = Ports::over(
        &h.store,
        h.signer.clone(),
        h.signer.clone(),
        h.clock.clone(),
        Arc::new(SeqRandom::new(13)),
    );
    let policy = TokenPolicy { issuer: "https://other.example".into(), ..TokenPolicy::for_issuer(ISSUER) };
    let elsewhere = Endpoints::new(ports, Arc::default(), policy);
    code(&h, "c-1", &["openid"]).await;
    let granted =
        elsewhere.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await.unwrap();
    let access = granted.response.access_token;
    assert!(elsewhere.userinfo(&access).await.is_ok(), "live where it was issued");

    assert!(matches!(h.service.userinfo(&access).await, Err(UserinfoFailure::InvalidToken)));
    let (_, answer) = h.service.introspect(&basic("client1", "s"), Some(access), "192.0.2.1").await.unwrap();
    assert_eq!(answer, Introspection::Inactive);
}

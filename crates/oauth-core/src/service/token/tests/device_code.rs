//! The device code grant over the in-memory store (RFC 8628 §3.4–3.5).

use std::collections::BTreeSet;

use super::*;
use crate::device_authorization::{
    DEFAULT_DEVICE_CODE_LIFETIME, DEFAULT_POLL_INTERVAL, DeviceAuthorization, DeviceDecision, UserCode,
};
use crate::ports::DeviceAuthorizationRepository;

const DEVICE_CODE: &str = "the-device-code-handed-to-the-television";

/// client1 may use the device grant; a pending authorization of its,
/// created at T0 for `granted`; the user code's text.
async fn device(h: &Harness, granted: &[&str]) -> UserCode {
    let mut client = fixtures::client(1, "Billing", "s");
    client.metadata.grant_types =
        [GrantType::AuthorizationCode, GrantType::RefreshToken, GrantType::DeviceCode].into();
    ClientRepository::update(h.store.as_ref(), &client).await.unwrap();
    let user_code = UserCode::generate(&SeqRandom::new(3)).unwrap();
    let device = DeviceAuthorization {
        device_code: crate::device_authorization::DeviceCodeDigest::of(DEVICE_CODE),
        user_code: user_code.digest(),
        client_id: client.id,
        scopes: scopes(granted),
        resources: BTreeSet::new(),
        decision: DeviceDecision::Pending,
        entered_by: None,
        interval: DEFAULT_POLL_INTERVAL,
        last_polled_at: None,
        created_at: T0,
        expires_at: T0 + DEFAULT_DEVICE_CODE_LIFETIME,
    };
    DeviceAuthorizationRepository::insert(h.store.as_ref(), &device).await.unwrap();
    user_code
}

fn poll(device_code: &str) -> TokenParams {
    TokenParams {
        grant_type: Some(crate::device_authorization::DEVICE_CODE_GRANT.into()),
        device_code: Some(device_code.into()),
        ..TokenParams::default()
    }
}

/// A poll at T0 + `seconds` (the clock only moves forward).
async fn poll_at(h: &Harness, seconds: i64) -> Result<Granted, TokenFailure> {
    let now = h.clock.now();
    h.clock.advance(T0 + Duration::seconds(seconds) - now);
    h.service.token(&basic("client1", "s"), poll(DEVICE_CODE), "192.0.2.1").await
}

fn approved() -> DeviceDecision {
    DeviceDecision::Approved { user_id: fixtures::user(1, "ada@example.com").id, auth_time: T0 }
}

/// RFC 8628 §3.5: pending, then `slow_down` with the interval raised by 5 s
/// for every later poll, then pending again once the poll is slow enough.
#[tokio::test]
async fn polls_are_pending_until_the_user_decides_and_too_fast_ones_slow_down() {
    let h = harness().await;
    device(&h, &["openid"]).await;
    assert_eq!(error_code(poll_at(&h, 0).await), "authorization_pending");
    assert_eq!(error_code(poll_at(&h, 1).await), "slow_down");
    assert_eq!(error_code(poll_at(&h, 7).await), "slow_down", "the interval is now 10 s");
    assert_eq!(error_code(poll_at(&h, 23).await), "authorization_pending", "15 s after the last");
}

/// Approved: the same tokens as the code flow (an ID token for `openid`, a
/// refresh token for `offline_access`), once; a second poll is refused.
#[tokio::test]
async fn an_approved_device_gets_tokens_once() {
    let h = harness().await;
    let user_code = device(&h, &["openid", "offline_access"]).await;
    assert!(
        DeviceAuthorizationRepository::decide(h.store.as_ref(), &user_code.digest(), approved(), T0)
            .await
            .unwrap()
    );
    let granted = poll_at(&h, 1).await.expect("tokens, whatever the poll's timing");
    assert!(granted.response.id_token.is_some(), "openid");
    assert!(granted.response.refresh_token.is_some(), "offline_access");
    assert_eq!(error_code(poll_at(&h, 10).await), "invalid_grant", "one device code, one set of tokens");
}

#[tokio::test]
async fn a_denied_device_is_told_so_and_an_expired_one_to_start_again() {
    let h = harness().await;
    let user_code = device(&h, &["openid"]).await;
    DeviceAuthorizationRepository::decide(h.store.as_ref(), &user_code.digest(), DeviceDecision::Denied, T0)
        .await
        .unwrap();
    assert_eq!(error_code(poll_at(&h, 5).await), "access_denied");
    assert_eq!(error_code(poll_at(&h, 600).await), "expired_token");
}

/// Another client's poll with the device code learns nothing and spends
/// nothing; a made-up code and a missing one are refused alike.
#[tokio::test]
async fn only_the_client_that_asked_may_poll() {
    let h = harness().await;
    let user_code = device(&h, &["openid"]).await;
    DeviceAuthorizationRepository::decide(h.store.as_ref(), &user_code.digest(), approved(), T0)
        .await
        .unwrap();
    let mut other = fixtures::client(3, "Other", "o");
    other.metadata.grant_types = [GrantType::AuthorizationCode, GrantType::DeviceCode].into();
    ClientRepository::insert(h.store.as_ref(), &other).await.unwrap();
    let foreign = h.service.token(&basic("client3", "o"), poll(DEVICE_CODE), "192.0.2.1").await;
    assert_eq!(error_code(foreign), "invalid_grant");
    let made_up = h.service.token(&basic("client1", "s"), poll("made-up"), "192.0.2.1").await;
    assert_eq!(error_code(made_up), "invalid_grant");
    let missing = TokenParams { device_code: None, ..poll(DEVICE_CODE) };
    assert_eq!(
        error_code(h.service.token(&basic("client1", "s"), missing, "192.0.2.1").await),
        "invalid_request"
    );
    assert!(poll_at(&h, 1).await.is_ok(), "the client that asked still gets its tokens");
}

/// A user signed out everywhere after approving: the device gets nothing.
#[tokio::test]
async fn an_approval_from_before_a_sign_out_everywhere_yields_nothing() {
    let h = harness().await;
    let user_code = device(&h, &["openid"]).await;
    let decision = DeviceDecision::Approved {
        user_id: fixtures::user(1, "ada@example.com").id,
        auth_time: T0 - Duration::minutes(1),
    };
    DeviceAuthorizationRepository::decide(h.store.as_ref(), &user_code.digest(), decision, T0).await.unwrap();
    UserRepository::sign_out_everywhere(h.store.as_ref(), fixtures::user(1, "ada@example.com").id, T0)
        .await
        .unwrap();
    assert_eq!(error_code(poll_at(&h, 1).await), "invalid_grant");
}

/// A client that did not register the grant is `unauthorized_client`.
#[tokio::test]
async fn a_client_without_the_grant_is_unauthorized() {
    let h = harness().await;
    let refused = h.service.token(&basic("client1", "s"), poll(DEVICE_CODE), "192.0.2.1").await;
    assert_eq!(error_code(refused), "unauthorized_client");
}

/// RFC 9449 on the device grant: a poll with a proof gets DPoP-bound
/// tokens; a confidential client's refresh token is not bound (§5).
#[tokio::test]
async fn a_poll_with_a_dpop_proof_gets_bound_tokens() {
    use crate::service::dpop::PresentedProof;
    use crate::testing::dpop::{plain_proof, proof_claims, test_key};
    use crate::token::TokenType;
    const TOKEN_URL: &str = "https://id.example/oauth/token";
    let h = harness().await;
    let user_code = device(&h, &["openid", "offline_access"]).await;
    DeviceAuthorizationRepository::decide(h.store.as_ref(), &user_code.digest(), approved(), T0)
        .await
        .unwrap();
    let proof = PresentedProof {
        proof: plain_proof(&test_key(1), &proof_claims("device-p1", TOKEN_URL, T0)),
        method: "POST",
        url: TOKEN_URL.into(),
    };
    let params = TokenParams { dpop: Some(proof), ..poll(DEVICE_CODE) };
    let granted = h.service.token(&basic("client1", "s"), params, "192.0.2.1").await.unwrap();
    assert_eq!(granted.response.token_type, TokenType::Dpop);
    let refresh_token = granted.response.refresh_token.unwrap().expose().to_owned();
    let refreshed = h.service.token(&basic("client1", "s"), refresh(&refresh_token, None), "192.0.2.1").await;
    assert_eq!(error_code(refreshed), "granted", "a confidential client's family is not bound");
}

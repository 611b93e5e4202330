//! Sign-out and RP-initiated logout, after a sign-in through the
//! authorization flow's test harness.

use time::Duration;

use super::*;
use crate::client::ClientId;
use crate::ports::ClientRepository;
use crate::ports::TokenSigner as _;
use crate::redirect_uri::RedirectUri;
use crate::service::authorize::PageError;
use crate::service::authorize::tests::{Harness, harness, request, sign_in};
use crate::testing::fixtures::T0;
use crate::token::{IdTokenClaims, SigningAlg};

const BACK: &str = "https://rp.example/signed-out";

async fn with_logout_uri(h: &Harness) {
    let id = ClientId::parse("client1").unwrap();
    let mut client = ClientRepository::find(h.store.as_ref(), &id).await.unwrap().unwrap();
    client.metadata.post_logout_redirect_uris =
        vec![RedirectUri::parse(BACK, client.metadata.client_type).unwrap()];
    ClientRepository::update(h.store.as_ref(), &client).await.unwrap();
}

async fn hint_for(h: &Harness, sub: &str) -> String {
    let claims = IdTokenClaims {
        iss: "https://id.example".into(),
        sub: sub.into(),
        aud: "client1".into(),
        exp: T0.unix_timestamp() + 600,
        iat: T0.unix_timestamp(),
        auth_time: T0.unix_timestamp(),
        nonce: None,
        at_hash: String::new(),
        azp: "client1".into(),
    };
    h.signer.sign_id_token(&claims, SigningAlg::Rs256).await.unwrap()
}

fn params(hint: Option<&str>, client: Option<&str>, uri: Option<&str>) -> EndSessionParams {
    EndSessionParams {
        id_token_hint: hint.map(str::to_owned),
        client_id: client.map(str::to_owned),
        post_logout_redirect_uri: uri.map(str::to_owned),
        state: Some("st&1".into()),
    }
}

#[tokio::test]
async fn a_hint_for_the_signed_in_user_ends_the_session_and_returns_with_state() {
    let h = harness().await;
    with_logout_uri(&h).await;
    let (cookie, _) = sign_in(&h, request(&[])).await;
    let hint = hint_for(&h, &h.user.id.to_string()).await;
    // Expired hints are fine (RP-Initiated Logout §2).
    h.clock.advance(Duration::hours(2));
    let ended = h.logout.end_session(params(Some(&hint), None, Some(BACK)), Some(&cookie), None).await;
    assert_eq!(ended.unwrap(), EndSession::Ended { redirect: Some(format!("{BACK}?state=st%261")) });
    assert!(h.logout.signed_in_as(Some(&cookie)).await.unwrap().is_none(), "the session is gone");
}

#[tokio::test]
async fn without_a_matching_hint_the_user_is_asked_and_the_form_needs_its_token() {
    let h = harness().await;
    with_logout_uri(&h).await;
    let (cookie, _) = sign_in(&h, request(&[])).await;
    let someone_else = hint_for(&h, "another-user").await;
    for request in [params(None, Some("client1"), Some(BACK)), params(Some(&someone_else), None, None)] {
        let asked = h.logout.end_session(request, Some(&cookie), None).await.unwrap();
        let EndSession::Confirm { email, csrf, .. } = asked else { panic!("asks first") };
        assert_eq!((email.as_str(), csrf), ("ada@example.com", crate::session::csrf_token(&cookie)));
    }
    let forged =
        h.logout.end_session(params(None, Some("client1"), Some(BACK)), Some(&cookie), Some("x")).await;
    assert!(matches!(forged, Err(PageError::Forbidden)));
    assert!(h.logout.signed_in_as(Some(&cookie)).await.unwrap().is_some(), "still signed in");
    let csrf = crate::session::csrf_token(&cookie);
    let confirmed =
        h.logout.end_session(params(None, Some("client1"), Some(BACK)), Some(&cookie), Some(&csrf)).await;
    assert!(matches!(confirmed, Ok(EndSession::Ended { redirect: Some(_) })));
    assert!(h.logout.signed_in_as(Some(&cookie)).await.unwrap().is_none());
}

#[tokio::test]
async fn unregistered_targets_and_bad_hints_are_refused_before_anything_ends() {
    let h = harness().await;
    with_logout_uri(&h).await;
    let (cookie, _) = sign_in(&h, request(&[])).await;
    let hint = hint_for(&h, &h.user.id.to_string()).await;
    let refused = [
        params(Some(&hint), None, Some("https://evil.example/")),
        params(Some(&hint), None, Some(&format!("{BACK}/more"))),
        params(None, None, Some(BACK)),
        params(Some("id.RS256.forged"), None, Some(BACK)),
        params(Some(&hint), Some("client2"), Some(BACK)),
        params(None, Some("nobody"), Some(BACK)),
    ];
    for request in refused {
        let outcome = h.logout.end_session(request.clone(), Some(&cookie), None).await;
        assert!(matches!(outcome, Err(PageError::BadRequest(_))), "{request:?}: {outcome:?}");
    }
    assert!(h.logout.signed_in_as(Some(&cookie)).await.unwrap().is_some(), "nothing ended");
}

#[tokio::test]
async fn without_a_return_uri_an_unverifiable_request_is_asked_about_not_refused() {
    let h = harness().await;
    let (cookie, _) = sign_in(&h, request(&[])).await;
    let hint = hint_for(&h, &h.user.id.to_string()).await;
    for request in [
        params(Some("id.RS256.forged"), None, None),
        params(Some(&hint), Some("client2"), None),
        params(None, Some("nobody"), None),
    ] {
        let outcome = h.logout.end_session(request.clone(), Some(&cookie), None).await;
        assert!(matches!(outcome, Ok(EndSession::Confirm { .. })), "{request:?}: {outcome:?}");
    }
    assert!(h.logout.signed_in_as(Some(&cookie)).await.unwrap().is_some(), "asked, not ended");
}

#[tokio::test]
async fn without_a_session_there_is_nothing_to_end_but_the_return_still_works() {
    let h = harness().await;
    with_logout_uri(&h).await;
    let ended = h.logout.end_session(params(None, Some("client1"), Some(BACK)), None, None).await.unwrap();
    assert_eq!(ended, EndSession::Ended { redirect: Some(format!("{BACK}?state=st%261")) });
    let bare = h.logout.end_session(EndSessionParams::default(), None, None).await.unwrap();
    assert_eq!(bare, EndSession::Ended { redirect: None }, "our signed-out page");
}

#[tokio::test]
async fn logout_ends_the_session_and_needs_its_token() {
    let h = harness().await;
    let (cookie, _) = sign_in(&h, request(&[])).await;
    assert!(matches!(h.logout.logout(Some(&cookie), "forged").await, Err(PageError::Forbidden)));
    let csrf = crate::session::csrf_token(&cookie);
    assert!(h.logout.logout(Some(&cookie), &csrf).await.unwrap());
    assert!(h.logout.signed_in_as(Some(&cookie)).await.unwrap().is_none());
    assert!(!h.logout.logout(Some(&cookie), &csrf).await.unwrap(), "nothing left to end");
}

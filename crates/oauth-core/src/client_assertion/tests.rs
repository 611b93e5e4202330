#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use super::*;
use crate::testing::fixtures::T0;

const ISSUER: &str = "https://id.example";

fn policy() -> AudiencePolicy {
    AudiencePolicy { issuer: ISSUER.into(), legacy_token_endpoint: None }
}

fn claims() -> AssertionClaims {
    AssertionClaims {
        iss: Some("client1".into()),
        sub: Some("client1".into()),
        aud: Some(Audience::One(ISSUER.into())),
        exp: Some((T0 + Duration::minutes(1)).unix_timestamp()),
        nbf: None,
        iat: Some(T0.unix_timestamp()),
        jti: Some("a1".into()),
    }
}

fn refused(change: impl FnOnce(&mut AssertionClaims)) -> &'static str {
    let mut claims = claims();
    change(&mut claims);
    judge(&claims, "client1", &policy(), T0).unwrap_err()
}

#[test]
fn a_good_assertion_names_its_jti_and_expiry() {
    let (jti, exp) = judge(&claims(), "client1", &policy(), T0).unwrap();
    assert_eq!((jti.as_str(), exp), ("a1", T0 + Duration::minutes(1)));
}

#[test]
fn iss_and_sub_must_be_the_client() {
    assert!(refused(|c| c.iss = Some("client2".into())).contains("iss"));
    assert!(refused(|c| c.sub = Some("client2".into())).contains("sub"));
    assert!(refused(|c| c.sub = None).contains("sub"));
}

#[test]
fn aud_is_our_issuer_alone() {
    assert!(refused(|c| c.aud = Some(Audience::Many(vec![ISSUER.into()]))).contains("single string"));
    assert!(refused(|c| c.aud = Some(Audience::One("https://other.example".into()))).contains("aud"));
    let token_endpoint = format!("{ISSUER}/oauth/token");
    assert!(refused(|c| c.aud = Some(Audience::One(token_endpoint.clone()))).contains("aud"));
    assert!(refused(|c| c.aud = None).contains("aud"));
    // Behind the legacy switch, the token endpoint's URL too.
    let legacy = AudiencePolicy { legacy_token_endpoint: Some(token_endpoint.clone()), ..policy() };
    let mut sent = claims();
    sent.aud = Some(Audience::One(token_endpoint));
    assert!(judge(&sent, "client1", &legacy, T0).is_ok());
}

#[test]
fn exp_is_required_in_the_future_and_near() {
    assert!(refused(|c| c.exp = None).contains("exp"));
    assert!(refused(|c| c.exp = Some(T0.unix_timestamp())).contains("expired"));
    assert!(refused(|c| c.exp = Some((T0 + Duration::minutes(6)).unix_timestamp())).contains("five minutes"));
}

#[test]
fn not_before_and_issued_at_are_not_in_the_future() {
    assert!(
        refused(|c| c.nbf = Some((T0 + Duration::minutes(1)).unix_timestamp())).contains("not valid yet")
    );
    assert!(
        refused(|c| c.iat = Some((T0 + Duration::minutes(1)).unix_timestamp())).contains("not valid yet")
    );
}

#[test]
fn jti_is_required_and_bounded() {
    assert!(refused(|c| c.jti = None).contains("jti"));
    assert!(refused(|c| c.jti = Some("j".repeat(257))).contains("jti"));
}

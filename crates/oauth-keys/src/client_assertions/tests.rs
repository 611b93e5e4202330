#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use josekit::jwk::Jwk;
use josekit::jws::{ES256, HS256, JwsHeader, JwsSigner, RS256};
use josekit::jwt::{self, JwtPayload};
use serde_json::json;

use super::*;

fn payload() -> JwtPayload {
    let claims =
        json!({"iss": "c1", "sub": "c1", "aud": "https://id.example", "exp": 1_800_000_060, "jti": "j1"});
    JwtPayload::from_map(claims.as_object().unwrap().clone()).unwrap()
}

fn signed(signer: &dyn JwsSigner, kid: Option<&str>) -> String {
    let mut header = JwsHeader::new();
    if let Some(kid) = kid {
        header.set_key_id(kid);
    }
    jwt::encode_with_signer(&payload(), &header, signer).unwrap()
}

fn set_of(keys: &[Jwk]) -> String {
    json!({ "keys": keys.iter().map(|k| Value::Object(k.as_ref().clone())).collect::<Vec<_>>() }).to_string()
}

fn es256(kid: &str) -> (Box<dyn JwsSigner>, Jwk) {
    let pair = ES256.generate_key_pair().unwrap();
    let mut public = pair.to_jwk_public_key();
    public.set_key_id(kid);
    (Box::new(ES256.signer_from_jwk(&pair.to_jwk_private_key()).unwrap()), public)
}

#[tokio::test]
async fn an_assertion_signed_by_the_key_its_kid_names_verifies() {
    let (signer, public) = es256("k1");
    let (_, other) = es256("k2");
    let jwks = set_of(&[other, public]);
    let claims = JoseAssertionVerifier.verify(&signed(signer.as_ref(), Some("k1")), &jwks).await.unwrap();
    assert_eq!((claims.iss.as_deref(), claims.jti.as_deref()), (Some("c1"), Some("j1")));
    // A set of one key needs no kid.
    let rsa = RS256.generate_key_pair(2048).unwrap();
    let rsa_signer = RS256.signer_from_jwk(&rsa.to_jwk_private_key()).unwrap();
    let one = set_of(&[rsa.to_jwk_public_key()]);
    assert!(JoseAssertionVerifier.verify(&signed(&rsa_signer, None), &one).await.is_ok());
}

#[tokio::test]
async fn hmac_none_unknown_kids_and_other_keys_are_refused() {
    let (signer, public) = es256("k1");
    let (other_signer, _) = es256("k1");
    let jwks = set_of(&[public]);
    let hmac = HS256.signer_from_bytes(b"the registered set is public: any HMAC key is known").unwrap();
    let refusals = [
        (signed(&hmac, Some("k1")), "alg"),
        (jwt::encode_unsecured(&payload(), &JwsHeader::new()).unwrap(), "alg"),
        (signed(signer.as_ref(), Some("k9")), "kid"),
        (signed(other_signer.as_ref(), Some("k1")), "signature"),
        ("garbage".to_owned(), "JWT"),
    ];
    for (assertion, why) in refusals {
        let refused = JoseAssertionVerifier.verify(&assertion, &jwks).await.unwrap_err();
        assert!(refused.0.contains(why), "{why}: {refused}");
    }
}

#[test]
fn only_sets_of_usable_public_keys_may_be_registered() {
    let (_, k1) = es256("k1");
    let (_, k2) = es256("k2");
    assert_eq!(check_client_jwks(&set_of(&[k1.clone(), k2])), Ok(()));
    let mut unnamed = k1.clone();
    unnamed.set_key_id("k1");
    let (_, mut twin) = es256("x");
    twin.set_key_id("k1");
    assert!(check_client_jwks(&set_of(&[unnamed, twin])).unwrap_err().contains("kid"));
    let private = ES256.generate_key_pair().unwrap().to_jwk_private_key();
    assert!(check_client_jwks(&set_of(&[private])).unwrap_err().contains("private"));
    let secret = Jwk::from_map(json!({"kty": "oct", "k": "c2VjcmV0"}).as_object().unwrap().clone()).unwrap();
    assert!(check_client_jwks(&set_of(&[secret])).is_err());
    assert!(check_client_jwks("{\"keys\": []}").is_err());
    assert!(check_client_jwks("not json").is_err());
}

#[tokio::test]
async fn a_key_is_used_only_as_registered() {
    let (signer, public) = es256("k1");
    let mut for_encryption = public.clone();
    for_encryption.set_key_use("enc");
    assert!(check_client_jwks(&set_of(&[for_encryption])).unwrap_err().contains("sig"));
    let mut for_es384 = public.clone();
    for_es384.set_algorithm("ES384");
    assert_eq!(check_client_jwks(&set_of(&[for_es384.clone()])), Ok(()));
    let refused =
        JoseAssertionVerifier.verify(&signed(signer.as_ref(), Some("k1")), &set_of(&[for_es384])).await;
    assert!(refused.unwrap_err().0.contains("another alg"), "an ES256 assertion for an ES384 key");
}

/// A published set may also hold encryption keys: the one an assertion
/// names must be a signing key, whatever else the set holds.
#[tokio::test]
async fn a_key_meant_for_something_else_verifies_nothing() {
    let (signer, public) = es256("k1");
    for (member, value) in [("use", json!("enc")), ("key_ops", json!(["encrypt"]))] {
        let mut marked = public.as_ref().clone();
        marked.insert(member.into(), value);
        let jwks = json!({ "keys": [Value::Object(marked)] }).to_string();
        let refused =
            JoseAssertionVerifier.verify(&signed(signer.as_ref(), Some("k1")), &jwks).await.unwrap_err();
        assert!(refused.0.contains("not a signing key"), "{member}: {refused}");
        assert!(check_client_jwks(&jwks).is_err(), "{member}: nor may it be registered");
    }
    let (_, encryption) = es256("e1");
    let mut encryption = encryption.as_ref().clone();
    encryption.insert("use".into(), json!("enc"));
    let mixed =
        json!({ "keys": [Value::Object(encryption), Value::Object(public.as_ref().clone())] }).to_string();
    assert!(JoseAssertionVerifier.verify(&signed(signer.as_ref(), Some("k1")), &mixed).await.is_ok());
}

/// RFC 7517 §4.5: one kid may name an encryption key and a signing key;
/// the signing one verifies, in either order.
#[tokio::test]
async fn a_kid_shared_with_an_encryption_key_picks_the_signing_key() {
    let (signer, public) = es256("k1");
    let (_, encryption) = es256("k1");
    let mut encryption = encryption.as_ref().clone();
    encryption.insert("use".into(), json!("enc"));
    let signing = Value::Object(public.as_ref().clone());
    for keys in [json!([encryption.clone(), signing.clone()]), json!([signing.clone(), encryption.clone()])] {
        let jwks = json!({ "keys": keys }).to_string();
        assert!(
            JoseAssertionVerifier.verify(&signed(signer.as_ref(), Some("k1")), &jwks).await.is_ok(),
            "{jwks}"
        );
    }
}

#[test]
fn a_published_set_holds_public_keys_only() {
    let (_, public) = es256("k1");
    let mut encryption = public.as_ref().clone();
    encryption.insert("use".into(), json!("enc"));
    let many: Vec<Value> = (0..100).map(|_| Value::Object(public.as_ref().clone())).collect();
    for good in [
        set_of(std::slice::from_ref(&public)),
        json!({"keys": [Value::Object(encryption)]}).to_string(),
        json!({"keys": many}).to_string(),
        r#"{"keys":[]}"#.into(),
    ] {
        assert_eq!(check_published_jwks(&good), Ok(()), "{good}");
    }
    let private = ES256.generate_key_pair().unwrap().to_jwk_private_key();
    let too_many: Vec<Value> = (0..101).map(|_| Value::Object(public.as_ref().clone())).collect();
    for (bad, why) in [
        (set_of(&[private]), "private"),
        (r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#.to_owned(), "symmetric"),
        (r#"{"keys":[1]}"#.to_owned(), "object"),
        (r#"{"keys":[{"kid":"x"}]}"#.to_owned(), "kty"),
        (r#"{"kid":"x"}"#.to_owned(), "JWK Set"),
        (json!({"keys": too_many}).to_string(), "keys"),
        ("not json".to_owned(), "JSON"),
    ] {
        assert!(check_published_jwks(&bad).unwrap_err().contains(why), "{why}");
    }
}

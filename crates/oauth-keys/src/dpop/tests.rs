#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use josekit::jwk::Jwk;
use josekit::jwk::alg::ed::EdCurve;
use josekit::jws::{ES256, ES384, EdDSA, HS256, JwsHeader, JwsSigner, PS256, RS256};
use josekit::jwt::{self, JwtPayload};
use serde_json::{Value, json};

use super::*;

fn claims() -> JwtPayload {
    let Value::Object(map) = json!({
        "jti": "e1j3V_bKic8-LAEB", "htm": "POST", "htu": "https://as.example/oauth/token", "iat": 1_800_000_000,
    }) else {
        unreachable!()
    };
    JwtPayload::from_map(map).unwrap()
}

fn signed(signer: &dyn JwsSigner, typ: &str, jwk: &Jwk) -> String {
    let mut header = JwsHeader::new();
    header.set_token_type(typ);
    header.set_claim("jwk", Some(Value::Object(jwk.as_ref().clone()))).unwrap();
    jwt::encode_with_signer(&claims(), &header, signer).unwrap()
}

fn es256() -> (Box<dyn JwsSigner>, Jwk) {
    let pair = ES256.generate_key_pair().unwrap();
    (Box::new(ES256.signer_from_jwk(&pair.to_jwk_private_key()).unwrap()), pair.to_jwk_public_key())
}

async fn verified(proof: &str) -> Result<SignedProof, ProofRefused> {
    JoseDpopVerifier.verify(proof).await
}

#[tokio::test]
async fn every_listed_algorithm_verifies_and_yields_the_rfc_7638_thumbprint() {
    let rsa = RS256.generate_key_pair(2048).unwrap();
    let ps = PS256.generate_key_pair(2048).unwrap();
    let ec384 = ES384.generate_key_pair().unwrap();
    let ed = EdDSA.generate_key_pair(EdCurve::Ed25519).unwrap();
    let (es, es_public) = es256();
    let cases: Vec<(Box<dyn JwsSigner>, Jwk)> = vec![
        (es, es_public),
        (Box::new(ES384.signer_from_jwk(&ec384.to_jwk_private_key()).unwrap()), ec384.to_jwk_public_key()),
        (Box::new(RS256.signer_from_jwk(&rsa.to_jwk_private_key()).unwrap()), rsa.to_jwk_public_key()),
        (Box::new(PS256.signer_from_jwk(&ps.to_jwk_private_key()).unwrap()), ps.to_jwk_public_key()),
        (Box::new(EdDSA.signer_from_jwk(&ed.to_jwk_private_key()).unwrap()), ed.to_jwk_public_key()),
    ];
    assert_eq!(cases.len(), PROOF_SIGNING_ALGS.len(), "a test per listed algorithm");
    for (signer, public) in cases {
        let proof = signed(signer.as_ref(), "dpop+jwt", &public);
        let accepted =
            verified(&proof).await.unwrap_or_else(|e| panic!("{}: {e}", signer.algorithm().name()));
        assert_eq!(accepted.key.as_str(), thumbprint(&public).unwrap());
        assert_eq!(accepted.claims.htm, "POST");
        assert_eq!(accepted.claims.iat, 1_800_000_000);
    }
}

#[tokio::test]
async fn a_wrong_typ_is_refused() {
    let (signer, public) = es256();
    let refused = verified(&signed(signer.as_ref(), "JWT", &public)).await.unwrap_err();
    assert!(refused.0.contains("typ"), "{refused}");
}

#[tokio::test]
async fn alg_none_and_hmac_are_refused() {
    let (_, public) = es256();
    let mut header = JwsHeader::new();
    header.set_token_type("dpop+jwt");
    header.set_claim("jwk", Some(Value::Object(public.as_ref().clone()))).unwrap();
    let unsecured = jwt::encode_unsecured(&claims(), &header).unwrap();
    assert!(verified(&unsecured).await.unwrap_err().0.contains("alg"));
    let hmac = HS256.signer_from_bytes(b"a shared secret of thirty-two bytes!").unwrap();
    let secret_jwk = Jwk::from_map(
        json!({"kty": "oct", "k": "YSBzaGFyZWQgc2VjcmV0IG9mIHRoaXJ0eS10d28gYnl0ZXMh"})
            .as_object()
            .unwrap()
            .clone(),
    )
    .unwrap();
    assert!(verified(&signed(&hmac, "dpop+jwt", &secret_jwk)).await.unwrap_err().0.contains("alg"));
}

#[tokio::test]
async fn a_private_key_in_the_header_is_refused() {
    let pair = ES256.generate_key_pair().unwrap();
    let private = pair.to_jwk_private_key();
    let signer = ES256.signer_from_jwk(&private).unwrap();
    let refused = verified(&signed(&signer, "dpop+jwt", &private)).await.unwrap_err();
    assert!(refused.0.contains("private"), "{refused}");
}

#[tokio::test]
async fn a_signature_by_another_key_is_refused() {
    let (signer, _) = es256();
    let (_, other_public) = es256();
    let refused = verified(&signed(signer.as_ref(), "dpop+jwt", &other_public)).await.unwrap_err();
    assert!(refused.0.contains("signature"), "{refused}");
}

#[tokio::test]
async fn a_key_that_does_not_fit_the_alg_or_is_too_short_is_refused() {
    let rsa = RS256.generate_key_pair(2048).unwrap();
    let (es, _) = es256();
    let refused = verified(&signed(es.as_ref(), "dpop+jwt", &rsa.to_jwk_public_key())).await.unwrap_err();
    assert!(refused.0.contains("fit"), "{refused}");
    // A 1024-bit modulus (josekit will not make one): refused before any check.
    let mut short = rsa.to_jwk_public_key();
    short.set_parameter("n", Some(Value::String("A".repeat(171)))).unwrap();
    let signer = RS256.signer_from_jwk(&rsa.to_jwk_private_key()).unwrap();
    let refused = verified(&signed(&signer, "dpop+jwt", &short)).await.unwrap_err();
    assert!(refused.0.contains("2048"), "{refused}");
    // A huge modulus or exponent: refused before any arithmetic.
    let mut huge = rsa.to_jwk_public_key();
    huge.set_parameter("n", Some(Value::String("A".repeat(2731)))).unwrap();
    let refused = verified(&signed(&signer, "dpop+jwt", &huge)).await.unwrap_err();
    assert!(refused.0.contains("4096"), "{refused}");
    let mut odd_exponent = rsa.to_jwk_public_key();
    odd_exponent.set_parameter("e", Some(Value::String("A".repeat(512)))).unwrap();
    let refused = verified(&signed(&signer, "dpop+jwt", &odd_exponent)).await.unwrap_err();
    assert!(refused.0.contains("65537"), "{refused}");
}

#[tokio::test]
async fn members_beside_the_key_do_not_change_how_it_verifies() {
    let (signer, public) = es256();
    let mut labelled = public.clone();
    labelled.set_key_id("client-key-1");
    labelled.set_algorithm("ES256");
    let accepted = verified(&signed(signer.as_ref(), "dpop+jwt", &labelled)).await.unwrap();
    assert_eq!(accepted.key.as_str(), thumbprint(&public).unwrap(), "the thumbprint ignores them too");
}

#[tokio::test]
async fn garbage_and_missing_claims_are_refused_without_panicking() {
    for junk in ["", "a.b.c", "not a jwt", "eyJhbGciOiJFUzI1NiJ9..", &"x.".repeat(5000)] {
        assert!(verified(junk).await.is_err(), "{junk}");
    }
    let (signer, public) = es256();
    let mut header = JwsHeader::new();
    header.set_token_type("dpop+jwt");
    header.set_claim("jwk", Some(Value::Object(public.as_ref().clone()))).unwrap();
    let no_claims = jwt::encode_with_signer(&JwtPayload::new(), &header, signer.as_ref()).unwrap();
    assert!(verified(&no_claims).await.unwrap_err().0.contains("jti"));
}

//! Forged and mistyped tokens our verifier must refuse (RFC 8725 §3.1,
//! §3.11; RFC 9068 §4; ASVS 9.1.2, 9.1.3): the key is chosen by us among the
//! keys we publish, never taken from the token, and the type is pinned.

use oauth_core::ports::{TokenVerifier, VerifyError};

use josekit::jwk::Jwk;

use super::*;

fn payload(claims: impl serde::Serialize) -> JwtPayload {
    let Value::Object(map) = serde_json::to_value(claims).unwrap() else { panic!("claims are an object") };
    JwtPayload::from_map(map).unwrap()
}

#[tokio::test]
async fn each_verifier_takes_only_its_own_typ() {
    // RFC 9068 §4 and RFC 8725 §3.11: the claims of either kind, signed by our
    // own active key, are refused under the other kind's `typ`, so only the
    // header decides and a token cannot be replayed in the other role.
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let signer = signer_on(&store, &clock).await;
    let (access, id) = (claims(), id_claims());
    let (access, id) = (TokenClaims::Access(&access), TokenClaims::Id(&id));
    for alg in SigningAlg::ALL {
        let good_access = signer.sign(*alg, "at+jwt", access).await.unwrap();
        assert_eq!(signer.verify_access_token(&good_access).await.unwrap(), claims(), "{alg}");
        let good_id = signer.sign(*alg, "JWT", id).await.unwrap();
        assert_eq!(signer.verify_id_token(&good_id).await.unwrap(), id_claims(), "{alg}");

        for typ in ["JWT", "jwt", "application/jwt"] {
            let typed = signer.sign(*alg, typ, access).await.unwrap();
            let refused = signer.verify_access_token(&typed).await;
            assert!(matches!(refused, Err(VerifyError::Invalid(_))), "{alg}: typ {typ} as an access token");
        }
        let id_as_access = signer.sign(*alg, "at+jwt", id).await.unwrap();
        assert!(matches!(signer.verify_id_token(&id_as_access).await, Err(VerifyError::Invalid(_))), "{alg}");
    }
}

/// Puts into a header a way to find the attacker's key.
type Shape = fn(&mut JwsHeader, &Jwk);

#[tokio::test]
async fn a_key_carried_or_pointed_to_by_the_token_is_never_used() {
    // RFC 8725 §3.1 and ASVS 9.1.3: `jwk`, `jku` and `x5u` name keys chosen by
    // whoever made the token. Each forgery below is signed with the
    // attacker's own key and verifies with it, yet we refuse it.
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let signer = signer_on(&store, &clock).await;
    let ours = signer.active_kid(SigningAlg::Es256).await.unwrap();
    let attacker = ES256.generate_key_pair().unwrap();
    let attacker_public = josekit::jwk::KeyPair::to_jwk_public_key(&attacker);
    let attacker_kid = thumbprint(&attacker_public).unwrap();
    let attacker_signer = ES256.signer_from_jwk(&josekit::jwk::KeyPair::to_jwk_key_pair(&attacker)).unwrap();
    let attacker_verifier = ES256.verifier_from_jwk(&attacker_public).unwrap();

    let shapes: [(&str, Shape); 3] = [
        ("embedded jwk", |header, key| header.set_jwk(key.clone())),
        ("jku", |header, _| header.set_jwk_set_url("https://attacker.example/jwks.json")),
        ("x5u", |header, _| header.set_x509_url("https://attacker.example/cert.pem")),
    ];
    for (name, shape) in shapes {
        for kid in [ours.as_str(), attacker_kid.as_str()] {
            let mut header = JwsHeader::new();
            header.set_token_type("at+jwt");
            header.set_key_id(kid);
            shape(&mut header, &attacker_public);
            let forged = jwt::encode_with_signer(&payload(claims()), &header, &attacker_signer).unwrap();
            assert!(jwt::decode_with_verifier(&forged, &attacker_verifier).is_ok(), "{name}: well formed");
            let refused = signer.verify_access_token(&forged).await;
            assert!(matches!(refused, Err(VerifyError::Invalid(_))), "{name} with kid {kid}: {refused:?}");
        }
    }
}

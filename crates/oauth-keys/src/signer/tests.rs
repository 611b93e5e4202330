use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use josekit::jws::{ES256, RS256};
use oauth_core::ports::SigningKeyRepository as _;
use oauth_core::testing::fixtures::T0;
use oauth_core::testing::{InMemoryStore, ManualClock};

use super::*;

fn master(byte: u8) -> MasterKey {
    MasterKey::from_base64(&STANDARD.encode([byte; 32])).unwrap()
}

fn claims() -> AccessTokenClaims {
    AccessTokenClaims {
        iss: "https://id.example".into(),
        sub: "user-1".into(),
        aud: "urn:example:api".into(),
        exp: T0.unix_timestamp() + 600,
        iat: T0.unix_timestamp(),
        jti: "jti-1".into(),
        client_id: "client1".into(),
        scope: "openid".into(),
        auth_time: None,
    }
}

#[tokio::test]
async fn keys_are_made_once_sealed_and_sign_verifiable_tokens() {
    let store = Arc::new(InMemoryStore::default());
    let clock = ManualClock::at(T0);
    let signer = JosekitSigner::load(store.clone(), &master(1), &clock).await.unwrap();
    let keys = store.list().await.unwrap();
    assert_eq!(keys.len(), 2, "one RS256 and one ES256 key");
    for key in &keys {
        assert!(!key.sealed_private_jwk.contains("\"d\""), "the private key is not stored in the clear");
        assert!(!key.public_jwk.contains("\"d\""), "the public JWK has no private member");
    }
    let again = JosekitSigner::load(store.clone(), &master(1), &clock).await.unwrap();
    assert_eq!(store.list().await.unwrap().len(), 2, "a second start creates nothing");
    assert_eq!(again.active_kid(SigningAlg::Es256), signer.active_kid(SigningAlg::Es256));

    for (alg, typ) in [(SigningAlg::Es256, "at+jwt"), (SigningAlg::Rs256, "at+jwt")] {
        let token = signer.sign_access_token(&claims(), alg).await.unwrap();
        let key = keys.iter().find(|k| k.alg == alg).unwrap();
        let public = Jwk::from_bytes(key.public_jwk.as_bytes()).unwrap();
        let (payload, header) = match alg {
            SigningAlg::Es256 => {
                jwt::decode_with_verifier(&token, &ES256.verifier_from_jwk(&public).unwrap())
            }
            SigningAlg::Rs256 => {
                jwt::decode_with_verifier(&token, &RS256.verifier_from_jwk(&public).unwrap())
            }
        }
        .unwrap();
        assert_eq!(header.token_type(), Some(typ));
        assert_eq!(header.key_id(), Some(key.kid.as_str()));
        assert_eq!(payload.subject(), Some("user-1"));
        assert_eq!(payload.claim("client_id"), Some(&Value::from("client1")));
        assert!(payload.claim("auth_time").is_none(), "absent, not null");
    }
}

#[tokio::test]
async fn a_key_that_does_not_open_stops_start_up() {
    let store = Arc::new(InMemoryStore::default());
    let clock = ManualClock::at(T0);
    JosekitSigner::load(store.clone(), &master(1), &clock).await.unwrap();
    let error = JosekitSigner::load(store, &master(2), &clock).await.unwrap_err();
    assert!(matches!(error, KeyError::Master(MasterKeyError::CannotOpen)), "{error}");
}

#[test]
fn thumbprint_matches_rfc7638_example() {
    // RFC 7638 §3.1.
    let jwk = Jwk::from_bytes(
        br#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#,
    )
    .unwrap();
    assert_eq!(thumbprint(&jwk).unwrap(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

use std::ops::Deref;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use josekit::jwk::Jwk;
use josekit::jws::{ES256, RS256};
use oauth_core::ports::{KeySet as _, PublishedKeys, SigningKeyRepository as _, TokenSigner as _};
use oauth_core::service::key_ring::{KeyPolicy, KeyRing, KeyRingError};
use oauth_core::signing_key::KeyState;
use oauth_core::testing::fixtures::{T0, access_claims as claims, id_claims};
use oauth_core::testing::{InMemoryStore, ManualClock};
use oauth_core::token::AccessTokenClaims;
use time::Duration;

use super::*;

fn master(byte: u8) -> MasterKey {
    MasterKey::from_base64(&STANDARD.encode([byte; 32])).unwrap()
}

const POLICY: KeyPolicy =
    KeyPolicy { refresh_every: Duration::seconds(60), longest_token_lifetime: Duration::minutes(10) };

/// One instance's keys: the core's ring over this adapter, and the verifier
/// over the ring.
#[derive(Debug)]
struct Keys {
    ring: Arc<KeyRing>,
    verifier: JoseVerifier,
    material: Arc<JoseKeyMaterial>,
    store: Arc<InMemoryStore>,
}

impl Deref for Keys {
    type Target = KeyRing;

    fn deref(&self) -> &KeyRing {
        &self.ring
    }
}

#[async_trait::async_trait]
impl oauth_core::ports::TokenVerifier for Keys {
    async fn verify_access_token(
        &self,
        token: &str,
    ) -> Result<AccessTokenClaims, oauth_core::ports::VerifyError> {
        self.verifier.verify_access_token(token).await
    }

    async fn verify_id_token(
        &self,
        token: &str,
    ) -> Result<oauth_core::token::IdTokenClaims, oauth_core::ports::VerifyError> {
        self.verifier.verify_id_token(token).await
    }
}

impl Keys {
    /// Signs `claims` under any `typ` with the active key of `alg`: the
    /// tokens the ring itself never makes.
    async fn sign(
        &self,
        alg: SigningAlg,
        typ: &'static str,
        claims: TokenClaims<'_>,
    ) -> Result<String, SignError> {
        let kid = self.ring.active_kid(alg).await.unwrap();
        let key = self.store.list().await.unwrap().into_iter().find(|k| k.kid == kid).unwrap();
        let opened = self.material.open(vec![KeyToOpen { key, sign: true, publish: false }]).await.unwrap();
        let signer = opened.into_iter().next().and_then(|o| o.signer).unwrap();
        self.material.sign(&signer, TokenHeader { typ, kid: kid.into(), alg }, claims).await
    }
}

async fn load(
    store: &Arc<InMemoryStore>,
    master: MasterKey,
    clock: &Arc<ManualClock>,
) -> Result<Keys, KeyRingError> {
    let material = Arc::new(JoseKeyMaterial::new(master));
    let ring = Arc::new(KeyRing::load(store.clone(), material.clone(), clock.clone(), POLICY).await?);
    Ok(Keys { verifier: JoseVerifier::new(ring.clone()), ring, material, store: store.clone() })
}

async fn signer_on(store: &Arc<InMemoryStore>, clock: &Arc<ManualClock>) -> Keys {
    load(store, master(1), clock).await.unwrap()
}

fn kids(published: &PublishedKeys) -> Vec<String> {
    let set: Value = serde_json::from_str(&published.json).unwrap();
    set["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn keys_are_made_once_sealed_and_sign_verifiable_tokens() {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let signer = signer_on(&store, &clock).await;
    let keys = store.list().await.unwrap();
    assert_eq!(keys.len(), 4, "an active and a next key for RS256 and for ES256");
    for key in &keys {
        assert!(!key.sealed_private_jwk.contains("\"d\""), "the private key is not stored in the clear");
        assert!(!key.public_jwk.contains("\"d\""), "the public JWK has no private member");
    }
    let again = signer_on(&store, &clock).await;
    assert_eq!(store.list().await.unwrap().len(), 4, "a second start creates nothing");
    assert_eq!(again.active_kid(SigningAlg::Es256).await, signer.active_kid(SigningAlg::Es256).await);

    for (alg, typ) in [(SigningAlg::Es256, "at+jwt"), (SigningAlg::Rs256, "at+jwt")] {
        let token = signer.sign_access_token(&claims(), alg).await.unwrap();
        let key = keys.iter().find(|k| k.alg == alg && k.state == KeyState::Active).unwrap();
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
    let clock = Arc::new(ManualClock::at(T0));
    signer_on(&store, &clock).await;
    let error = load(&store, master(2), &clock).await.unwrap_err();
    let KeyRingError::Material(error) = error else { panic!("not the key material: {error}") };
    let error = error.downcast_ref::<KeyError>();
    assert!(matches!(error, Some(KeyError::Master(MasterKeyError::CannotOpen))), "{error:?}");
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

#[tokio::test]
async fn rotation_publishes_before_signing_and_keeps_retired_keys_until_their_tokens_expire() {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let signer = signer_on(&store, &clock).await;
    let before = signer.published().await.unwrap();
    let old = signer.active_kid(SigningAlg::Es256).await.unwrap();
    let next = store
        .list()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.alg == SigningAlg::Es256 && k.state == KeyState::Next)
        .unwrap();
    assert!(kids(&before).contains(&next.kid), "the next key is published before it signs");
    assert_eq!(kids(&before).len(), 4);
    let set: Value = serde_json::from_str(&before.json).unwrap();
    for key in set["keys"].as_array().unwrap() {
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(key.get(private).is_none(), "{private} published");
        }
        assert_eq!(key["use"], "sig");
        assert!(key["alg"].is_string() && key["kty"].is_string());
    }

    assert!(signer.rotate(SigningAlg::Es256).await.unwrap());
    assert_eq!(signer.active_kid(SigningAlg::Es256).await, Some(next.kid.clone()), "next became active");
    let after = signer.published().await.unwrap();
    assert!(kids(&after).contains(&old), "the retired key still verifies old tokens");
    assert_eq!(kids(&after).len(), 5);
    assert_ne!(after.etag, before.etag);

    clock.advance(Duration::minutes(10));
    assert_eq!(signer.delete_expired().await.unwrap(), 1, "retired longer than any token lives");
    signer.refresh().await.unwrap();
    assert!(!kids(&signer.published().await.unwrap()).contains(&old));
}

#[tokio::test]
async fn another_instance_sees_a_rotation_within_the_refresh_interval() {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let first = signer_on(&store, &clock).await;
    let second = signer_on(&store, &clock).await;
    first.rotate(SigningAlg::Rs256).await.unwrap();
    let rotated = first.active_kid(SigningAlg::Rs256).await;
    assert_ne!(second.active_kid(SigningAlg::Rs256).await, rotated, "not yet: within the interval");
    clock.advance(Duration::seconds(60));
    assert_eq!(second.active_kid(SigningAlg::Rs256).await, rotated, "seen after the interval, no restart");
    assert_eq!(first.published().await.unwrap(), second.published().await.unwrap(), "the same JWKS");
}

#[tokio::test]
async fn concurrent_rotations_from_two_instances_rotate_once() {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let first = signer_on(&store, &clock).await;
    let second = signer_on(&store, &clock).await;
    clock.advance(Duration::days(8));
    let (a, b) = tokio::join!(first.rotate_due(Duration::days(7)), second.rotate_due(Duration::days(7)));
    assert_eq!(a.unwrap() + b.unwrap(), 2, "each algorithm rotated once, not once per instance");
    let active = store.list().await.unwrap().into_iter().filter(|k| k.state == KeyState::Active).count();
    assert_eq!(active, 2, "one active key per algorithm");
}

#[tokio::test]
async fn our_tokens_verify_and_tampered_or_foreign_ones_do_not() {
    use oauth_core::ports::{TokenVerifier, VerifyError};
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let signer = signer_on(&store, &clock).await;
    for alg in SigningAlg::ALL {
        let token = signer.sign_access_token(&claims(), *alg).await.unwrap();
        assert_eq!(signer.verify_access_token(&token).await.unwrap(), claims(), "{alg}");
        // An access token is not an ID token: typ is checked (RFC 8725 §3.11).
        assert!(matches!(signer.verify_id_token(&token).await, Err(VerifyError::Invalid(_))));
        let mut tampered = token.clone();
        tampered.insert_str(token.find('.').unwrap() + 1, "eyJ");
        assert!(signer.verify_access_token(&tampered).await.is_err(), "tampered payload");
    }
    // Signed by a key of another deployment, with the same kid shape: unknown kid.
    let other_store = Arc::new(InMemoryStore::default());
    let other = load(&other_store, master(2), &clock).await.unwrap();
    let foreign = other.sign_access_token(&claims(), SigningAlg::Es256).await.unwrap();
    assert!(signer.verify_access_token(&foreign).await.is_err());
    // alg: none, whatever the kid says.
    let kid = signer.active_kid(SigningAlg::Es256).await.unwrap();
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","typ":"at+jwt","kid":"{kid}"}}"#));
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_string(&claims()).unwrap());
    assert!(signer.verify_access_token(&format!("{header}.{body}.")).await.is_err());
    for garbage in ["", "a.b.c", "not a token"] {
        assert!(matches!(signer.verify_access_token(garbage).await, Err(VerifyError::Invalid(_))));
    }
}

#[tokio::test]
async fn a_key_whose_header_names_another_alg_is_refused() {
    use oauth_core::ports::TokenVerifier;
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let signer = signer_on(&store, &clock).await;
    // An RS256 signature presented under the ES256 key's kid: the key pins the alg.
    let rs = signer.sign_access_token(&claims(), SigningAlg::Rs256).await.unwrap();
    let es_kid = signer.active_kid(SigningAlg::Es256).await.unwrap();
    let rs_kid = signer.active_kid(SigningAlg::Rs256).await.unwrap();
    let (header, rest) = rs.split_once('.').unwrap();
    let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    let swapped = URL_SAFE_NO_PAD.encode(decoded.replace(&rs_kid, &es_kid));
    assert!(signer.verify_access_token(&format!("{swapped}.{rest}")).await.is_err());
}

#[tokio::test]
async fn an_hmac_token_under_an_rsa_kid_is_refused() {
    use oauth_core::ports::TokenVerifier;
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let signer = signer_on(&store, &clock).await;
    // The classic confusion: HS256 keyed with the public RSA key, under the RSA key's kid.
    let rs_kid = signer.active_kid(SigningAlg::Rs256).await.unwrap();
    let public = store.list().await.unwrap().into_iter().find(|k| k.kid == rs_kid).unwrap().public_jwk;
    let hmac = josekit::jws::HS256.signer_from_bytes(public.as_bytes()).unwrap();
    let mut header = JwsHeader::new();
    header.set_token_type("at+jwt");
    header.set_key_id(rs_kid);
    let payload = JwtPayload::from_map(match serde_json::to_value(claims()).unwrap() {
        Value::Object(map) => map,
        _ => unreachable!(),
    })
    .unwrap();
    let forged = jwt::encode_with_signer(&payload, &header, &hmac).unwrap();
    assert!(signer.verify_access_token(&forged).await.is_err());
}

mod forged;

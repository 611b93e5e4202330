//! What one token response costs in signatures: an access token and an ID
//! token, signed with ES256 and with RS256 through the production key ring
//! and key material (claims to JSON, JWS, base64url; RSA on the blocking
//! pool as in the server);
//! and what checking one access token's signature costs (the first step of
//! userinfo and introspection). No assertion on time: `cargo bench -p
//! oauth-keys` reports it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use oauth_core::ports::{SignError, TokenSigner, TokenVerifier, VerifyError};
use oauth_core::service::key_ring::{KeyPolicy, KeyRing};
use oauth_core::testing::fixtures::T0;
use oauth_core::testing::{InMemoryStore, ManualClock};
use oauth_core::token::{AccessTokenClaims, IdTokenClaims, SigningAlg, at_hash};
use oauth_keys::{JoseKeyMaterial, JoseVerifier, MasterKey};

fn access_claims() -> AccessTokenClaims {
    AccessTokenClaims {
        iss: "https://id.example.com".into(),
        sub: "0b2f7c3e-8a51-4f7e-9d0c-1a2b3c4d5e6f".into(),
        aud: "urn:example:api".into(),
        exp: T0.unix_timestamp() + 600,
        iat: T0.unix_timestamp(),
        jti: "qNhQZ3JmU0yJ8c2bqf3y1A".into(),
        client_id: "Xplok7j6x71clLgWpvkorg".into(),
        scope: "openid email offline_access".into(),
        auth_time: Some(T0.unix_timestamp()),
        family: None,
        cnf: None,
    }
}

fn id_claims(access_token: &str) -> IdTokenClaims {
    IdTokenClaims {
        iss: "https://id.example.com".into(),
        sub: "0b2f7c3e-8a51-4f7e-9d0c-1a2b3c4d5e6f".into(),
        aud: "Xplok7j6x71clLgWpvkorg".into(),
        exp: T0.unix_timestamp() + 600,
        iat: T0.unix_timestamp(),
        auth_time: T0.unix_timestamp(),
        nonce: Some("n-0S6_WzA2Mj".into()),
        at_hash: at_hash(access_token),
        azp: "Xplok7j6x71clLgWpvkorg".into(),
    }
}

/// The key ring as the server wires it, and its verifier.
struct Signer {
    ring: Arc<KeyRing>,
    verifier: JoseVerifier,
}

impl Signer {
    async fn sign_access_token(
        &self,
        claims: &AccessTokenClaims,
        alg: SigningAlg,
    ) -> Result<String, SignError> {
        self.ring.sign_access_token(claims, alg).await
    }

    async fn sign_id_token(&self, claims: &IdTokenClaims, alg: SigningAlg) -> Result<String, SignError> {
        self.ring.sign_id_token(claims, alg).await
    }

    async fn verify_access_token(&self, token: &str) -> Result<AccessTokenClaims, VerifyError> {
        self.verifier.verify_access_token(token).await
    }
}

fn runtime_and_signer() -> (tokio::runtime::Runtime, Signer) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let master =
        MasterKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([9_u8; 32])).unwrap();
    let policy = KeyPolicy {
        refresh_every: time::Duration::minutes(1),
        longest_token_lifetime: time::Duration::minutes(10),
    };
    let ring = runtime
        .block_on(KeyRing::load(
            Arc::new(InMemoryStore::default()),
            Arc::new(JoseKeyMaterial::new(master)),
            Arc::new(ManualClock::at(T0)),
            policy,
        ))
        .unwrap();
    let ring = Arc::new(ring);
    (runtime, Signer { verifier: JoseVerifier::new(ring.clone()), ring })
}

fn token_pair(c: &mut Criterion) {
    let (runtime, signer) = runtime_and_signer();
    let mut group = c.benchmark_group("token response signatures");
    for alg in [SigningAlg::Es256, SigningAlg::Rs256] {
        group.bench_function(format!("access + ID token, both {alg}"), |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let access = signer.sign_access_token(&access_claims(), alg).await.unwrap();
                    signer.sign_id_token(&id_claims(&access), alg).await.unwrap()
                })
            });
        });
    }
    group.bench_function("access token ES256 + ID token RS256 (the defaults)", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let access = signer.sign_access_token(&access_claims(), SigningAlg::Es256).await.unwrap();
                signer.sign_id_token(&id_claims(&access), SigningAlg::Rs256).await.unwrap()
            })
        });
    });
    group.finish();
}

fn validation(c: &mut Criterion) {
    let (runtime, signer) = runtime_and_signer();
    let mut group = c.benchmark_group("access token validation (signature, kid, alg, typ, claims)");
    for alg in [SigningAlg::Es256, SigningAlg::Rs256] {
        let token = runtime.block_on(signer.sign_access_token(&access_claims(), alg)).unwrap();
        group.bench_function(format!("{alg}"), |b| {
            b.iter(|| runtime.block_on(signer.verify_access_token(&token)).unwrap());
        });
    }
    group.finish();
}

/// A DPoP proof's header and signature (RFC 9449 §4.3), as every token
/// request with a proof pays: ES256 inline, RS256 on the blocking pool.
fn dpop_proof(c: &mut Criterion) {
    use josekit::jws::{ES256, JwsHeader, JwsSigner, RS256};
    use oauth_core::ports::DpopProofVerifier as _;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    let mut group = c.benchmark_group("DPoP proof check (header, jwk, signature, thumbprint)");
    let es = ES256.generate_key_pair().unwrap();
    let rs = RS256.generate_key_pair(2048).unwrap();
    let keys: [(&str, Box<dyn JwsSigner>, josekit::jwk::Jwk); 2] = [
        ("ES256", Box::new(ES256.signer_from_jwk(&es.to_jwk_private_key()).unwrap()), es.to_jwk_public_key()),
        ("RS256", Box::new(RS256.signer_from_jwk(&rs.to_jwk_private_key()).unwrap()), rs.to_jwk_public_key()),
    ];
    for (alg, signer, public) in keys {
        let mut header = JwsHeader::new();
        header.set_token_type("dpop+jwt");
        header.set_claim("jwk", Some(serde_json::Value::Object(public.as_ref().clone()))).unwrap();
        let claims = serde_json::json!({
            "jti": "bench", "htm": "POST", "htu": "https://as.example/oauth/token", "iat": 1_800_000_000,
        });
        let payload = josekit::jwt::JwtPayload::from_map(claims.as_object().unwrap().clone()).unwrap();
        let proof = josekit::jwt::encode_with_signer(&payload, &header, signer.as_ref()).unwrap();
        group.bench_function(alg, |b| {
            b.iter(|| runtime.block_on(oauth_keys::JoseDpopVerifier.verify(&proof)).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, token_pair, validation, dpop_proof);
criterion_main!(benches);

//! DPoP proofs (RFC 9449 §4.3 steps 1–7) with josekit: the header names a
//! public key and an asymmetric algorithm, and the proof is signed by that
//! key. The claims go back to the core unjudged, with the key's RFC 7638
//! thumbprint. Every check runs on the blocking pool: with the key decoded
//! from the header and its thumbprint, even an ES256 proof costs about
//! 160 µs (`cargo bench -p oauth-keys`, "DPoP proof check"), more than the
//! trip there.

use josekit::jwk::Jwk;
use josekit::jws::{ES256, ES384, EdDSA, JwsVerifier, PS256, RS256};
use josekit::jwt;
use oauth_core::dpop::{JwkThumbprint, PROOF_SIGNING_ALGS, ProofClaims, SignedProof};
use oauth_core::ports::{DpopProofVerifier, ProofRefused};
use serde_json::Value;

use crate::signer::thumbprint;

/// The core's `DpopProofVerifier` port with josekit.
#[derive(Debug, Clone, Copy, Default)]
pub struct JoseDpopVerifier;

/// JWK members that hold private key material (RFC 7518 §6.2.2, §6.3.2,
/// §6.4; RFC 8037 §2): a proof's header must carry none (§4.3 step 7).
const PRIVATE_MEMBERS: &[&str] = &["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// The smallest and largest RSA modulus accepted, in base64url characters
/// (2048 and 4096 bits): a larger modulus, or an exponent other than 65537,
/// makes the check up to a hundred times dearer for whoever sends the proof.
const MIN_RSA_MODULUS_CHARS: usize = 342;
const MAX_RSA_MODULUS_CHARS: usize = 683;

/// The one RSA public exponent accepted (65537, base64url).
const RSA_EXPONENT: &str = "AQAB";

/// The members of a public key the verifier is built from: RFC 7638's
/// required members of each key type. Anything else the header's `jwk`
/// carries (`kid`, `alg`, `use`, `key_ops`) says nothing about the key and
/// must not change how it verifies.
const KEY_MEMBERS: &[&str] = &["kty", "crv", "x", "y", "n", "e"];

fn refused(why: &str) -> ProofRefused {
    ProofRefused(why.to_owned())
}

#[async_trait::async_trait]
impl DpopProofVerifier for JoseDpopVerifier {
    async fn verify(&self, proof: &str) -> Result<SignedProof, ProofRefused> {
        let proof = proof.to_owned();
        tokio::task::spawn_blocking(move || verify(&proof))
            .await
            .map_err(|_| refused("the DPoP proof could not be checked"))?
    }
}

/// Every check of the header, then the signature by the header's key.
fn verify(proof: &str) -> Result<SignedProof, ProofRefused> {
    let header = jwt::decode_header(proof).map_err(|_| refused("the DPoP proof is not a signed JWT"))?;
    // §4.3 step 4.
    if header.claim("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err(refused("the DPoP proof's typ must be dpop+jwt"));
    }
    // §4.3 step 5: asymmetric only; `none` and HMAC never.
    let alg = header.claim("alg").and_then(Value::as_str).unwrap_or_default();
    if !PROOF_SIGNING_ALGS.contains(&alg) {
        return Err(refused("the DPoP proof's alg is not one of dpop_signing_alg_values_supported"));
    }
    // §4.3 step 7: a public key, in the header.
    let Some(Value::Object(members)) = header.claim("jwk") else {
        return Err(refused("the DPoP proof's header must carry the public key as jwk"));
    };
    if PRIVATE_MEMBERS.iter().any(|member| members.contains_key(*member)) {
        return Err(refused("the DPoP proof's jwk must be a public key; it holds private members"));
    }
    let key_only = members.iter().filter(|(name, _)| KEY_MEMBERS.contains(&name.as_str()));
    let jwk = Jwk::from_map(
        key_only.map(|(name, value)| (name.clone(), value.clone())).collect::<serde_json::Map<_, _>>(),
    )
    .map_err(|_| refused("the DPoP proof's jwk is malformed"))?;
    let verifier = verifier_for(alg, &jwk)?;
    // §4.3 step 6.
    let (payload, _) = jwt::decode_with_verifier(proof, verifier.as_ref())
        .map_err(|_| refused("the DPoP proof's signature does not verify with its jwk"))?;
    let claims: ProofClaims = serde_json::from_value(Value::Object(payload.claims_set().clone()))
        .map_err(|_| refused("the DPoP proof must carry jti, htm, htu and iat"))?;
    let key = thumbprint(&jwk)
        .ok()
        .and_then(|text| JwkThumbprint::parse(&text))
        .ok_or_else(|| refused("the DPoP proof's jwk has no thumbprint"))?;
    Ok(SignedProof { key, claims })
}

/// A verifier of `alg` over `jwk`, whose type and curve must be the
/// algorithm's own.
fn verifier_for(alg: &str, jwk: &Jwk) -> Result<Box<dyn JwsVerifier>, ProofRefused> {
    let curve = jwk.parameter("crv").and_then(Value::as_str);
    let mismatch = || refused("the DPoP proof's jwk does not fit its alg");
    let made: Result<Box<dyn JwsVerifier>, josekit::JoseError> = match (alg, jwk.key_type(), curve) {
        ("ES256", "EC", Some("P-256")) => ES256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
        ("ES384", "EC", Some("P-384")) => ES384.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
        ("EdDSA", "OKP", Some("Ed25519")) => EdDSA.verifier_from_jwk(jwk).map(|v| Box::new(v) as _),
        ("RS256" | "PS256", "RSA", None) => {
            let modulus = jwk.parameter("n").and_then(Value::as_str).map_or(0, str::len);
            if !(MIN_RSA_MODULUS_CHARS..=MAX_RSA_MODULUS_CHARS).contains(&modulus) {
                return Err(refused("the DPoP proof's RSA key must have 2048 to 4096 bits"));
            }
            if jwk.parameter("e").and_then(Value::as_str) != Some(RSA_EXPONENT) {
                return Err(refused("the DPoP proof's RSA key must have the exponent 65537"));
            }
            if alg == "RS256" {
                RS256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _)
            } else {
                PS256.verifier_from_jwk(jwk).map(|v| Box::new(v) as _)
            }
        }
        _ => return Err(mismatch()),
    };
    made.map_err(|_| mismatch())
}

#[cfg(test)]
mod tests;

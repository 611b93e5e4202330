//! DPoP proofs (RFC 9449 §4.3 steps 1–7) with josekit: the header names a
//! public key and an asymmetric algorithm, and the proof is signed by that
//! key. The claims go back to the core unjudged, with the key's RFC 7638
//! thumbprint. Every check runs on the blocking pool: with the key decoded
//! from the header and its thumbprint, even an ES256 proof costs about
//! 160 µs (`cargo bench -p oauth-keys`, "DPoP proof check"), more than the
//! trip there.

use josekit::jwt;
use oauth_core::dpop::{JwkThumbprint, PROOF_SIGNING_ALGS, ProofClaims, SignedProof};
use oauth_core::ports::{DpopProofVerifier, ProofRefused};
use serde_json::Value;

use crate::public_key::{public_jwk, verifier_for};
use crate::signer::thumbprint;

/// The core's `DpopProofVerifier` port with josekit.
#[derive(Debug, Clone, Copy, Default)]
pub struct JoseDpopVerifier;

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
    let jwk = public_jwk(members).map_err(|why| ProofRefused(format!("the DPoP proof's jwk {why}")))?;
    let verifier =
        verifier_for(alg, &jwk).map_err(|why| ProofRefused(format!("the DPoP proof's jwk {why}")))?;
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

#[cfg(test)]
mod tests;

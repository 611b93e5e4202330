//! The cryptography of DPoP (RFC 9449): checking a proof's signature by the
//! key in its own header, and the server nonces of §8.

use time::OffsetDateTime;

use crate::dpop::SignedProof;

/// Why a proof's header or signature was refused; the text is safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProofRefused(pub String);

/// Checks RFC 9449 §4.3 steps 1–7: one well-formed JWS, `typ` `dpop+jwt`,
/// an `alg` of [`crate::dpop::PROOF_SIGNING_ALGS`], a `jwk` header that is a
/// public key of that algorithm (no private member), and the signature by
/// that key. The claims (`htm`, `htu`, `iat`, `jti`, `ath`, `nonce`) are
/// returned unjudged, with the key's RFC 7638 thumbprint.
/// Implementations do signature work that costs more than a thread switch
/// off the async workers.
#[async_trait::async_trait]
pub trait DpopProofVerifier: Send + Sync {
    /// The proof, its key and its claims, or why it is refused.
    async fn verify(&self, proof: &str) -> Result<SignedProof, ProofRefused>;
}

/// Server-provided nonces (RFC 9449 §8): values only this server (and any
/// instance sharing its keys) can make, each accepted for a short while.
/// Stateless, so every instance accepts every other instance's nonces.
pub trait DpopNonces: Send + Sync {
    /// A fresh nonce, valid from `now`.
    fn issue(&self, now: OffsetDateTime) -> Option<String>;

    /// Whether `nonce` was issued by us recently enough to be accepted at `now`.
    fn accepts(&self, nonce: &str, now: OffsetDateTime) -> bool;
}

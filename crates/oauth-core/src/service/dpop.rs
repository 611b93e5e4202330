//! Judging a DPoP proof (RFC 9449 §4.3) sent with a request to us: the
//! verifier checks its header and signature, this service its claims
//! against the request, the server nonce (§8) when nonces are on, and its
//! `jti` against every proof seen before (§11.1), in a store shared by all
//! instances. The answer is the proven key's thumbprint.

use std::sync::Arc;

use crate::dpop::{
    JwkThumbprint, MAX_PROOF_ID_LEN, MAX_PROOF_LEN, PROOF_CLOCK_SKEW, PROOF_MAX_AGE, REPLAY_MEMORY_MARGIN,
    access_token_hash, same_target,
};
use crate::error::{Detail, OAuthError, RepoError};
use crate::one_time_id::OneTimeId;
use crate::ports::{Clock, DpopNonces, DpopProofVerifier, OneTimeIdRepository};

/// A proof as the HTTP request brought it, with what it must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedProof {
    /// The one `DPoP` header's value.
    pub proof: String,
    /// The request's method, as `htm` must state it.
    pub method: &'static str,
    /// The endpoint's public URL, as `htu` must state it.
    pub url: String,
}

/// Why a proof was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum ProofFailure {
    /// RFC 9449 §4.3: `invalid_dpop_proof`; the text says which check failed.
    #[error("invalid_dpop_proof: {0}")]
    Invalid(Detail),
    /// RFC 9449 §8: `use_dpop_nonce`; the answer carries a fresh nonce.
    #[error("use_dpop_nonce")]
    UseNonce,
    /// The replay store failed.
    #[error(transparent)]
    Storage(#[from] RepoError),
}

impl From<ProofFailure> for OAuthError {
    fn from(failure: ProofFailure) -> Self {
        match failure {
            ProofFailure::Invalid(why) => Self::InvalidDpopProof(why),
            ProofFailure::UseNonce => {
                Self::UseDpopNonce("send the proof again with the nonce of the DPoP-Nonce header".into())
            }
            ProofFailure::Storage(error) => error.into(),
        }
    }
}

fn invalid(why: &'static str) -> ProofFailure {
    ProofFailure::Invalid(why.into())
}

/// The ports a proof is judged with.
#[derive(Clone)]
pub struct DpopPorts {
    /// Header and signature (RFC 9449 §4.3 steps 1–7).
    pub verifier: Arc<dyn DpopProofVerifier>,
    /// Every proof's `jti`, until it could no longer be accepted.
    pub seen: Arc<dyn OneTimeIdRepository>,
    /// Server nonces (§8); `None` when they are off.
    pub nonces: Option<Arc<dyn DpopNonces>>,
    /// Judges `iat`.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DpopPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpopPorts").field("nonces", &self.nonces.is_some()).finish_non_exhaustive()
    }
}

/// Judges DPoP proofs for every endpoint that accepts them.
#[derive(Debug, Clone)]
pub struct DpopService {
    ports: DpopPorts,
}

impl DpopService {
    /// Judges proofs with `ports`.
    pub fn new(ports: DpopPorts) -> Self {
        Self { ports }
    }

    /// A fresh nonce for a `DPoP-Nonce` header, when nonces are on (§8.1:
    /// the server may send a new one with any answer).
    pub fn fresh_nonce(&self) -> Option<String> {
        self.ports.nonces.as_ref().and_then(|nonces| nonces.issue(self.ports.clock.now()))
    }

    /// The key `presented` proves possession of, for a request that carries
    /// `access_token` (a resource request: §4.3 step 12 `ath`) or none (a
    /// token request). The proof's `jti` is spent here, last, so a proof
    /// refused for any other reason can be corrected and sent again.
    pub async fn prove(
        &self,
        presented: &PresentedProof,
        access_token: Option<&str>,
    ) -> Result<JwkThumbprint, ProofFailure> {
        self.judge(presented, access_token, None).await
    }

    /// At a resource (§7.1): whether `presented` is a proof by `key`, the
    /// key `access_token` is bound to, carrying the token's hash. A proof
    /// by another key is refused before its `jti` is spent.
    pub async fn prove_key(
        &self,
        presented: &PresentedProof,
        access_token: &str,
        key: &JwkThumbprint,
    ) -> Result<(), ProofFailure> {
        self.judge(presented, Some(access_token), Some(key)).await.map(drop)
    }

    async fn judge(
        &self,
        presented: &PresentedProof,
        access_token: Option<&str>,
        expected_key: Option<&JwkThumbprint>,
    ) -> Result<JwkThumbprint, ProofFailure> {
        if presented.proof.len() > MAX_PROOF_LEN {
            return Err(invalid("the DPoP proof is too long"));
        }
        let signed = self
            .ports
            .verifier
            .verify(&presented.proof)
            .await
            .map_err(|refused| ProofFailure::Invalid(refused.0.into()))?;
        let claims = &signed.claims;
        // §4.3 step 8: the method, exactly (RFC 9110 §9.1: case-sensitive).
        if claims.htm != presented.method {
            return Err(invalid("htm is not this request's method"));
        }
        // §4.3 step 9.
        if !same_target(&claims.htu, &presented.url) {
            return Err(invalid("htu is not this endpoint's URL"));
        }
        let now = self.ports.clock.now();
        let made = time::OffsetDateTime::from_unix_timestamp(claims.iat)
            .map_err(|_| invalid("iat is not a time"))?;
        // §4.3 step 11, §11.1: recent, and not from the future.
        if made < now - PROOF_MAX_AGE || made > now + PROOF_CLOCK_SKEW {
            return Err(invalid("iat is outside the accepted window; make a new proof"));
        }
        if claims.jti.is_empty() || claims.jti.len() > MAX_PROOF_ID_LEN {
            return Err(invalid("jti must be present and at most 256 characters"));
        }
        // §4.3 step 12, §7.1: bound to the access token it comes with.
        if let Some(token) = access_token
            && claims.ath.as_deref() != Some(access_token_hash(token).as_str())
        {
            return Err(invalid("ath is not the hash of the access token sent"));
        }
        // SECURITY: §7.1: at a resource, the key the token is bound to.
        if expected_key.is_some_and(|key| *key != signed.key) {
            return Err(invalid("the DPoP proof is not signed by the key the token is bound to"));
        }
        // §8, §4.3 step 10.
        if let Some(nonces) = &self.ports.nonces
            && !claims.nonce.as_deref().is_some_and(|nonce| nonces.accepts(nonce, now))
        {
            return Err(ProofFailure::UseNonce);
        }
        // SECURITY: §11.1: a proof is good once, on every instance.
        // Remembered as long as its `iat` would still be accepted, and a
        // margin for the clocks of other instances.
        let id = OneTimeId::dpop_proof(&signed.key, &claims.jti);
        if !self.ports.seen.first_use(&id, made + PROOF_MAX_AGE + REPLAY_MEMORY_MARGIN).await? {
            tracing::warn!(event = "dpop_proof_replayed", "a DPoP proof was presented again");
            return Err(invalid("this DPoP proof was used before; make a new one for every request"));
        }
        Ok(signed.key)
    }
}

#[cfg(test)]
mod tests;

//! DPoP stand-ins for unit tests: proofs whose "signature" is plain text,
//! and nonces that are the issue time in the clear. The real ones are
//! `oauth-keys`'; these let a core test say exactly what a proof claims.

use time::{Duration, OffsetDateTime};

use crate::dpop::{JwkThumbprint, ProofClaims, SignedProof};
use crate::ports::{DpopNonces, DpopProofVerifier, ProofRefused};

/// A key thumbprint for tests: `n` picks one of many.
pub fn test_key(n: u8) -> JwkThumbprint {
    // Base64url of 32 bytes: the last character's two spare bits are zero ('A').
    let text = format!("{:A<43}", format!("k{n:03}"));
    JwkThumbprint::parse(&text).unwrap_or_else(|| unreachable!("{text} is base64url of 32 bytes"))
}

/// Claims of a proof for `POST url` made at `iat`, with the id `jti`.
pub fn proof_claims(jti: &str, url: &str, iat: OffsetDateTime) -> ProofClaims {
    ProofClaims {
        jti: jti.to_owned(),
        htm: "POST".to_owned(),
        htu: url.to_owned(),
        iat: iat.unix_timestamp(),
        ath: None,
        nonce: None,
    }
}

/// A "proof" [`PlainProofVerifier`] accepts: the key and claims, `|`-separated.
pub fn plain_proof(key: &JwkThumbprint, claims: &ProofClaims) -> String {
    [
        key.as_str(),
        &claims.jti,
        &claims.htm,
        &claims.htu,
        &claims.iat.to_string(),
        claims.ath.as_deref().unwrap_or(""),
        claims.nonce.as_deref().unwrap_or(""),
    ]
    .join("|")
}

/// Accepts what [`plain_proof`] writes and refuses everything else, as a
/// bad signature would be.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainProofVerifier;

#[async_trait::async_trait]
impl DpopProofVerifier for PlainProofVerifier {
    async fn verify(&self, proof: &str) -> Result<SignedProof, ProofRefused> {
        let refused = || ProofRefused("the DPoP proof's signature does not verify".to_owned());
        let parts: Vec<&str> = proof.split('|').collect();
        let [key, jti, htm, htu, iat, ath, nonce] = parts.as_slice() else { return Err(refused()) };
        let optional = |text: &str| (!text.is_empty()).then(|| text.to_owned());
        Ok(SignedProof {
            key: JwkThumbprint::parse(key).ok_or_else(refused)?,
            claims: ProofClaims {
                jti: (*jti).to_owned(),
                htm: (*htm).to_owned(),
                htu: (*htu).to_owned(),
                iat: iat.parse().map_err(|_| refused())?,
                ath: optional(ath),
                nonce: optional(nonce),
            },
        })
    }
}

/// Nonces that are `nonce-<issue time>`, accepted for five minutes.
#[derive(Debug, Default, Clone, Copy)]
pub struct ClearNonces;

impl DpopNonces for ClearNonces {
    fn issue(&self, now: OffsetDateTime) -> Option<String> {
        Some(format!("nonce-{}", now.unix_timestamp()))
    }

    fn accepts(&self, nonce: &str, now: OffsetDateTime) -> bool {
        let issued = nonce.strip_prefix("nonce-").and_then(|t| t.parse::<i64>().ok());
        issued
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok())
            .is_some_and(|issued| issued <= now && now < issued + Duration::minutes(5))
    }
}

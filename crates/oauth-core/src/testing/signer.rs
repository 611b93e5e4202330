//! A signer that records what it was asked to sign and returns readable
//! stand-ins instead of JWTs: the core's tests check claims, not signatures.

use std::sync::{Mutex, PoisonError};

use crate::ports::{SignError, TokenSigner};
use crate::token::{AccessTokenClaims, IdTokenClaims, SigningAlg};

/// Records every access and ID token it "signs".
#[derive(Debug, Default)]
pub struct RecordingSigner {
    access: Mutex<Vec<(AccessTokenClaims, SigningAlg)>>,
    id: Mutex<Vec<(IdTokenClaims, SigningAlg)>>,
}

impl RecordingSigner {
    /// The last access token's claims and algorithm.
    pub fn last_access(&self) -> Option<(AccessTokenClaims, SigningAlg)> {
        self.access.lock().unwrap_or_else(PoisonError::into_inner).last().cloned()
    }

    /// The last ID token's claims and algorithm.
    pub fn last_id(&self) -> Option<(IdTokenClaims, SigningAlg)> {
        self.id.lock().unwrap_or_else(PoisonError::into_inner).last().cloned()
    }
}

#[async_trait::async_trait]
impl TokenSigner for RecordingSigner {
    async fn sign_access_token(
        &self,
        claims: &AccessTokenClaims,
        alg: SigningAlg,
    ) -> Result<String, SignError> {
        self.access.lock().unwrap_or_else(PoisonError::into_inner).push((claims.clone(), alg));
        Ok(format!("access.{alg}.{}", claims.jti))
    }

    async fn sign_id_token(&self, claims: &IdTokenClaims, alg: SigningAlg) -> Result<String, SignError> {
        self.id.lock().unwrap_or_else(PoisonError::into_inner).push((claims.clone(), alg));
        Ok(format!("id.{alg}.{}", claims.sub))
    }
}

//! A signer that records what it was asked to sign and returns readable
//! stand-ins instead of JWTs: the core's tests check claims, not signatures.
//! It "verifies" exactly the stand-ins it issued.

use std::sync::{Mutex, PoisonError};

use crate::ports::{SignError, TokenSigner, TokenVerifier, VerifyError};
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

#[async_trait::async_trait]
impl TokenVerifier for RecordingSigner {
    async fn verify_access_token(&self, token: &str) -> Result<AccessTokenClaims, VerifyError> {
        let access = self.access.lock().unwrap_or_else(PoisonError::into_inner);
        access
            .iter()
            .find(|(claims, alg)| format!("access.{alg}.{}", claims.jti) == token)
            .map(|(claims, _)| claims.clone())
            .ok_or_else(|| VerifyError::Invalid("not issued by this signer".into()))
    }

    async fn verify_id_token(&self, token: &str) -> Result<IdTokenClaims, VerifyError> {
        let id = self.id.lock().unwrap_or_else(PoisonError::into_inner);
        id.iter()
            .rev()
            .find(|(claims, alg)| format!("id.{alg}.{}", claims.sub) == token)
            .map(|(claims, _)| claims.clone())
            .ok_or_else(|| VerifyError::Invalid("not issued by this signer".into()))
    }
}

//! Signing tokens.

use crate::token::{AccessTokenClaims, IdTokenClaims, SigningAlg};

/// Signing failed: no active key for the algorithm, or the crypto library refused.
#[derive(Debug, thiserror::Error)]
#[error("token signing failed: {0}")]
pub struct SignError(pub String);

/// Signs JWTs with the active key of an algorithm, putting its `kid` in the
/// header. Implementations do the work off the async workers.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait TokenSigner: Send + Sync {
    /// An RFC 9068 access token: header `typ: at+jwt`.
    async fn sign_access_token(
        &self,
        claims: &AccessTokenClaims,
        alg: SigningAlg,
    ) -> Result<String, SignError>;
    /// An ID token: header `typ: JWT`.
    async fn sign_id_token(&self, claims: &IdTokenClaims, alg: SigningAlg) -> Result<String, SignError>;
}

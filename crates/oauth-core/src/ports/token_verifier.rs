//! Verifying our own tokens' signatures.

use crate::token::{AccessTokenClaims, IdTokenClaims};

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Not a JWT we signed: malformed, unknown `kid`, wrong `alg` or `typ`, bad signature.
    #[error("the token is not valid: {0}")]
    Invalid(String),
    /// The verifier could not run (the blocking pool is gone).
    #[error("token verification is unavailable: {0}")]
    Unavailable(String),
}

/// Checks that a JWT was signed by one of our published keys, with that key's
/// own algorithm (RFC 8725 §3.1: the algorithm is pinned by the key, never
/// taken from the header alone), and that its `typ` is the expected one.
/// Claims (`iss`, `aud`, `exp`, revocation) are the caller's to judge.
/// Implementations do the signature work off the async workers.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait TokenVerifier: Send + Sync {
    /// An RFC 9068 access token (`typ: at+jwt`).
    async fn verify_access_token(&self, token: &str) -> Result<AccessTokenClaims, VerifyError>;
    /// An ID token (`typ: JWT`), expired or not: the caller decides.
    async fn verify_id_token(&self, token: &str) -> Result<IdTokenClaims, VerifyError>;
}

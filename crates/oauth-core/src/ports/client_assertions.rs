//! The cryptography of `private_key_jwt` (RFC 7523 §2.2): checking a client
//! assertion's signature against the client's registered keys.

use crate::client_assertion::AssertionClaims;

/// Why an assertion's header or signature was refused; the text is safe to
/// show, though the client is told only `invalid_client`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AssertionRefused(pub String);

/// Checks that `assertion` is one JWS signed with an asymmetric algorithm
/// of [`crate::client_assertion::ASSERTION_SIGNING_ALGS`] (never `none` or
/// an HMAC) by a key of the JWK Set `jwks` (the one its `kid` names, or
/// the only one), and returns its claims unjudged. Signature work runs off
/// the async workers.
#[async_trait::async_trait]
pub trait ClientAssertionVerifier: Send + Sync {
    /// The assertion's claims, or why it is refused.
    async fn verify(&self, assertion: &str, jwks: &str) -> Result<AssertionClaims, AssertionRefused>;
}

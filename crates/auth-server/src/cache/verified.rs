//! Access tokens whose signature was already checked, by their digest.

use std::sync::Arc;

use oauth_core::digest::Digest;
use oauth_core::ports::{Clock, TokenVerifier, VerifyError};
use oauth_core::token::{AccessTokenClaims, IdTokenClaims};
use time::Duration;

use super::ttl_map::TtlMap;

/// Marks the digests of verified tokens.
#[derive(Debug)]
pub enum VerifiedToken {}

/// How long a checked signature is trusted without checking it again. A
/// signature never stops matching its token; what can change is the key
/// set, and a key leaves it only once no token it signed can be live
/// (`KeyPolicy::longest_token_lifetime`). The bound is for the key an
/// operator deletes by hand.
pub const VERIFIED_TTL: Duration = Duration::minutes(1);

/// Tokens in flight at once, many times over; about 0.5 KiB each.
const CAPACITY: usize = 16_384;

/// A [`TokenVerifier`] that remembers the claims of access tokens it
/// verified, keyed by the token's SHA-256: a resource server introspecting
/// the same token on every API call pays one signature check (RFC 7662 §4
/// lets the server cache; here it is our own work being cached, not the
/// answer). Expiry, audience, issuer and revocation are the caller's checks
/// and are made on every call; failures and ID tokens are never cached.
pub struct CachedVerifier {
    verifier: Arc<dyn TokenVerifier>,
    clock: Arc<dyn Clock>,
    verified: TtlMap<Digest<VerifiedToken>, AccessTokenClaims>,
}

impl CachedVerifier {
    /// A cache over `verifier`.
    pub fn new(verifier: Arc<dyn TokenVerifier>, clock: Arc<dyn Clock>) -> Self {
        Self { verifier, clock, verified: TtlMap::new(VERIFIED_TTL, CAPACITY) }
    }
}

impl std::fmt::Debug for CachedVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedVerifier").finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl TokenVerifier for CachedVerifier {
    async fn verify_access_token(&self, token: &str) -> Result<AccessTokenClaims, VerifyError> {
        let digest = Digest::of(token);
        if let Some(claims) = self.verified.get(&digest, self.clock.now()) {
            return Ok(claims);
        }
        let claims = self.verifier.verify_access_token(token).await?;
        self.verified.put(digest, claims.clone(), self.clock.now());
        Ok(claims)
    }

    async fn verify_id_token(&self, token: &str) -> Result<IdTokenClaims, VerifyError> {
        self.verifier.verify_id_token(token).await
    }
}

#[cfg(test)]
mod tests {
    use oauth_core::ports::MockTokenVerifier;
    use oauth_core::testing::ManualClock;
    use time::macros::datetime;

    use super::*;

    fn claims(jti: &str) -> AccessTokenClaims {
        AccessTokenClaims {
            iss: "https://auth.example".into(),
            sub: "user".into(),
            aud: "api".into(),
            exp: 2_000_000_000,
            iat: 1_000_000_000,
            jti: jti.into(),
            client_id: "client1".into(),
            scope: "openid".into(),
            auth_time: None,
            family: None,
            cnf: None,
        }
    }

    #[tokio::test]
    async fn a_token_is_checked_once_per_ttl_and_a_refusal_every_time() {
        let mut inner = MockTokenVerifier::new();
        inner.expect_verify_access_token().withf(|t| t == "good").times(2).returning(|_| Ok(claims("a")));
        inner
            .expect_verify_access_token()
            .withf(|t| t == "forged")
            .times(3)
            .returning(|_| Err(VerifyError::Invalid("bad signature".into())));
        let clock = Arc::new(ManualClock::at(datetime!(2026-11-29 12:00 UTC)));
        let cache = CachedVerifier::new(Arc::new(inner), clock.clone());
        for _ in 0..3 {
            assert_eq!(cache.verify_access_token("good").await.unwrap().jti, "a");
            assert!(cache.verify_access_token("forged").await.is_err());
        }
        clock.advance(VERIFIED_TTL);
        assert_eq!(cache.verify_access_token("good").await.unwrap().jti, "a", "checked again");
    }
}

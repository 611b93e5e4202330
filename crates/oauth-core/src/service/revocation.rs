//! Token revocation (RFC 7009).

use std::sync::Arc;

use crate::client_auth::PresentedCredentials;
use crate::error::OAuthError;
use crate::ports::{Clock, RefreshTokenRepository, RevokedTokenRepository, TokenVerifier, VerifyError};
use crate::refresh::RefreshDigest;
use crate::security_event::{EventKind, RevocationReason};
use crate::service::audit::Audit;
use crate::service::client_authentication::{ClientAuthenticator, TokenFailure};
use crate::service::introspection::{TokenKind, kind_of};
use crate::service::token::require;
use crate::token::TokenPolicy;

/// The repositories revocation writes to.
#[derive(Clone)]
pub struct RevocationPorts {
    /// A refresh token is revoked with its family.
    pub refresh: Arc<dyn RefreshTokenRepository>,
    /// An access token is listed by `jti` until it expires.
    pub revoked: Arc<dyn RevokedTokenRepository>,
    /// Where a revoked family is recorded.
    pub audit: Audit,
}

impl std::fmt::Debug for RevocationPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationPorts").finish_non_exhaustive()
    }
}

/// The revocation endpoint (RFC 7009), over its ports.
pub struct RevocationService {
    authenticator: ClientAuthenticator,
    ports: RevocationPorts,
    /// Checks that an access token is ours before its `jti` is listed.
    verifier: Arc<dyn TokenVerifier>,
    clock: Arc<dyn Clock>,
    /// Our issuer, and the access-token lifetime for a `jti` without a usable `exp`.
    policy: TokenPolicy,
}

impl std::fmt::Debug for RevocationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationService").finish_non_exhaustive()
    }
}

impl RevocationService {
    /// Authenticates callers with `authenticator`; revokes in `ports`.
    pub fn new(
        authenticator: ClientAuthenticator,
        ports: RevocationPorts,
        verifier: Arc<dyn TokenVerifier>,
        clock: Arc<dyn Clock>,
        policy: TokenPolicy,
    ) -> Self {
        Self { authenticator, ports, verifier, clock, policy }
    }

    /// RFC 7009 §2.1: a refresh token takes its whole family with it (and so
    /// the access tokens issued from it); an access token is listed by `jti`
    /// until it expires. Unknown, expired, already revoked and other clients'
    /// tokens change nothing and answer the same (§2.2), so the endpoint
    /// reveals nothing about tokens the caller does not hold.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn revoke(
        &self,
        credentials: &PresentedCredentials,
        token: Option<String>,
        address: &str,
    ) -> Result<crate::client::Client, TokenFailure> {
        let caller = self.authenticator.authenticate(credentials, address).await?;
        let token = require(token, "token")?;
        let now = self.clock.now();
        match kind_of(&token) {
            TokenKind::Refresh => {
                if let Some((_, family)) = self.ports.refresh.find(&RefreshDigest::of(&token)).await? {
                    if family.client_id == caller.id {
                        let revoked = self.ports.refresh.revoke_family(family.id, now).await?;
                        tracing::info!(event = "refresh_revoked", family = %family.id);
                        if revoked {
                            let audit = &self.ports.audit;
                            audit.record(
                                audit
                                    .event(EventKind::RefreshFamilyRevoked)
                                    .user(family.user_id)
                                    .client(&family.client_id)
                                    .revoked(RevocationReason::Revocation, 1),
                            );
                        }
                    } else {
                        tracing::warn!(
                            event = "revoke_denied",
                            "another client's refresh token: nothing revoked"
                        );
                    }
                }
            }
            TokenKind::Access => {
                let verified = match self.verifier.verify_access_token(&token).await {
                    Ok(claims) => Some(claims),
                    Err(VerifyError::Invalid(_)) => None,
                    // RFC 7009 §2.2.1: say so rather than claim a revocation that did not happen.
                    Err(error @ VerifyError::Unavailable(_)) => {
                        return Err(OAuthError::TemporarilyUnavailable(error.to_string().into()).into());
                    }
                };
                // Expired or not ours: nothing to do; a token past exp is dead anyway.
                if let Some(claims) = verified
                    && claims.iss == self.policy.issuer
                    && now.unix_timestamp() < claims.exp
                {
                    if claims.client_id == caller.id.as_str() {
                        let expires_at = time::OffsetDateTime::from_unix_timestamp(claims.exp)
                            .unwrap_or(now + self.policy.access_token_lifetime);
                        self.ports.revoked.revoke(&claims.jti, expires_at).await?;
                        tracing::info!(event = "access_token_revoked");
                    } else {
                        tracing::warn!(
                            event = "revoke_denied",
                            "another client's access token: nothing revoked"
                        );
                    }
                }
            }
        }
        Ok(caller)
    }
}

#[cfg(test)]
mod tests;

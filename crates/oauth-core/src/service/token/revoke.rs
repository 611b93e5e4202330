//! Token revocation (RFC 7009).

use crate::client_auth::PresentedCredentials;
use crate::error::OAuthError;
use crate::ports::VerifyError;
use crate::refresh::RefreshDigest;

use super::grants::require;
use super::introspect::{TokenKind, kind_of};
use super::{TokenFailure, TokenService};

impl TokenService {
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
        let caller = self.authenticate(credentials, address).await?;
        let token = require(token, "token")?;
        let now = self.ports.clock.now();
        match kind_of(&token) {
            TokenKind::Refresh => {
                if let Some((_, family)) = self.ports.refresh.find(&RefreshDigest::of(&token)).await? {
                    if family.client_id == caller.id {
                        self.ports.refresh.revoke_family(family.id, now).await?;
                        tracing::info!(event = "refresh_revoked", family = %family.id);
                    } else {
                        tracing::warn!(
                            event = "revoke_denied",
                            "another client's refresh token: nothing revoked"
                        );
                    }
                }
            }
            TokenKind::Access => {
                let verified = match self.ports.verifier.verify_access_token(&token).await {
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

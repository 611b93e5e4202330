//! Token introspection (RFC 7662): what a resource server may learn about a
//! token it was handed.

use crate::client::{Client, ClientType};
use crate::client_auth::PresentedCredentials;
use crate::error::OAuthError;
use crate::ports::find_accepted;
use crate::refresh::RefreshDigest;
use crate::scope::ScopeName;

use super::access::may_be_jwt;
use super::grants::require;
use super::{TokenFailure, TokenService};

/// RFC 7662 §2.2: the answer. Every token that is not active — unknown,
/// expired, revoked, malformed, or not the caller's to see — is the same
/// `Inactive`, so the answer never tells whether a token ever existed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Introspection {
    Inactive,
    Active(ActiveToken),
}

/// RFC 7662 §2.2 members of an active token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveToken {
    /// `Bearer` for access tokens (RFC 6749 §7.1), `refresh_token` for refresh tokens.
    pub token_type: &'static str,
    pub scope: String,
    pub client_id: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub iss: String,
    pub aud: String,
    /// Access tokens only: a refresh token has no `jti`.
    pub jti: Option<String>,
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    Access,
    Refresh,
}

/// RFC 7662 §2.1 and RFC 7009 §2.1 let the server ignore `token_type_hint`
/// when it can tell the type itself, and we can: our access tokens are JWTs
/// (two dots), our refresh tokens base64url (none). So a wrong hint never
/// makes a token unfindable, and the hint is never trusted.
pub(super) fn kind_of(token: &str) -> TokenKind {
    if may_be_jwt(token) { TokenKind::Access } else { TokenKind::Refresh }
}

fn joined<'a>(scopes: impl Iterator<Item = &'a ScopeName>) -> String {
    scopes.map(ScopeName::as_str).collect::<Vec<_>>().join(" ")
}

impl TokenService {
    /// RFC 7662 §2.1: the caller authenticates like at the token endpoint
    /// (public clients cannot: §2.1 requires authorization), and sees its
    /// own tokens — every client's only with `may_introspect_any` (§4).
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn introspect(
        &self,
        credentials: &PresentedCredentials,
        token: Option<String>,
        address: &str,
    ) -> Result<(Client, Introspection), TokenFailure> {
        let caller = self.authenticate(credentials, address).await?;
        if caller.metadata.client_type == ClientType::Public {
            return Err(OAuthError::InvalidClient("introspection needs a confidential client".into()).into());
        }
        let token = require(token, "token")?;
        let answer = match kind_of(&token) {
            TokenKind::Access => self.introspect_access(&token).await?,
            TokenKind::Refresh => self.introspect_refresh(&token).await?,
        };
        if let Introspection::Active(active) = &answer
            && active.client_id != caller.id.as_str()
            && !self.may_introspect_any(&caller).await?
        {
            tracing::info!(event = "introspection_denied", "another client's token: answered inactive");
            return Ok((caller, Introspection::Inactive));
        }
        Ok((caller, answer))
    }

    /// RFC 7662 §4: whether `caller` may see every client's tokens. A "no"
    /// is checked on the stored client: the permission may have just been
    /// granted elsewhere, after this instance cached its copy.
    async fn may_introspect_any(&self, caller: &Client) -> Result<bool, TokenFailure> {
        if caller.metadata.may_introspect_any {
            return Ok(true);
        }
        let permitted = |client: &Client| client.metadata.may_introspect_any && !client.disabled;
        Ok(find_accepted(self.ports.clients.as_ref(), &caller.id, permitted).await?.is_some())
    }

    async fn introspect_access(&self, token: &str) -> Result<Introspection, TokenFailure> {
        let Some(live) = self.live_access_token(token).await? else { return Ok(Introspection::Inactive) };
        let claims = live.claims;
        Ok(Introspection::Active(ActiveToken {
            token_type: "Bearer",
            scope: claims.scope,
            client_id: claims.client_id,
            sub: claims.sub,
            exp: claims.exp,
            iat: claims.iat,
            iss: claims.iss,
            aud: claims.aud,
            jti: Some(claims.jti),
        }))
    }

    async fn introspect_refresh(&self, token: &str) -> Result<Introspection, TokenFailure> {
        let now = self.ports.clock.now();
        let Some((record, family)) = self.ports.refresh.find(&RefreshDigest::of(token)).await? else {
            return Ok(Introspection::Inactive);
        };
        let live = family.revoked_at.is_none()
            && record.rotated_at.is_none()
            && now < record.expires_at
            && now < family.expires_at;
        if !live {
            return Ok(Introspection::Inactive);
        }
        let client_enabled = self.enabled_client(&family.client_id).await?.is_some();
        let user_enabled = self.enabled_user(family.user_id).await?.is_some();
        if !client_enabled || !user_enabled {
            return Ok(Introspection::Inactive);
        }
        Ok(Introspection::Active(ActiveToken {
            token_type: "refresh_token",
            scope: joined(record.scopes.iter()),
            client_id: family.client_id.as_str().to_owned(),
            sub: family.user_id.to_string(),
            exp: record.expires_at.unix_timestamp(),
            iat: record.issued_at.unix_timestamp(),
            iss: self.policy.issuer.clone(),
            // Only we accept a refresh token: its audience is the issuer.
            aud: self.policy.issuer.clone(),
            jti: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::{TokenKind, kind_of};

    #[test]
    fn the_kind_is_told_by_the_shape() {
        assert_eq!(kind_of("a.b.c"), TokenKind::Access);
        assert_eq!(kind_of("opaque_refresh-token"), TokenKind::Refresh);
        assert_eq!(kind_of("a.b"), TokenKind::Refresh);
    }
}

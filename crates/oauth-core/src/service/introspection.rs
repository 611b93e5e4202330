//! Token introspection (RFC 7662): what a resource server may learn about a
//! token it was handed.

use std::sync::Arc;

use crate::client::{Client, ClientType};
use crate::client_auth::PresentedCredentials;
use crate::error::OAuthError;
use crate::ports::{Clock, RefreshTokenRepository};
use crate::refresh::RefreshDigest;
use crate::scope::ScopeName;
use crate::service::client_authentication::{ClientAuthenticator, TokenFailure};
use crate::service::client_directory::ClientDirectory;
use crate::service::live_token::{LiveTokens, may_be_jwt};
use crate::service::token::require;
use crate::token::TokenType;

/// RFC 7662 §2.2: the answer. Every token that is not active — unknown,
/// expired, revoked, malformed, or not the caller's to see — is the same
/// `Inactive`, so the answer never tells whether a token ever existed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Introspection {
    /// `{"active": false}` and nothing else.
    Inactive,
    /// A live token the caller may see.
    Active(ActiveToken),
}

/// RFC 7662 §2.2 members of an active token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveToken {
    /// `Bearer` or `DPoP` for access tokens (RFC 6749 §7.1, RFC 9449 §6.2),
    /// `refresh_token` for refresh tokens.
    pub token_type: &'static str,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// The client the token was issued to.
    pub client_id: String,
    /// The user, or the client itself for `client_credentials`.
    pub sub: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Issue time, Unix seconds.
    pub iat: i64,
    /// Our issuer identifier.
    pub iss: String,
    /// The access token's audience. A refresh token has none: it is
    /// presented only to us, never to a resource server (RFC 6749 §1.5).
    pub aud: Option<String>,
    /// Access tokens only: a refresh token has no `jti`.
    pub jti: Option<String>,
    /// RFC 9449 §6.2: the DPoP key a token is bound to, as `cnf.jkt`: a
    /// DPoP-bound access token's, or the key of a bound refresh family.
    pub cnf: Option<crate::dpop::Confirmation>,
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Access,
    Refresh,
}

/// RFC 7662 §2.1 and RFC 7009 §2.1 let the server ignore `token_type_hint`
/// when it can tell the type itself, and we can: our access tokens are JWTs
/// (two dots), our refresh tokens base64url (none). So a wrong hint never
/// makes a token unfindable, and the hint is never trusted.
pub(crate) fn kind_of(token: &str) -> TokenKind {
    if may_be_jwt(token) { TokenKind::Access } else { TokenKind::Refresh }
}

fn joined<'a>(scopes: impl Iterator<Item = &'a ScopeName>) -> String {
    scopes.map(ScopeName::as_str).collect::<Vec<_>>().join(" ")
}

/// The introspection endpoint (RFC 7662), over its ports.
pub struct IntrospectionService {
    authenticator: ClientAuthenticator,
    live: LiveTokens,
    /// Read again when a cached copy would refuse `may_introspect_any`.
    clients: ClientDirectory,
    /// Refresh tokens are looked up by digest.
    refresh: Arc<dyn RefreshTokenRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for IntrospectionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionService").finish_non_exhaustive()
    }
}

impl IntrospectionService {
    /// Authenticates callers with `authenticator` and judges access tokens
    /// with `live`; refresh tokens are found in `refresh`.
    pub fn new(
        authenticator: ClientAuthenticator,
        live: LiveTokens,
        clients: ClientDirectory,
        refresh: Arc<dyn RefreshTokenRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { authenticator, live, clients, refresh, clock }
    }

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
        let caller = self.authenticator.authenticate(credentials, address).await?;
        if caller.metadata.client_type == ClientType::Public {
            return Err(OAuthError::InvalidClient("introspection needs a confidential client".into()).into());
        }
        let token = require(token, "token")?;
        let kind = kind_of(&token);
        let answer = match kind {
            TokenKind::Access => self.introspect_access(&token).await?,
            TokenKind::Refresh => self.introspect_refresh(&token).await?,
        };
        // SECURITY: a refresh token is a credential for our token endpoint
        // only (RFC 6749 §1.5, §10.4), so only the client it was issued to
        // learns that it is active: a resource server allowed to see every
        // client's access tokens (RFC 7662 §4) must not be able to take one
        // for a bearer token.
        if let Introspection::Active(active) = &answer
            && active.client_id != caller.id.as_str()
            && (kind == TokenKind::Refresh || !self.may_introspect_any(&caller).await?)
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
        Ok(self.clients.find_accepted(&caller.id, permitted).await?.is_some())
    }

    async fn introspect_access(&self, token: &str) -> Result<Introspection, TokenFailure> {
        let Some(live) = self.live.live_access_token(token, true).await? else {
            return Ok(Introspection::Inactive);
        };
        let claims = live.claims;
        Ok(Introspection::Active(ActiveToken {
            token_type: if claims.cnf.is_some() {
                TokenType::Dpop.as_str()
            } else {
                TokenType::Bearer.as_str()
            },
            cnf: claims.cnf,
            scope: claims.scope,
            client_id: claims.client_id,
            sub: claims.sub,
            exp: claims.exp,
            iat: claims.iat,
            iss: claims.iss,
            aud: Some(claims.aud),
            jti: Some(claims.jti),
        }))
    }

    async fn introspect_refresh(&self, token: &str) -> Result<Introspection, TokenFailure> {
        let now = self.clock.now();
        let Some((record, family)) = self.refresh.find(&RefreshDigest::of(token)).await? else {
            return Ok(Introspection::Inactive);
        };
        let live = family.revoked_at.is_none()
            && record.rotated_at.is_none()
            && now < record.expires_at
            && now < family.expires_at;
        if !live {
            return Ok(Introspection::Inactive);
        }
        let client_enabled = self.live.enabled_client(&family.client_id).await?.is_some();
        let user_enabled = self
            .live
            .enabled_user(family.user_id)
            .await?
            .is_some_and(|user| user.login_is_current(family.auth_time));
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
            iss: self.live.issuer().to_owned(),
            aud: None,
            jti: None,
            cnf: family.sender_key.map(|jkt| crate::dpop::Confirmation { jkt }),
        }))
    }
}

#[cfg(test)]
mod tests;

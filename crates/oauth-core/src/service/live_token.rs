//! Which of our access tokens are live, for userinfo and introspection: the
//! checks of RFC 9068 §4 plus what only we can know (revocation, a disabled
//! client or user).

use std::sync::Arc;

use crate::client::{Client, ClientId};
use crate::error::{OAuthError, RepoError};
use crate::ports::{
    Clock, GrantedAppRepository, RefreshTokenRepository, RevokedTokenRepository, TokenVerifier,
    UserRepository, VerifyError,
};
use crate::refresh::RefreshFamilyId;
use crate::service::client_authentication::TokenFailure;
use crate::service::client_directory::ClientDirectory;
use crate::service::resource_targets::ResourceTargets;
use crate::token::AccessTokenClaims;
use crate::user::{User, UserId};

/// A live access token, its client and (unless `client_credentials`) its user.
pub(crate) struct LiveAccessToken {
    pub claims: AccessTokenClaims,
    pub client: Client,
    pub user: Option<User>,
}

/// A token string that cannot be a JWT (RFC 7519 §7.2: three dot-separated
/// parts) is not looked at as one; a refresh token (base64url) has no dot.
pub(crate) fn may_be_jwt(token: &str) -> bool {
    token.bytes().filter(|b| *b == b'.').count() == 2
}

/// The repositories that tell whether a token, its client and its user are
/// still live.
#[derive(Clone)]
pub struct LiveTokenPorts {
    /// Checks our signatures.
    pub verifier: Arc<dyn TokenVerifier>,
    /// Access tokens revoked by `jti`.
    pub revoked: Arc<dyn RevokedTokenRepository>,
    /// Refresh families: a token of a revoked family is dead.
    pub refresh: Arc<dyn RefreshTokenRepository>,
    /// Apps revoked by their user: a token without a family dies by the
    /// revocation's time.
    pub apps: Arc<dyn GrantedAppRepository>,
    /// A disabled client's tokens are dead.
    pub clients: ClientDirectory,
    /// A disabled or signed-out user's tokens are dead.
    pub users: Arc<dyn UserRepository>,
    /// The registered resources: a token for one is ours too (RFC 8707).
    pub targets: ResourceTargets,
}

impl std::fmt::Debug for LiveTokenPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveTokenPorts").finish_non_exhaustive()
    }
}

/// Judges whether one of our tokens is live; shared by userinfo and
/// introspection, so both answer alike.
#[derive(Clone)]
pub struct LiveTokens {
    ports: LiveTokenPorts,
    clock: Arc<dyn Clock>,
    /// Our `iss`, exactly.
    issuer: String,
    /// Our resource servers' `aud`.
    audience: String,
}

impl std::fmt::Debug for LiveTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveTokens").field("issuer", &self.issuer).finish_non_exhaustive()
    }
}

impl LiveTokens {
    /// Judges tokens issued by `issuer` for `audience` (see `TokenPolicy`).
    pub fn new(ports: LiveTokenPorts, clock: Arc<dyn Clock>, issuer: String, audience: String) -> Self {
        Self { ports, clock, issuer, audience }
    }

    /// Our issuer identifier.
    pub(crate) fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The token's claims when it is live now; `None` for any token that is
    /// not, whatever the reason (the callers answer all of them alike). A
    /// token for a registered resource (RFC 8707) is accepted only when
    /// `for_resources`: introspection answers for every API, while userinfo
    /// is an API of its own, of the default audience.
    pub(crate) async fn live_access_token(
        &self,
        token: &str,
        for_resources: bool,
    ) -> Result<Option<LiveAccessToken>, TokenFailure> {
        if !may_be_jwt(token) {
            return Ok(None);
        }
        let claims = match self.ports.verifier.verify_access_token(token).await {
            Ok(claims) => claims,
            Err(VerifyError::Invalid(reason)) => {
                tracing::debug!(reason = %reason, "access token refused");
                return Ok(None);
            }
            Err(error @ VerifyError::Unavailable(_)) => {
                return Err(OAuthError::ServerError(Box::new(error)).into());
            }
        };
        let now = self.clock.now().unix_timestamp();
        // RFC 9068 §4: our issuer exactly, our resource servers' audience, not expired.
        if claims.iss != self.issuer || now >= claims.exp {
            return Ok(None);
        }
        if claims.aud != self.audience
            && !(for_resources && self.ports.targets.is_registered(&claims.aud).await?)
        {
            return Ok(None);
        }
        // RFC 7009 §2.1: revoked by its own jti, or with its refresh family.
        if self.ports.revoked.is_revoked(&claims.jti).await? {
            return Ok(None);
        }
        if let Some(family) = &claims.family {
            let Some(id) = RefreshFamilyId::parse(family) else { return Ok(None) };
            match self.ports.refresh.find_family(id).await? {
                Some(family) if family.revoked_at.is_none() => {}
                _ => return Ok(None),
            }
        }
        let Ok(client_id) = ClientId::parse(&claims.client_id) else { return Ok(None) };
        let Some(client) = self.enabled_client(&client_id).await? else { return Ok(None) };
        // Closing an API to self-asserted clients ends their live tokens
        // for it too (docs/SECURITY.md § Dynamic registration).
        if claims.aud != self.audience && !self.ports.targets.still_open_to(&client, &claims.aud).await? {
            return Ok(None);
        }
        // A user's token carries auth_time (RFC 9068 §2.2.1); client_credentials' does not.
        let user = if claims.auth_time.is_some() {
            let Ok(user_id) = UserId::parse(&claims.sub) else { return Ok(None) };
            let Some(user) = self.enabled_user(user_id).await? else { return Ok(None) };
            // Its login was ended by a sign-out everywhere (a password change,
            // an operator's sign-out): dead like its refresh family. Judged by
            // the login, not by `iat`, so a token minted while the sign-out
            // committed dies too.
            if !claims.auth_time.is_some_and(|at| user.login_at_is_current(at)) {
                return Ok(None);
            }
            // The user revoked the app on the account page. A token with a
            // family died with it; one without dies by its `iat`, at or
            // before the revocation (whole seconds: a token of that second
            // goes too).
            if claims.family.is_none()
                && let Some(revoked_at) = self.ports.apps.app_revoked_at(user.id, &client.id).await?
                && claims.iat <= revoked_at.unix_timestamp()
            {
                return Ok(None);
            }
            Some(user)
        } else {
            None
        };
        Ok(Some(LiveAccessToken { claims, client, user }))
    }

    /// The client, if it exists and is not disabled.
    pub(crate) async fn enabled_client(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        self.ports.clients.find_accepted(id, |client| !client.disabled).await
    }

    /// The user, if it exists and is not disabled: tokens of anyone else are dead.
    pub(crate) async fn enabled_user(&self, id: UserId) -> Result<Option<User>, RepoError> {
        Ok(self.ports.users.find_by_id(id).await?.filter(|user| !user.disabled))
    }
}

#[cfg(test)]
mod tests {
    use super::may_be_jwt;

    #[test]
    fn only_three_part_strings_are_taken_for_jwts() {
        assert!(may_be_jwt("a.b.c"));
        for not in ["", "abc", "a.b", "a.b.c.d", "Yk2mS0-refresh_token_43_chars_base64url____"] {
            assert!(!may_be_jwt(not), "{not}");
        }
    }
}

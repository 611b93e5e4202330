//! Which of our access tokens are live, for userinfo and introspection: the
//! checks of RFC 9068 §4 plus what only we can know (revocation, a disabled
//! client or user).

use crate::client::{Client, ClientId};
use crate::error::{OAuthError, RepoError};
use crate::ports::{VerifyError, find_accepted};
use crate::refresh::RefreshFamilyId;
use crate::token::AccessTokenClaims;
use crate::user::{User, UserId};

use super::{TokenFailure, TokenService};

/// A live access token, its client and (unless `client_credentials`) its user.
pub(super) struct LiveAccessToken {
    pub claims: AccessTokenClaims,
    pub client: Client,
    pub user: Option<User>,
}

/// A token string that cannot be a JWT (RFC 7519 §7.2: three dot-separated
/// parts) is not looked at as one; a refresh token (base64url) has no dot.
pub(super) fn may_be_jwt(token: &str) -> bool {
    token.bytes().filter(|b| *b == b'.').count() == 2
}

impl TokenService {
    /// The token's claims when it is live now; `None` for any token that is
    /// not, whatever the reason (the callers answer all of them alike).
    pub(super) async fn live_access_token(
        &self,
        token: &str,
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
        let now = self.ports.clock.now().unix_timestamp();
        // RFC 9068 §4: our issuer exactly, our resource servers' audience, not expired.
        if claims.iss != self.policy.issuer || claims.aud != self.policy.audience || now >= claims.exp {
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
        // A user's token carries auth_time (RFC 9068 §2.2.1); client_credentials' does not.
        let user = if claims.auth_time.is_some() {
            let Ok(user_id) = UserId::parse(&claims.sub) else { return Ok(None) };
            let Some(user) = self.enabled_user(user_id).await? else { return Ok(None) };
            Some(user)
        } else {
            None
        };
        Ok(Some(LiveAccessToken { claims, client, user }))
    }

    /// The client, if it exists and is not disabled.
    pub(super) async fn enabled_client(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        find_accepted(self.ports.clients.as_ref(), id, |client| !client.disabled).await
    }

    /// The user, if it exists and is not disabled: tokens of anyone else are dead.
    pub(super) async fn enabled_user(&self, id: UserId) -> Result<Option<User>, RepoError> {
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

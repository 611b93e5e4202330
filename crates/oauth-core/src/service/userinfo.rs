//! The `UserInfo` endpoint (OIDC Core §5.3): claims about the user an access
//! token was issued for, as far as its scopes allow (§5.4).

use crate::client::Client;
use crate::error::OAuthError;
use crate::service::client_authentication::TokenFailure;
use crate::service::live_token::LiveTokens;

/// OIDC Core §5.3.2: `sub` always; the rest by scope (§5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The token's client: the response may be read by its origins (CORS).
    pub client: Client,
    /// The user's id.
    pub sub: String,
    /// `email` scope: the address and whether it was verified.
    pub email: Option<(String, bool)>,
    /// `profile` scope: the display name (the one profile claim we keep).
    pub name: Option<String>,
}

/// RFC 6750 §3.1 errors of a protected resource.
#[derive(Debug, thiserror::Error)]
pub enum UserinfoFailure {
    /// Missing, malformed, expired, revoked or foreign: 401 `invalid_token`.
    #[error("the access token is not valid")]
    InvalidToken,
    /// A live token without `openid`: 403 `insufficient_scope`.
    #[error("the access token was not granted the openid scope")]
    InsufficientScope,
    /// The store or the verifier failed.
    #[error(transparent)]
    Server(OAuthError),
}

impl From<TokenFailure> for UserinfoFailure {
    fn from(failure: TokenFailure) -> Self {
        match failure {
            TokenFailure::Refused(error) => Self::Server(error),
            TokenFailure::ClientThrottled => Self::InvalidToken,
        }
    }
}

/// The `UserInfo` endpoint, over the live-token check.
#[derive(Debug)]
pub struct UserinfoService {
    live: LiveTokens,
}

impl UserinfoService {
    /// Answers for the tokens `live` finds live.
    pub fn new(live: LiveTokens) -> Self {
        Self { live }
    }

    /// The claims `access_token` grants.
    pub async fn userinfo(&self, access_token: &str) -> Result<UserInfo, UserinfoFailure> {
        let Some(live) = self.live.live_access_token(access_token, false).await? else {
            return Err(UserinfoFailure::InvalidToken);
        };
        let granted = |name: &str| live.claims.scope.split(' ').any(|scope| scope == name);
        if !granted("openid") {
            return Err(UserinfoFailure::InsufficientScope);
        }
        // openid is never granted to client_credentials, so a user is expected.
        let Some(user) = live.user else { return Err(UserinfoFailure::InvalidToken) };
        Ok(UserInfo {
            sub: user.id.to_string(),
            email: granted("email").then(|| (user.email.as_str().to_owned(), user.email_verified)),
            name: granted("profile").then(|| user.display_name.as_str().to_owned()),
            client: live.client,
        })
    }
}

#[cfg(test)]
mod tests;

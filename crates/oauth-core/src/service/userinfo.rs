//! The `UserInfo` endpoint (OIDC Core §5.3): claims about the user an access
//! token was issued for, as far as its scopes allow (§5.4).

use crate::client::Client;
use crate::error::Detail;
use crate::error::OAuthError;
use crate::service::client_authentication::TokenFailure;
use crate::service::dpop::{DpopService, PresentedProof, ProofFailure};
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
    /// RFC 9449 §7.2: a DPoP-bound token sent as a bearer token: 401
    /// `invalid_token`, challenged with the DPoP scheme.
    #[error("the access token is bound to a DPoP key")]
    DpopRequired,
    /// RFC 9449 §7.1: the proof is missing or fails a check: 401
    /// `invalid_dpop_proof`.
    #[error("invalid_dpop_proof: {0}")]
    InvalidProof(Detail),
    /// RFC 9449 §9: a nonce is required: 401 `use_dpop_nonce`.
    #[error("use_dpop_nonce")]
    UseNonce,
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

impl From<ProofFailure> for UserinfoFailure {
    fn from(failure: ProofFailure) -> Self {
        match failure {
            ProofFailure::Invalid(why) => Self::InvalidProof(why),
            ProofFailure::UseNonce => Self::UseNonce,
            ProofFailure::Storage(error) => Self::Server(error.into()),
        }
    }
}

/// How the token was presented: RFC 6750 Bearer, or RFC 9449 DPoP with
/// the request's proof, if it sent one.
#[derive(Clone, Copy)]
enum Scheme<'a> {
    Bearer,
    Dpop(Option<&'a PresentedProof>),
}

/// The `UserInfo` endpoint, over the live-token check.
#[derive(Debug)]
pub struct UserinfoService {
    live: LiveTokens,
    dpop: Option<DpopService>,
}

impl UserinfoService {
    /// Answers for the tokens `live` finds live.
    pub fn new(live: LiveTokens) -> Self {
        Self { live, dpop: None }
    }

    /// Also accepts DPoP-bound tokens with their proofs (RFC 9449 §7).
    #[must_use]
    pub fn proving_possession_with(mut self, dpop: DpopService) -> Self {
        self.dpop = Some(dpop);
        self
    }

    /// The claims a bearer token (RFC 6750) grants; a DPoP-bound token is
    /// refused (RFC 9449 §7.2).
    pub async fn userinfo(&self, access_token: &str) -> Result<UserInfo, UserinfoFailure> {
        self.answer(access_token, Scheme::Bearer).await
    }

    /// The claims a token sent with the DPoP scheme grants: it must be bound
    /// to the key `proof` proves, and the proof must carry its hash (RFC
    /// 9449 §7.1).
    pub async fn userinfo_with_proof(
        &self,
        access_token: &str,
        proof: Option<&PresentedProof>,
    ) -> Result<UserInfo, UserinfoFailure> {
        self.answer(access_token, Scheme::Dpop(proof)).await
    }

    async fn answer(&self, access_token: &str, scheme: Scheme<'_>) -> Result<UserInfo, UserinfoFailure> {
        let Some(live) = self.live.live_access_token(access_token, false).await? else {
            return Err(UserinfoFailure::InvalidToken);
        };
        match (&live.claims.cnf, scheme) {
            (None, Scheme::Bearer) => {}
            (Some(_), Scheme::Bearer) => return Err(UserinfoFailure::DpopRequired),
            // A bearer token presented as DPoP proves nothing about its holder.
            (None, Scheme::Dpop(_)) => return Err(UserinfoFailure::InvalidToken),
            (Some(_), Scheme::Dpop(None)) => {
                return Err(UserinfoFailure::InvalidProof("a DPoP proof must come with a DPoP token".into()));
            }
            (Some(bound), Scheme::Dpop(Some(proof))) => {
                let Some(dpop) = &self.dpop else { return Err(UserinfoFailure::InvalidToken) };
                // SECURITY: RFC 9449 §7.1: the proof's key is the token's.
                dpop.prove_key(proof, access_token, &bound.jkt).await?;
            }
        }
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

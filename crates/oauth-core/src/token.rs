//! What the token endpoint hands out: RFC 9068 JWT access tokens, OIDC ID
//! tokens (OIDC Core §2), and the policy that sets their audience, lifetimes
//! and algorithms. The claims are signed by the `TokenSigner` port.

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use time::Duration;

use crate::refresh::RefreshToken;

/// The JWS algorithms we sign with.
pub use crate::client::IdTokenAlg as SigningAlg;

/// RFC 9068 §2.2 claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessTokenClaims {
    /// The issuer.
    pub iss: String,
    /// The user's id, or the client's for `client_credentials` (RFC 9068 §2.2).
    pub sub: String,
    /// The resource server(s) the token is for.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// Unique per token: the handle for revocation lists.
    pub jti: String,
    /// The client the token was issued to (RFC 9068 §2.2).
    pub client_id: String,
    /// Space-separated granted scopes.
    pub scope: String,
    /// When the user authenticated; absent for `client_credentials`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// A private claim: the refresh family the token was issued with, so that
    /// revoking the family (RFC 7009 §2.1, RFC 9700 §4.14.2) also revokes this
    /// token wherever we check it. Resource servers ignore it.
    #[serde(default, rename = "refresh_family", skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// RFC 9449 §6.1: the DPoP key the token is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<crate::dpop::Confirmation>,
}

/// OIDC Core §2 and §3.1.3.6 claims of an ID token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    /// The issuer.
    pub iss: String,
    /// The user's identifier (OIDC Core §2).
    pub sub: String,
    /// The client: OIDC Core §2 `aud` contains the `client_id`.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// When the user last authenticated, seconds since the epoch.
    pub auth_time: i64,
    /// Echoed from the authorization request when one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// OIDC Core §3.1.3.6: binds the ID token to the access token issued with it.
    pub at_hash: String,
    /// The authorized party: the client.
    pub azp: String,
}

/// OIDC Core §3.1.3.6: the left half of the SHA-256 of the access token,
/// base64url — the hash that goes with RS256 and ES256 alike.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    Base64UrlUnpadded::encode_string(&digest[..16])
}

/// Lifetimes, audience and algorithms of issued tokens, validated by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPolicy {
    /// `iss` of every token: the configured issuer, exactly.
    pub issuer: String,
    /// `aud` of access tokens (the resource servers'); the issuer by default.
    pub audience: String,
    /// How long an access token lives.
    pub access_token_lifetime: Duration,
    /// How long an ID token lives.
    pub id_token_lifetime: Duration,
    /// ES256 by default: ten times cheaper to sign than RS256.
    pub access_token_alg: SigningAlg,
    /// A refresh token unused this long expires.
    pub refresh_idle_lifetime: Duration,
    /// No refresh token of a family outlives the family's first login by more than this.
    pub refresh_absolute_lifetime: Duration,
}

impl TokenPolicy {
    /// The defaults for `issuer`: 10-minute access and ID tokens, refresh
    /// tokens idle for 14 days at most and 30 days in all.
    pub fn for_issuer(issuer: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            audience: issuer.to_owned(),
            access_token_lifetime: Duration::minutes(10),
            id_token_lifetime: Duration::minutes(10),
            access_token_alg: SigningAlg::Es256,
            refresh_idle_lifetime: Duration::days(14),
            refresh_absolute_lifetime: Duration::days(30),
        }
    }
}

/// RFC 6749 §7.1 `token_type`: how the access token is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    /// RFC 6750: whoever holds it may use it.
    Bearer,
    /// RFC 9449 §5: bound to a key; presented with a proof.
    Dpop,
}

impl TokenType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::Dpop => "DPoP",
        }
    }
}

/// RFC 6749 §5.1: the successful answer of the token endpoint.
#[derive(Debug)]
pub struct TokenResponse {
    /// The RFC 9068 JWT.
    pub access_token: String,
    /// `Bearer`, or `DPoP` when the token is bound to a key.
    pub token_type: TokenType,
    /// Seconds.
    pub expires_in: i64,
    /// Space-separated granted scopes (RFC 6749 §5.1).
    pub scope: String,
    /// OIDC Core §3.1.3.3: with the `openid` scope.
    pub id_token: Option<String>,
    /// With the `refresh_token` grant and `offline_access`.
    pub refresh_token: Option<RefreshToken>,
    /// Whom and what the tokens were issued for: written into the security
    /// event, never into the answer.
    pub issued: Issuance,
}

/// The facts of an issuance an operator may see: never a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Issuance {
    /// The user the tokens act for; `None` for `client_credentials`.
    pub user: Option<crate::user::UserId>,
    /// The access token's `jti`.
    pub jti: String,
    /// The resource server the access token is bound to (RFC 8707), if any.
    pub resource: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_sha256() {
        // OIDC Core §3.1.3.6 with the example access token of OIDC Core A.3.
        assert_eq!(at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"), "77QmUPtjPfzWtF2AnpK9RQ");
    }
}

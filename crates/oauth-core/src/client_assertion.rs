//! `private_key_jwt` client authentication (RFC 7523 §2.2 and §3, OIDC Core
//! §9): the client signs a JWT about itself with one of its registered
//! keys. The signature is the `ClientAssertionVerifier` port's; the claims'
//! rules are here.

use serde::Deserialize;
use time::{Duration, OffsetDateTime};

/// RFC 7523 §2.2 `client_assertion_type`.
pub const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The JWS algorithms an assertion may be signed with
/// (`token_endpoint_auth_signing_alg_values_supported`): asymmetric only.
pub const ASSERTION_SIGNING_ALGS: &[&str] = crate::dpop::PROOF_SIGNING_ALGS;

/// The longest assertion read: far more than any honest one needs.
pub const MAX_ASSERTION_LEN: usize = 8 * 1024;

/// How far ahead an assertion's `exp` may be: a short-lived assertion is
/// made for one request, and its `jti` is remembered until it expires.
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::minutes(5);

/// How far our clock may run behind the client's, for `nbf` and `iat`.
const CLOCK_SKEW: Duration = Duration::seconds(10);

/// The `aud` of an assertion, a string or an array (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// One audience.
    One(String),
    /// Several.
    Many(Vec<String>),
}

/// RFC 7523 §3 claims of an assertion, as signed; judged by [`judge`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AssertionClaims {
    /// Must be the client's id.
    #[serde(default)]
    pub iss: Option<String>,
    /// Must be the client's id too.
    #[serde(default)]
    pub sub: Option<String>,
    /// Must be our issuer identifier, alone.
    #[serde(default)]
    pub aud: Option<Audience>,
    /// Required; at most [`MAX_ASSERTION_LIFETIME`] ahead.
    #[serde(default)]
    pub exp: Option<i64>,
    /// If present, not in the future.
    #[serde(default)]
    pub nbf: Option<i64>,
    /// If present, not in the future.
    #[serde(default)]
    pub iat: Option<i64>,
    /// Required: the assertion is good once.
    #[serde(default)]
    pub jti: Option<String>,
}

/// What an assertion must be addressed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudiencePolicy {
    /// Our issuer identifier, the one audience always accepted.
    pub issuer: String,
    /// The token endpoint's URL, accepted too only when an operator keeps
    /// older clients working (off by default; see docs/SECURITY.md §
    /// `private_key_jwt`).
    pub legacy_token_endpoint: Option<String>,
}

/// RFC 7523 §3 for `client_id`'s assertion at `now`: the `jti` and the
/// expiry to remember it until, or why it is refused.
pub fn judge(
    claims: &AssertionClaims,
    client_id: &str,
    audience: &AudiencePolicy,
    now: OffsetDateTime,
) -> Result<(String, OffsetDateTime), &'static str> {
    // §3 items 1 and 2: the client speaks for itself.
    if claims.iss.as_deref() != Some(client_id) || claims.sub.as_deref() != Some(client_id) {
        return Err("iss and sub must both be the client_id");
    }
    // §3 item 3, as tightened against audience injection: our issuer
    // identifier as a single string; an array, even one holding it, and
    // any other server's identifier are refused.
    match &claims.aud {
        Some(Audience::One(aud)) if *aud == audience.issuer => {}
        Some(Audience::One(aud)) if audience.legacy_token_endpoint.as_deref() == Some(aud.as_str()) => {}
        Some(Audience::Many(_)) => return Err("aud must be the issuer identifier as a single string"),
        _ => return Err("aud must be the issuer identifier"),
    }
    // §3 item 4.
    let exp =
        claims.exp.and_then(|exp| OffsetDateTime::from_unix_timestamp(exp).ok()).ok_or("exp is required")?;
    if exp <= now {
        return Err("the assertion has expired");
    }
    if exp > now + MAX_ASSERTION_LIFETIME {
        return Err("exp may be at most five minutes ahead");
    }
    // §3 items 5 and 6.
    let not_yet = |claim: Option<i64>| claim.is_some_and(|at| at > (now + CLOCK_SKEW).unix_timestamp());
    if not_yet(claims.nbf) || not_yet(claims.iat) {
        return Err("the assertion is not valid yet");
    }
    // §3 item 7: single use, so it must be named.
    let jti = claims.jti.as_deref().filter(|jti| !jti.is_empty() && jti.len() <= 256);
    let jti = jti.ok_or("jti is required, at most 256 characters")?;
    Ok((jti.to_owned(), exp))
}

#[cfg(test)]
mod tests;

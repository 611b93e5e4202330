//! Errors of the domain: the OAuth wire codes (RFC 6749 §4.1.2.1 and §5.2,
//! RFC 6750 §3.1, RFC 7009 §2.2.1) and the failures a repository may report.
//!
//! Every variant carries a description that is safe to show to the client: it
//! names the failed check and never echoes a secret. The two exceptions say
//! why the server failed rather than what the client did wrong: the cause of a
//! `server_error` or `temporarily_unavailable` is for the log (a store's error
//! may name a host or a database user), and the client gets a fixed text.

use std::borrow::Cow;

/// A description that is safe to show: it names the failed check.
pub type Detail = Cow<'static, str>;

/// The `error_description` of every `temporarily_unavailable` answer.
pub const UNAVAILABLE_DESCRIPTION: &str = "the service is temporarily unavailable; try again later";

/// An OAuth protocol error, one variant per wire code.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    /// RFC 6749 §5.2 / §4.1.2.1
    #[error("invalid_request: {0}")]
    InvalidRequest(Detail),
    /// RFC 6749 §5.2
    #[error("invalid_client: {0}")]
    InvalidClient(Detail),
    /// RFC 6749 §5.2
    #[error("invalid_grant: {0}")]
    InvalidGrant(Detail),
    /// RFC 6749 §5.2 / §4.1.2.1
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(Detail),
    /// RFC 6749 §5.2
    #[error("unsupported_grant_type: {0}")]
    UnsupportedGrantType(Detail),
    /// RFC 6749 §5.2 / §4.1.2.1
    #[error("invalid_scope: {0}")]
    InvalidScope(Detail),
    /// RFC 6749 §4.1.2.1
    #[error("access_denied: {0}")]
    AccessDenied(Detail),
    /// RFC 6749 §4.1.2.1
    #[error("unsupported_response_type: {0}")]
    UnsupportedResponseType(Detail),
    /// OIDC Core §3.1.2.6: `prompt=none` and the user is not signed in.
    #[error("login_required: {0}")]
    LoginRequired(Detail),
    /// OIDC Core §3.1.2.6: `prompt=none` and consent is needed.
    #[error("consent_required: {0}")]
    ConsentRequired(Detail),
    /// OIDC Core §3.1.2.6: `prompt=none` and some other page is needed.
    #[error("interaction_required: {0}")]
    InteractionRequired(Detail),
    /// OIDC Core §3.1.2.6, §6.1: the request carried a request object
    /// (`request`), which this server does not support.
    #[error("request_not_supported: {0}")]
    RequestNotSupported(Detail),
    /// RFC 9101 §6.2 (used by RFC 9126 §4): a `request_uri` that names no
    /// live pushed request of this client.
    #[error("invalid_request_uri: {0}")]
    InvalidRequestUri(Detail),
    /// RFC 8707 §2: a `resource` that is malformed, unknown, not allowed for
    /// the client, or not one a token can be minted for.
    #[error("invalid_target: {0}")]
    InvalidTarget(Detail),
    /// RFC 9449 §5: the `DPoP` proof is missing where required, malformed,
    /// or fails a check of §4.3.
    #[error("invalid_dpop_proof: {0}")]
    InvalidDpopProof(Detail),
    /// RFC 9449 §8: the proof must carry the server's current nonce, sent
    /// in the answer's `DPoP-Nonce` header.
    #[error("use_dpop_nonce: {0}")]
    UseDpopNonce(Detail),
    /// RFC 8628 §3.5: the user has not decided yet; poll again.
    #[error("authorization_pending: {0}")]
    AuthorizationPending(Detail),
    /// RFC 8628 §3.5: polled sooner than the interval, which grows by 5 s.
    #[error("slow_down: {0}")]
    SlowDown(Detail),
    /// RFC 8628 §3.5: the device code expired; start again.
    #[error("expired_token: {0}")]
    ExpiredToken(Detail),
    /// RFC 6750 §3.1
    #[error("invalid_token: {0}")]
    InvalidToken(Detail),
    /// RFC 6750 §3.1
    #[error("insufficient_scope: {0}")]
    InsufficientScope(Detail),
    /// RFC 7009 §2.2.1
    #[error("unsupported_token_type: {0}")]
    UnsupportedTokenType(Detail),
    /// RFC 6749 §4.1.2.1: the server is overloaded or a dependency is down.
    /// The detail says why, for the log; the client is told only to retry
    /// ([`UNAVAILABLE_DESCRIPTION`]).
    #[error("temporarily_unavailable: {0}")]
    TemporarilyUnavailable(Detail),
    /// RFC 6749 §4.1.2.1. The source is logged, never shown.
    #[error("server_error")]
    ServerError(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl OAuthError {
    /// The RFC wire code. An exhaustive match on purpose: a new variant cannot
    /// ship without one.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient(_) => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::AccessDenied(_) => "access_denied",
            Self::UnsupportedResponseType(_) => "unsupported_response_type",
            Self::LoginRequired(_) => "login_required",
            Self::ConsentRequired(_) => "consent_required",
            Self::InteractionRequired(_) => "interaction_required",
            Self::RequestNotSupported(_) => "request_not_supported",
            Self::InvalidRequestUri(_) => "invalid_request_uri",
            Self::InvalidTarget(_) => "invalid_target",
            Self::InvalidDpopProof(_) => "invalid_dpop_proof",
            Self::UseDpopNonce(_) => "use_dpop_nonce",
            Self::AuthorizationPending(_) => "authorization_pending",
            Self::SlowDown(_) => "slow_down",
            Self::ExpiredToken(_) => "expired_token",
            Self::InvalidToken(_) => "invalid_token",
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::UnsupportedTokenType(_) => "unsupported_token_type",
            Self::TemporarilyUnavailable(_) => "temporarily_unavailable",
            Self::ServerError(_) => "server_error",
        }
    }

    /// The text for `error_description`. `server_error` and
    /// `temporarily_unavailable` say nothing of their cause.
    pub fn description(&self) -> Cow<'_, str> {
        match self {
            Self::InvalidRequest(d)
            | Self::InvalidClient(d)
            | Self::InvalidGrant(d)
            | Self::UnauthorizedClient(d)
            | Self::UnsupportedGrantType(d)
            | Self::InvalidScope(d)
            | Self::AccessDenied(d)
            | Self::UnsupportedResponseType(d)
            | Self::LoginRequired(d)
            | Self::ConsentRequired(d)
            | Self::InteractionRequired(d)
            | Self::RequestNotSupported(d)
            | Self::InvalidRequestUri(d)
            | Self::InvalidTarget(d)
            | Self::InvalidDpopProof(d)
            | Self::UseDpopNonce(d)
            | Self::AuthorizationPending(d)
            | Self::SlowDown(d)
            | Self::ExpiredToken(d)
            | Self::InvalidToken(d)
            | Self::InsufficientScope(d)
            | Self::UnsupportedTokenType(d) => Cow::Borrowed(d.as_ref()),
            Self::TemporarilyUnavailable(_) => Cow::Borrowed(UNAVAILABLE_DESCRIPTION),
            Self::ServerError(_) => Cow::Borrowed("the server could not complete the request"),
        }
    }
}

impl From<RepoError> for OAuthError {
    /// An unreachable store is worth a retry; its text travels for the log only.
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::Unavailable(source) => {
                Self::TemporarilyUnavailable(format!("storage unavailable: {source}").into())
            }
            other => Self::ServerError(Box::new(other)),
        }
    }
}

/// What a repository port may report. Services decide what each means for
/// their use case (a `NotFound` code is an `invalid_grant`, for instance).
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The record does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; the payload names the rule.
    #[error("conflict: {0}")]
    Conflict(Detail),
    /// The store could not be reached or did not answer in time.
    #[error("storage unavailable: {0}")]
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
    /// The store answered with data that breaks a domain invariant.
    #[error("corrupt record: {0}")]
    Corrupt(Detail),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_the_rfc_spelling() {
        let cases: Vec<(OAuthError, &str)> = vec![
            (OAuthError::InvalidRequest("x".into()), "invalid_request"),
            (OAuthError::InvalidClient("x".into()), "invalid_client"),
            (OAuthError::InvalidGrant("x".into()), "invalid_grant"),
            (OAuthError::UnauthorizedClient("x".into()), "unauthorized_client"),
            (OAuthError::UnsupportedGrantType("x".into()), "unsupported_grant_type"),
            (OAuthError::InvalidScope("x".into()), "invalid_scope"),
            (OAuthError::AccessDenied("x".into()), "access_denied"),
            (OAuthError::LoginRequired("x".into()), "login_required"),
            (OAuthError::ConsentRequired("x".into()), "consent_required"),
            (OAuthError::InteractionRequired("x".into()), "interaction_required"),
            (OAuthError::RequestNotSupported("x".into()), "request_not_supported"),
            (OAuthError::InvalidRequestUri("x".into()), "invalid_request_uri"),
            (OAuthError::UnsupportedResponseType("x".into()), "unsupported_response_type"),
            (OAuthError::InvalidTarget("x".into()), "invalid_target"),
            (OAuthError::InvalidDpopProof("x".into()), "invalid_dpop_proof"),
            (OAuthError::UseDpopNonce("x".into()), "use_dpop_nonce"),
            (OAuthError::InvalidToken("x".into()), "invalid_token"),
            (OAuthError::InsufficientScope("x".into()), "insufficient_scope"),
            (OAuthError::UnsupportedTokenType("x".into()), "unsupported_token_type"),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.description(), "x");
        }
        let unavailable = OAuthError::TemporarilyUnavailable("x".into());
        assert_eq!(unavailable.code(), "temporarily_unavailable");
    }

    #[test]
    fn server_error_hides_its_source() {
        let error = OAuthError::ServerError("secret table name".into());
        assert_eq!(error.code(), "server_error");
        assert!(!error.description().contains("secret"));
    }

    #[test]
    fn unavailable_storage_is_temporarily_unavailable_and_hides_its_cause() {
        let error: OAuthError = RepoError::Unavailable("secret-host-10.9.8.7 user=admin".into()).into();
        assert_eq!(error.code(), "temporarily_unavailable");
        assert_eq!(error.description(), UNAVAILABLE_DESCRIPTION);
        assert!(error.to_string().contains("secret-host-10.9.8.7"), "the cause is kept for the log");
    }
}

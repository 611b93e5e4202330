//! Domain errors as HTTP responses: a JSON body `{error, error_description}`
//! (RFC 6749 §5.2), never cached, with the status the RFCs give each code.
//! The cause of a `server_error` or `temporarily_unavailable` goes to the log
//! (inside the request's span, so with its request id), never to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use oauth_core::OAuthError;
use serde::Serialize;

/// The JSON error body of every API endpoint.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct ErrorBody {
    /// An RFC error code, or `not_found` / `method_not_allowed` for routing errors.
    pub error: String,
    /// Names the failed check; never echoes a secret.
    pub error_description: String,
}

/// An `OAuthError` on its way to the client.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub OAuthError);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match &self.0 {
            // RFC 6749 §5.2: 401 for a failed client authentication.
            OAuthError::InvalidClient(_) | OAuthError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            // RFC 6750 §3.1
            OAuthError::InsufficientScope(_) => StatusCode::FORBIDDEN,
            OAuthError::ServerError(_) => StatusCode::INTERNAL_SERVER_ERROR,
            OAuthError::TemporarilyUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            // RFC 6749 §5.2: everything else is 400.
            OAuthError::InvalidRequest(_)
            | OAuthError::InvalidGrant(_)
            | OAuthError::UnauthorizedClient(_)
            | OAuthError::UnsupportedGrantType(_)
            | OAuthError::InvalidScope(_)
            | OAuthError::InvalidTarget(_)
            | OAuthError::AccessDenied(_)
            | OAuthError::UnsupportedResponseType(_)
            | OAuthError::LoginRequired(_)
            | OAuthError::ConsentRequired(_)
            | OAuthError::InteractionRequired(_)
            | OAuthError::RequestNotSupported(_)
            | OAuthError::InvalidRequestUri(_)
            // RFC 9449 §5 and §8: 400 at the authorization server.
            | OAuthError::InvalidDpopProof(_)
            | OAuthError::UseDpopNonce(_)
            // RFC 8628 §3.5: the device's polling answers, as RFC 6749 §5.2.
            | OAuthError::AuthorizationPending(_)
            | OAuthError::SlowDown(_)
            | OAuthError::ExpiredToken(_)
            | OAuthError::UnsupportedTokenType(_) => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        log_cause(&self.0);
        let status = self.status_code();
        let mut response = json_error(status, self.0.code(), &self.0.description());
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS));
        }
        response
    }
}

/// `Retry-After` (RFC 9110 §10.2.3) of every 503: the store's connection
/// timeout or the password hasher's longest wait, and then some.
pub(crate) const RETRY_AFTER_SECS: &str = "5";

/// Logs what the client is not told: the cause behind `server_error` and
/// `temporarily_unavailable` (a store's text may name a host or a user).
pub(crate) fn log_cause(error: &OAuthError) {
    match error {
        OAuthError::ServerError(source) => tracing::error!(error = %source, "server error"),
        OAuthError::TemporarilyUnavailable(cause) => {
            tracing::warn!(cause = %cause, "temporarily unavailable");
        }
        _ => {}
    }
}

/// [`json_error`] that says when to try again (RFC 9110 §10.2.3): a quota's
/// 429, or a 503 that will not clear at once.
pub(crate) fn json_error_retry_after(
    status: StatusCode,
    code: &str,
    description: &str,
    retry_after_secs: u64,
) -> HttpResponse {
    let mut response = json_error(status, code, description);
    if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A JSON error response that is never cached.
pub(crate) fn json_error(status: StatusCode, code: &str, description: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .json(ErrorBody { error: code.to_owned(), error_description: description.to_owned() })
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;

    use super::*;

    #[actix_web::test]
    async fn status_codes_follow_the_rfcs() {
        let rows: Vec<(OAuthError, u16)> = vec![
            (OAuthError::InvalidRequest("x".into()), 400),
            (OAuthError::InvalidGrant("x".into()), 400),
            (OAuthError::RequestNotSupported("x".into()), 400),
            (OAuthError::InvalidRequestUri("x".into()), 400),
            (OAuthError::InvalidClient("x".into()), 401),
            (OAuthError::InvalidToken("x".into()), 401),
            (OAuthError::InsufficientScope("x".into()), 403),
            (OAuthError::TemporarilyUnavailable("x".into()), 503),
            (OAuthError::ServerError("db exploded".into()), 500),
        ];
        for (error, status) in rows {
            assert_eq!(ApiError(error).status_code().as_u16(), status);
        }
    }

    #[actix_web::test]
    async fn body_is_json_and_hides_server_error_causes() {
        let response = ApiError(OAuthError::ServerError("password column".into())).error_response();
        assert_eq!(response.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
        let bytes = to_bytes(response.into_body()).await.unwrap();
        let body: ErrorBody = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body.error, "server_error");
        assert!(!body.error_description.contains("password"));
    }

    #[actix_web::test]
    async fn temporarily_unavailable_hides_its_cause_and_says_when_to_retry() {
        let error = OAuthError::TemporarilyUnavailable("storage unavailable: database is locked".into());
        let response = ApiError(error).error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), RETRY_AFTER_SECS);
        let bytes = to_bytes(response.into_body()).await.unwrap();
        let body: ErrorBody = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body.error, "temporarily_unavailable");
        assert_eq!(body.error_description, oauth_core::error::UNAVAILABLE_DESCRIPTION);
    }
}

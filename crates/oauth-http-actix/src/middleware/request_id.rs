//! A request id per request: in the tracing span, in the `X-Request-Id`
//! response header, and available to handlers so that error pages show it.

use std::fmt;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest};
use tracing::Instrument;

/// The header that carries the id back to the caller.
pub(crate) const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Identifies one request across logs and responses.
///
/// Always generated here: an id chosen by the caller could forge log lines or
/// collide with another request's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(uuid::Uuid);

impl RequestId {
    /// A fresh, random id.
    pub(crate) fn generate() -> Self {
        Self(uuid::Uuid::new_v4())
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromRequest for RequestId {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Outside the middleware (unit tests of a lone handler) a fresh id is still an id.
        let id = req.extensions().get::<RequestId>().cloned().unwrap_or_else(RequestId::generate);
        std::future::ready(Ok(id))
    }
}

/// Wraps each request in a span carrying its id, method and path (never the
/// query string: later endpoints carry codes and state there), and logs its outcome.
pub async fn assign(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = RequestId::generate();
    request.extensions_mut().insert(id.clone());
    let span = tracing::info_span!(
        "http_request",
        request_id = %id,
        method = %request.method(),
        path = %request.path(),
    );
    let mut response = next.call(request).instrument(span.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    span.in_scope(|| tracing::info!(status = response.status().as_u16(), "request finished"));
    Ok(response)
}

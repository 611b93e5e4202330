//! A request id per request: in the tracing span, in the `X-Request-Id`
//! response header, and available to handlers so that error pages show it.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, web};
use tracing::Instrument;

use crate::observer::RequestObserver;
use crate::state::AppState;

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
/// query string: later endpoints carry codes and state there), and logs its
/// outcome. With [`AppState::trace_context`] set, the span continues the
/// caller's trace (`traceparent`); the id stays ours either way.
pub async fn assign(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    assign_observed(request, next, None).await
}

/// [`assign`], and tells `observer` of the request when it is done. One
/// middleware for both, so the request path pays for one layer, not two.
pub(crate) async fn assign_observed(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
    observer: Option<Arc<dyn RequestObserver>>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = observer.as_ref().map(|_| Instant::now());
    let id = RequestId::generate();
    request.extensions_mut().insert(id.clone());
    let span = tracing::info_span!(
        "http_request",
        request_id = %id,
        method = %request.method(),
        path = %request.path(),
    );
    // Before the span is first entered: only a span not yet started takes a parent.
    if let Some(state) = request.app_data::<web::Data<AppState>>()
        && let Some(trace_context) = &state.trace_context
    {
        trace_context.adopt(&span, request.headers());
    }
    let outcome = next.call(request).instrument(span.clone()).await;
    let observe = |route: Option<&str>, status| {
        if let (Some(observer), Some(started)) = (&observer, started) {
            observer.observe(route, status, started.elapsed());
        }
    };
    let mut response = match outcome {
        Ok(response) => response,
        Err(error) => {
            // The request went into the failed call, and with it its route.
            observe(None, error.as_response_error().status_code());
            return Err(error);
        }
    };
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    span.in_scope(|| tracing::info!(status = response.status().as_u16(), "request finished"));
    // Resources are named by their template (`routes::resource`), so this
    // borrows the template where `match_pattern` would build a `String`.
    observe(response.request().match_name(), response.status());
    Ok(response)
}

#[cfg(test)]
mod tests;

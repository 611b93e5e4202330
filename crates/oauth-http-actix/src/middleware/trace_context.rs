//! A hook for distributed tracing: the binary may adopt a caller's W3C Trace
//! Context (`traceparent`, `tracestate`) as the parent of the request span,
//! while this crate stays free of any tracing backend.

use actix_web::http::header::HeaderMap;

/// Adopts the trace context a caller sent, if any, as the parent of one
/// request's span (the `http_request` span of [`crate::assign_request_id`]).
///
/// Called once per request, before the span is first entered. A missing or
/// malformed header must be ignored, never refuse the request: W3C Trace
/// Context § Processing Model has the receiver start a new trace then.
pub trait TraceContext: Send + Sync {
    /// Sets `span`'s parent from `headers` when they carry a valid context.
    fn adopt(&self, span: &tracing::Span, headers: &HeaderMap);
}

//! The W3C Trace Context a caller sends (`traceparent`, `tracestate`), read
//! from the request headers and adopted as the request span's parent. A
//! header that is not exactly as the specification writes it is ignored.

use actix_web::http::header::HeaderMap;
use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Continues a caller's trace: W3C Trace Context `traceparent` and
/// `tracestate`, read from the request headers.
#[derive(Debug, Default)]
pub struct W3cTraceContext(TraceContextPropagator);

impl oauth_http_actix::TraceContext for W3cTraceContext {
    fn adopt(&self, span: &tracing::Span, headers: &HeaderMap) {
        let context = self.0.extract(&Headers(headers));
        // W3C Trace Context § Processing Model: a `traceparent` that does not
        // parse is ignored and the request starts a new trace; it is the
        // caller's input, never a reason to refuse the request.
        if context.span().span_context().is_valid() {
            // Fails only without an OpenTelemetry layer, when nothing is exported anyway.
            let _ = span.set_parent(context);
        }
    }
}

/// Request headers as the propagator reads them.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    /// The header's value when it is sent once, as visible ASCII; a repeated
    /// header is ambiguous and read as absent rather than guessed at.
    fn get(&self, key: &str) -> Option<&str> {
        let mut values = self.0.get_all(key);
        let value = values.next()?;
        if values.next().is_some() {
            return None;
        }
        let value = value.to_str().ok()?;
        (key != "traceparent" || well_formed(value)).then_some(value)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(actix_web::http::header::HeaderName::as_str).collect()
    }
}

/// W3C Trace Context §3.2.2: `version-trace_id-parent_id-flags`, each of a
/// fixed length of lowercase hex; a later version may append `-` and more
/// (§3.2.4). The propagator checks the values (zero ids, version `ff`) but
/// not the lengths, and would read a short id as if zero-padded.
fn well_formed(traceparent: &str) -> bool {
    let (head, rest) = traceparent.split_at_checked(55).unwrap_or((traceparent, ""));
    let lengths = head.split('-').map(|part| {
        part.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)).then_some(part.len())
    });
    let shape = lengths.collect::<Option<Vec<_>>>().is_some_and(|lengths| lengths == [2, 32, 16, 2]);
    shape && (rest.is_empty() || (!head.starts_with("00") && rest.starts_with('-')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_version_may_append_fields_and_version_00_may_not() {
        let ids = "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        for (traceparent, expected) in [
            (format!("00-{ids}"), true),
            (format!("01-{ids}"), true),
            (format!("01-{ids}-future"), true),
            (format!("01-{ids}future"), false),
            (format!("00-{ids}-future"), false),
            (format!("00-{ids} "), false),
            (format!("0-{ids}"), false),
        ] {
            assert_eq!(well_formed(&traceparent), expected, "{traceparent:?}");
        }
    }
}

//! The W3C Trace Context a caller sends (`traceparent`, `tracestate`), read
//! from the request headers and adopted as the request span's parent. A
//! `traceparent` that is not exactly as the specification writes it is
//! ignored; a `tracestate` is kept to its first entries within 512 bytes.

use std::borrow::Cow;

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
        let context = self.0.extract(&Headers::new(headers));
        // W3C Trace Context § Processing Model: a `traceparent` that does not
        // parse is ignored and the request starts a new trace; it is the
        // caller's input, never a reason to refuse the request.
        if context.span().span_context().is_valid() {
            // Fails only without an OpenTelemetry layer, when nothing is exported anyway.
            let _ = span.set_parent(context);
        }
    }
}

/// Request headers as the propagator reads them, with `tracestate` bounded.
struct Headers<'a> {
    map: &'a HeaderMap,
    tracestate: Option<Cow<'a, str>>,
}

impl<'a> Headers<'a> {
    fn new(map: &'a HeaderMap) -> Self {
        Self { map, tracestate: sent_once(map, "tracestate").map(bounded_tracestate) }
    }
}

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "tracestate" => self.tracestate.as_deref(),
            "traceparent" => sent_once(self.map, key).filter(|value| well_formed(value)),
            _ => sent_once(self.map, key),
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.map.keys().map(actix_web::http::header::HeaderName::as_str).collect()
    }
}

/// The header's value when it is sent once, as visible ASCII; a repeated
/// header is ambiguous and read as absent rather than guessed at.
fn sent_once<'a>(map: &'a HeaderMap, key: &str) -> Option<&'a str> {
    let mut values = map.get_all(key);
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok()
}

/// The most of a `tracestate` we keep, in bytes (one byte a character: the
/// value is visible ASCII). W3C Trace Context §3.3.1.5 asks vendors to
/// propagate at least 512 characters; the SDK would keep up to 32 entries of
/// 513 bytes, about 16 KB, in every span of the request.
const MAX_TRACESTATE: usize = 512;

/// W3C Trace Context §3.3.1.5: entries longer than this go first.
const LARGE_TRACESTATE_ENTRY: usize = 128;

/// A `tracestate` of at most [`MAX_TRACESTATE`] bytes, truncated as W3C Trace
/// Context §3.3.1.5 says: whole entries only, those longer than 128
/// characters first, then from the end (the leftmost entry is the caller's
/// own, the one that matters most to its tracing system).
fn bounded_tracestate(value: &str) -> Cow<'_, str> {
    if value.len() <= MAX_TRACESTATE {
        return Cow::Borrowed(value);
    }
    let entries = value
        .split(',')
        .map(|entry| entry.trim_matches([' ', '\t']))
        .filter(|entry| !entry.is_empty() && entry.len() <= LARGE_TRACESTATE_ENTRY);
    let mut kept = String::with_capacity(MAX_TRACESTATE);
    for entry in entries {
        let separator = usize::from(!kept.is_empty());
        if kept.len() + separator + entry.len() > MAX_TRACESTATE {
            break;
        }
        if separator == 1 {
            kept.push(',');
        }
        kept.push_str(entry);
    }
    Cow::Owned(kept)
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

    /// `n` entries `kNN=` with values of `width` characters, joined by `,`.
    fn entries(n: usize, width: usize) -> Vec<String> {
        (0..n).map(|i| format!("k{i:02}={}", "v".repeat(width))).collect()
    }

    #[test]
    fn a_long_tracestate_keeps_its_first_whole_entries_within_512_bytes() {
        let small = entries(40, 20); // 24 bytes each
        let large = format!("big={}", "x".repeat(200));
        let rows: &[(&str, String, String)] = &[
            ("short, as sent", "vendor=x, other=y".into(), "vendor=x, other=y".into()),
            ("exactly 512, as sent", entries(1, 508).join(","), entries(1, 508).join(",")),
            ("first entries that fit", small.join(","), small[..20].join(",")),
            (
                "large entries go first",
                format!("{large},{},{large}", small[..3].join(" , ")) + &",".repeat(400),
                small[..3].join(","),
            ),
            ("only large entries", [large.as_str(); 4].join(","), String::new()),
        ];
        for (name, sent, kept) in rows {
            let bounded = bounded_tracestate(sent);
            assert_eq!(&bounded, kept, "case {name}");
            assert!(bounded.len() <= MAX_TRACESTATE, "case {name}");
        }
    }

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

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use oauth_http_actix::TraceContext as _;
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use tracing_subscriber::layer::SubscriberExt as _;

use super::*;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

/// The `http_request` span as the middleware makes it, after `adopt` saw
/// `headers`; the span as exported.
fn exported_request_span(headers: &[(&str, &str)]) -> SpanData {
    exported_span_at("/oauth/token", headers)
}

/// [`exported_request_span`] of a request to `path`.
fn exported_span_at(path: &str, headers: &[(&str, &str)]) -> SpanData {
    let exporter = InMemorySpanExporter::default();
    let traces = Traces::with_exporter(exporter.clone());
    let subscriber = tracing_subscriber::registry().with(traces.layer());
    tracing::subscriber::with_default(subscriber, || {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
            map.append(name, HeaderValue::from_str(value).unwrap());
        }
        let span = tracing::info_span!("http_request", request_id = "r-1", path = path);
        W3cTraceContext::default().adopt(&span, &map);
        span.in_scope(|| tracing::info!(status = 200_u16, "request finished"));
    });
    traces.force_flush();
    let mut spans = exporter.get_finished_spans().unwrap();
    assert_eq!(spans.len(), 1, "{spans:?}");
    spans.remove(0)
}

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| kv.value.to_string())
}

#[test]
fn a_valid_traceparent_becomes_the_parent_of_the_request_span() {
    let parent = format!("00-{TRACE}-{PARENT}-01");
    let span = exported_request_span(&[("traceparent", &parent), ("tracestate", "vendor=x")]);
    assert_eq!(span.span_context.trace_id(), TraceId::from_hex(TRACE).unwrap(), "the caller's trace");
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT).unwrap());
    assert!(span.parent_span_is_remote);
    assert_eq!(span.span_context.trace_state().header(), "vendor=x");
    assert_eq!(attribute(&span, "request_id").as_deref(), Some("r-1"), "our id, as an attribute");
    assert_eq!(span.events.len(), 1, "the event is a span event");
}

#[test]
fn a_long_tracestate_is_exported_as_its_first_entries_within_512_bytes() {
    let parent = format!("00-{TRACE}-{PARENT}-01");
    // 30 entries of 34 bytes: 1,049 sent, of which the first 14 fit in 512.
    let entries: Vec<String> = (0..30).map(|i| format!("k{i:02}={}", "v".repeat(30))).collect();
    let sent = entries.join(",");
    let span = exported_request_span(&[("traceparent", &parent), ("tracestate", &sent)]);
    assert_eq!(span.span_context.trace_id(), TraceId::from_hex(TRACE).unwrap(), "still the caller's trace");
    assert_eq!(span.span_context.trace_state().header(), entries[..14].join(","));
}

#[test]
fn a_long_path_is_exported_as_its_first_256_bytes() {
    let path = format!("/{}", "é".repeat(200)); // 401 bytes, a character of two
    let span = exported_span_at(&path, &[]);
    let exported = attribute(&span, "path").unwrap();
    assert_eq!(exported, path[..255], "cut before the character that crosses 256");
    assert_eq!(attribute(&span, "request_id").as_deref(), Some("r-1"), "short values as they were");
}

#[test]
fn a_caller_that_says_not_sampled_is_traced_all_the_same() {
    let parent = format!("00-{TRACE}-{PARENT}-00");
    let span = exported_request_span(&[("traceparent", &parent)]);
    assert_eq!(span.span_context.trace_id(), TraceId::from_hex(TRACE).unwrap(), "the caller's trace");
    assert_eq!(span.parent_span_id, SpanId::from_hex(PARENT).unwrap());
    assert!(span.span_context.is_sampled(), "our decision, and it is sampled");
}

#[test]
fn a_missing_or_malformed_traceparent_starts_a_new_trace() {
    let rows: &[(&str, &[(&str, &str)])] = &[
        ("absent", &[]),
        ("garbage", &[("traceparent", "not a trace context")]),
        ("unknown version ff", &[("traceparent", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]),
        ("zero trace id", &[("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")]),
        ("zero parent id", &[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")]),
        ("short trace id", &[("traceparent", "00-4bf92f3577b34da6-00f067aa0ba902b7-01")]),
        ("signed trace id", &[("traceparent", "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]),
        (
            "version 00 with more",
            &[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x")],
        ),
        ("upper case hex", &[("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01")]),
        (
            "sent twice",
            &[
                ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
                ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            ],
        ),
    ];
    for (name, headers) in rows {
        let span = exported_request_span(headers);
        assert!(span.span_context.is_valid(), "case {name}: still exported");
        assert_ne!(span.span_context.trace_id(), TraceId::from_hex(TRACE).unwrap(), "case {name}");
        assert_eq!(span.parent_span_id, SpanId::INVALID, "case {name}: a root span");
        assert_eq!(attribute(&span, "request_id").as_deref(), Some("r-1"), "case {name}");
    }
}

#[test]
fn spans_go_to_v1_traces_under_the_base_url() {
    for (endpoint, expected) in [
        ("http://127.0.0.1:4318", "http://127.0.0.1:4318/v1/traces"),
        ("http://127.0.0.1:4318/", "http://127.0.0.1:4318/v1/traces"),
        ("https://otel.example/otlp", "https://otel.example/otlp/v1/traces"),
        ("https://otel.example/otlp/", "https://otel.example/otlp/v1/traces"),
    ] {
        assert_eq!(traces_url(&Url::parse(endpoint).unwrap()), expected, "{endpoint}");
    }
}

#[test]
fn the_exporter_starts_and_stops_without_a_collector_when_nothing_was_recorded() {
    let traces = Traces::export_to(&Url::parse("http://127.0.0.1:9").unwrap()).unwrap();
    traces.shutdown();
}

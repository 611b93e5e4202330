use std::io::{ErrorKind, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::mpsc;

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

#[test]
fn the_export_timeout_is_read_as_the_sdk_reads_it() {
    type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], u64);
    let rows: &[Row] = &[
        ("unset", &[], 10_000),
        ("general", &[("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")], 2_500),
        (
            "traces first",
            &[("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"), ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "700")],
            700,
        ),
        (
            "unreadable traces",
            &[("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"), ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "7s")],
            2_500,
        ),
    ];
    for (name, set, millis) in rows {
        let var = |name: &str| set.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_owned());
        assert_eq!(export_timeout(var), Duration::from_millis(*millis), "case {name}");
    }
}

/// A collector on 127.0.0.1 that answers one request with `answer`; its
/// base URL, and the request's head and body as text once it came.
fn answering_once(answer: String) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut chunk = [0_u8; 4096];
        // The head, then as many body bytes as it announced: answering
        // before the body is read would reset the connection.
        let body_start = loop {
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0, "the connection ended before the request did");
            request.extend_from_slice(&chunk[..n]);
            if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
        };
        let head = String::from_utf8_lossy(&request[..body_start]).to_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .map_or(0, |value| value.trim().parse().unwrap());
        while request.len() < body_start + length {
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0, "the connection ended before the body did");
            request.extend_from_slice(&chunk[..n]);
        }
        stream.write_all(answer.as_bytes()).unwrap();
        sender.send(String::from_utf8_lossy(&request).into_owned()).unwrap();
    });
    (base, received)
}

#[test]
fn the_exporter_follows_no_redirect() {
    // Where the redirect points: a listener nobody accepts on, so that a
    // connection made to it is still waiting in its queue afterwards.
    let elsewhere = TcpListener::bind("127.0.0.1:0").unwrap();
    let location = format!("http://{}/v1/traces", elsewhere.local_addr().unwrap());
    let (base, received) = answering_once(format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    ));
    let traces = Traces::export_to(&Url::parse(&base).unwrap()).unwrap();
    let subscriber = tracing_subscriber::registry().with(traces.layer());
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("http_request", request_id = "r-redirected").in_scope(|| {});
    });
    traces.force_flush();
    let request = received.recv_timeout(Duration::from_secs(30)).expect("the collector was asked");
    assert!(request.starts_with("POST /v1/traces "), "{request}");
    assert!(request.contains("r-redirected"), "the span was in the request");

    elsewhere.set_nonblocking(true).unwrap();
    let followed = elsewhere.accept();
    assert!(
        matches!(&followed, Err(error) if error.kind() == ErrorKind::WouldBlock),
        "the redirect was followed: {followed:?}"
    );
    traces.shutdown();
}

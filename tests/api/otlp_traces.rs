//! OpenTelemetry traces: the request span carries the request id and
//! continues the caller's W3C trace when traces are on (ignoring a malformed
//! `traceparent`, and the caller's sampled flag), and the binary sends its
//! spans over OTLP/HTTP to `otlp_endpoint`. No exported span carries a
//! secret: `otlp_traces_secrets`.

use oauth_store_diesel::testing::TestDatabase;

use crate::support::app::spawn_app_with;
use crate::support::binary::Binary;
use crate::support::collector::Collector;
use crate::support::traces::{attribute, exported_spans, install, traced};

/// A fresh trace id and parent span id, as lowercase hex.
fn fresh_ids() -> (String, String) {
    let trace = uuid::Uuid::new_v4().simple().to_string();
    let parent = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
    (trace, parent)
}

/// What becomes of the request span.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// Exported as a child of the caller's span, in the caller's trace.
    Continues,
    /// Exported as the root of a new trace.
    Root,
}

#[tokio::test]
async fn the_request_span_carries_the_request_id_and_continues_the_callers_trace() {
    type Row = (&'static str, bool, fn(&str, &str) -> String, Outcome);
    install();
    let rows: &[Row] = &[
        ("valid, traces on", true, |t, p| format!("00-{t}-{p}-01"), Outcome::Continues),
        // Sampling is ours: the caller's flag neither declines nor asks.
        ("valid, not sampled", true, |t, p| format!("00-{t}-{p}-00"), Outcome::Continues),
        ("malformed", true, |t, p| format!("00-{t}x-{p}-01"), Outcome::Root),
        ("not hex", true, |_, p| format!("00-{}-{p}-01", "z".repeat(32)), Outcome::Root),
        ("valid, traces off", false, |t, p| format!("00-{t}-{p}-01"), Outcome::Root),
    ];
    for (name, on, traceparent, outcome) in rows {
        let app = spawn_app_with(TestDatabase::sqlite(), |raw| {
            if *on {
                traced(raw);
            }
        })
        .await;
        let (trace, parent) = fresh_ids();
        let response = app
            .http
            .get(format!("{}/healthz", app.address))
            .header("traceparent", traceparent(&trace, &parent))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "case {name}: a trace header never refuses a request");
        let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();

        let spans = exported_spans();
        let span = spans
            .iter()
            .find(|span| attribute(span, "request_id").as_deref() == Some(request_id.as_str()))
            .unwrap_or_else(|| panic!("case {name}: no span carries request id {request_id}"));
        assert_eq!(span.name, "http_request", "case {name}");
        assert_eq!(attribute(span, "path").as_deref(), Some("/healthz"), "case {name}");
        let seen = if span.span_context.trace_id().to_string() == trace {
            assert_eq!(
                span.parent_span_id.to_string(),
                parent,
                "case {name}: the caller's span is the parent"
            );
            Outcome::Continues
        } else {
            assert_eq!(span.parent_span_id, opentelemetry::trace::SpanId::INVALID, "case {name}: a root");
            Outcome::Root
        };
        assert_eq!(seen, *outcome, "case {name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_sends_its_spans_to_the_otlp_endpoint_before_it_exits() {
    let collector = Collector::start();
    let binary = Binary::new();
    let server = binary.serve(&[("AUTH_BIND", "127.0.0.1:0"), ("AUTH_OTLP_ENDPOINT", &collector.base)]);
    let http = reqwest::Client::new();
    let response = http
        .get(format!("http://{}/healthz", server.address))
        .header("connection", "close")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    drop(http);
    // The exporter flushes at exit: no waiting on its schedule.
    let (status, log) = tokio::task::spawn_blocking(move || server.terminate()).await.unwrap();
    assert!(status.success(), "{log}");

    let received = collector.received();
    assert!(!received.is_empty(), "nothing reached the collector; log:\n{log}");
    let body: Vec<u8> = received.iter().flat_map(|r| r.body.clone()).collect();
    for request in &received {
        assert_eq!(
            (request.path.as_str(), request.content_type.as_str()),
            ("/v1/traces", "application/x-protobuf")
        );
    }
    // Protobuf keeps strings as their UTF-8 bytes.
    let contains = |text: &str| body.windows(text.len()).any(|w| w == text.as_bytes());
    assert!(contains(&request_id), "the request span and its id were exported");
    assert!(contains("manumu-auth"), "service.name");
}

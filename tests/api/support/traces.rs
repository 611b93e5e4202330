//! Spans as the trace exporter sends them: the SDK's in-memory exporter
//! behind the process's global subscriber (the request spans are made on the
//! server's worker threads, which a scoped subscriber would not reach).
//! Installed by the first test that asks and shared by every app in this
//! process; a test finds its own spans by request id or trace id.

use std::sync::OnceLock;

use auth_server::telemetry::traces::Traces;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SpanData};
use tracing_subscriber::layer::SubscriberExt as _;

struct Exported {
    traces: Traces,
    exporter: InMemorySpanExporter,
}

static EXPORTED: OnceLock<Exported> = OnceLock::new();

/// Installs the exporting subscriber, once per process.
pub fn install() {
    exported();
}

fn exported() -> &'static Exported {
    EXPORTED.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let traces = Traces::with_exporter(exporter.clone());
        let subscriber = tracing_subscriber::registry().with(traces.layer());
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in this process");
        Exported { traces, exporter }
    })
}

/// Every span ended so far, flushed through the batch processor.
pub fn exported_spans() -> Vec<SpanData> {
    let exported = exported();
    exported.traces.force_flush();
    exported.exporter.get_finished_spans().expect("the in-memory exporter answers")
}

/// The value of `span`'s attribute `key`, as text.
pub fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| kv.value.to_string())
}

/// Fails when any of `spans` carries one of `secrets` (what it is, its
/// value) anywhere it is exported: name, attributes, events and their
/// attributes, status, trace state, links.
pub fn assert_no_span_carries(spans: &[SpanData], secrets: &[(&str, String)]) {
    for (what, secret) in secrets {
        assert!(!secret.is_empty(), "the {what} is empty: the check would prove nothing");
    }
    for span in spans {
        let exported = format!("{span:?}");
        for (what, secret) in secrets {
            assert!(!exported.contains(secret.as_str()), "the {what} is in an exported span: {exported}");
        }
    }
}

/// Settings with traces on: the app then honours `traceparent`. Nothing is
/// sent there: the exporter is the test's, installed by [`install`].
pub fn traced(raw: &mut auth_server::config::RawSettings) {
    raw.logging.otlp_endpoint = "http://127.0.0.1:9".into();
}

//! OpenTelemetry traces: the `tracing` spans, exported over OTLP/HTTP
//! (protobuf) to the collector at `otlp_endpoint`, and the W3C Trace Context
//! a caller sends adopted as the request span's parent. Nothing here exists
//! unless `otlp_endpoint` is set. Spans carry what their fields carry, which
//! is never a secret (docs/SECURITY.md § Traces).

use actix_web::http::header::HeaderMap;
use opentelemetry::propagation::{Extractor, TextMapPropagator as _};
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use tracing::Subscriber;
use tracing::level_filters::LevelFilter;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::registry::LookupSpan;
use url::Url;

use crate::exit::CommandError;

/// The `service.name` resource attribute of every exported span.
pub const SERVICE_NAME: &str = "manumu-auth";

/// The span pipeline: a tracer provider whose batch processor hands spans
/// to an exporter on its own thread.
#[derive(Debug)]
pub struct Traces {
    provider: SdkTracerProvider,
}

impl Traces {
    /// Exports to the collector at `endpoint` (a base URL, as
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` is written: `/v1/traces` is appended).
    /// Sampling, batching and exporter headers follow the SDK's `OTEL_*`
    /// variables (`OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_HEADERS`).
    pub fn export_to(endpoint: &Url) -> Result<Self, CommandError> {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(traces_url(endpoint))
            .build()
            .map_err(|e| CommandError::Runtime(format!("cannot start the OTLP trace exporter: {e}")))?;
        Ok(Self::with_exporter(exporter))
    }

    /// The same pipeline with another exporter: tests pass the SDK's in-memory one.
    pub fn with_exporter(exporter: impl SpanExporter + 'static) -> Self {
        let resource = Resource::builder().with_service_name(SERVICE_NAME).build();
        let provider =
            SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
        Self { provider }
    }

    /// The layer that turns `tracing` spans into OpenTelemetry spans, with
    /// their fields as attributes and their events as span events.
    pub fn layer<S>(&self) -> impl Layer<S> + use<S>
    where
        S: Subscriber + for<'span> LookupSpan<'span>,
    {
        tracing_opentelemetry::layer()
            .with_tracer(self.provider.tracer(SERVICE_NAME))
            .with_filter(exporter_machinery_off())
    }

    /// Exports every span ended so far; blocks until the exporter answered.
    pub fn force_flush(&self) {
        if let Err(error) = self.provider.force_flush() {
            tracing::warn!(%error, "traces: flush failed");
        }
    }

    /// Exports the spans still queued and stops the exporter's thread. Blocks:
    /// call it off the async workers.
    pub fn shutdown(self) {
        if let Err(error) = self.provider.shutdown() {
            tracing::warn!(%error, "traces: shutdown failed");
        }
    }
}

/// Where OTLP/HTTP takes spans under a base URL (OTLP specification,
/// § OTLP/HTTP Request: the default path is `/v1/traces`).
fn traces_url(endpoint: &Url) -> String {
    format!("{}/v1/traces", endpoint.as_str().trim_end_matches('/'))
}

/// The exporter's own spans (its HTTP client's) are not exported: each
/// export would otherwise make spans for the next, without end.
fn exporter_machinery_off() -> Targets {
    ["opentelemetry", "reqwest", "hyper", "h2", "tower", "native_tls"]
        .into_iter()
        .fold(Targets::new().with_default(LevelFilter::TRACE), |targets, target| {
            targets.with_target(target, LevelFilter::OFF)
        })
}

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
    use actix_web::http::header::{HeaderName, HeaderValue};
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
        let exporter = InMemorySpanExporter::default();
        let traces = Traces::with_exporter(exporter.clone());
        let subscriber = tracing_subscriber::registry().with(traces.layer());
        tracing::subscriber::with_default(subscriber, || {
            let mut map = HeaderMap::new();
            for (name, value) in headers {
                let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
                map.append(name, HeaderValue::from_str(value).unwrap());
            }
            let span = tracing::info_span!("http_request", request_id = "r-1", path = "/oauth/token");
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
    fn a_missing_or_malformed_traceparent_starts_a_new_trace() {
        let rows: &[(&str, &[(&str, &str)])] = &[
            ("absent", &[]),
            ("garbage", &[("traceparent", "not a trace context")]),
            (
                "unknown version ff",
                &[("traceparent", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")],
            ),
            ("zero trace id", &[("traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01")]),
            ("zero parent id", &[("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")]),
            ("short trace id", &[("traceparent", "00-4bf92f3577b34da6-00f067aa0ba902b7-01")]),
            (
                "signed trace id",
                &[("traceparent", "00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")],
            ),
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
}

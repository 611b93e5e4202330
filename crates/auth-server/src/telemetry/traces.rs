//! OpenTelemetry traces: the `tracing` spans, exported over OTLP/HTTP
//! (protobuf) to the collector at `otlp_endpoint`, and the W3C Trace Context
//! a caller sends adopted as the request span's parent. Nothing here exists
//! unless `otlp_endpoint` is set. Spans carry what their fields carry, which
//! is never a secret (docs/SECURITY.md § Traces).

mod bounds;
mod sampler;
#[cfg(test)]
mod tests;
mod w3c;

use std::sync::Arc;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{
    OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_EXPORTER_OTLP_TIMEOUT_DEFAULT, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
    Protocol, WithExportConfig as _, WithHttpConfig as _,
};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, Config, RandomIdGenerator, SdkTracerProvider, SpanExporter,
};
use tracing::Subscriber;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::registry::LookupSpan;
use url::Url;

use crate::exit::CommandError;
use bounds::Bounded;
use sampler::OwnDecision;
pub use w3c::W3cTraceContext;

/// The `service.name` resource attribute of every exported span.
pub const SERVICE_NAME: &str = "manumu-auth";

/// The span pipeline: a tracer provider whose batch processor hands spans,
/// their string attributes bounded, to an exporter on its own thread.
#[derive(Debug)]
pub struct Traces {
    provider: SdkTracerProvider,
}

impl Traces {
    /// Exports to the collector at `endpoint` (a base URL, as
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` is written: `/v1/traces` is appended).
    /// Sampling, batching and exporter headers follow the SDK's `OTEL_*`
    /// variables (`OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`, `OTEL_EXPORTER_OTLP_HEADERS`),
    /// except that a caller's sampled flag is not read (`sampler.rs`).
    pub fn export_to(endpoint: &Url) -> Result<Self, CommandError> {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(http_client(export_timeout(|name| std::env::var(name).ok()))?)
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(traces_url(endpoint))
            .build()
            .map_err(|e| exporter_failed(&e))?;
        Ok(Self::with_exporter(exporter))
    }

    /// The same pipeline with another exporter: tests pass the SDK's in-memory one.
    pub fn with_exporter(exporter: impl SpanExporter + 'static) -> Self {
        let resource = Resource::builder().with_service_name(SERVICE_NAME).build();
        // Bounded before the batch processor's queue: what waits there is bounded too.
        let batch = Bounded(BatchSpanProcessor::builder(exporter).build());
        // The SDK's default configuration is where `OTEL_TRACES_SAMPLER` is read.
        let sampler = OwnDecision::new(Config::default().sampler, Arc::new(RandomIdGenerator::default()));
        let provider = SdkTracerProvider::builder()
            .with_span_processor(batch)
            .with_sampler(sampler)
            .with_resource(resource)
            .build();
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

/// The exporter's HTTP client: reqwest's blocking client, as the SDK would
/// build it, except that it follows no redirect.
fn http_client(timeout: Duration) -> Result<reqwest::blocking::Client, CommandError> {
    // The blocking client starts a runtime of its own, which cannot be done
    // on an async worker: it is built on a thread of its own, as the SDK does.
    let built = std::thread::Builder::new()
        .name("otlp-http-client".into())
        .spawn(move || {
            reqwest::blocking::Client::builder()
                // SECURITY: the collector's token (OTEL_EXPORTER_OTLP_HEADERS)
                // is a header of every request; reqwest keeps custom headers
                // across a redirect to another host, so a redirect would send
                // the token wherever the answer points, over http too.
                .redirect(reqwest::redirect::Policy::none())
                .timeout(timeout)
                .build()
        })
        .map_err(|e| exporter_failed(&e))?
        .join()
        .map_err(|_| exporter_failed(&"its HTTP client could not be built"))?;
    built.map_err(|e| exporter_failed(&e))
}

/// How long one export may take: what the SDK reads when it builds its own
/// client (the signal's variable, then the general one, in milliseconds).
fn export_timeout(var: impl Fn(&str) -> Option<String>) -> Duration {
    [OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, OTEL_EXPORTER_OTLP_TIMEOUT]
        .into_iter()
        .find_map(|name| var(name)?.parse().ok())
        .map_or(OTEL_EXPORTER_OTLP_TIMEOUT_DEFAULT, Duration::from_millis)
}

fn exporter_failed(error: &dyn std::fmt::Display) -> CommandError {
    CommandError::Runtime(format!("cannot start the OTLP trace exporter: {error}"))
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

//! The tracing subscriber, set once for the process. Logs go to stderr, one
//! event per line (JSON or pretty), so that stdout carries only command
//! output; no event carries a secret. Metrics live in `metrics`. With
//! `otlp_endpoint` set, the same spans are also exported as OpenTelemetry
//! traces (`traces`).

#[cfg(test)]
mod captured;
mod json_line;
pub mod metrics;
mod pretty;
pub mod traces;

use std::io::IsTerminal;

use tracing::Subscriber;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, LoggingConfig};
use crate::exit::CommandError;
use json_line::{JsonLine, JsonMembers};
use pretty::PrettyFields;
use traces::Traces;

/// What [`init`] started that must be stopped before the process exits: the
/// trace exporter, when `otlp_endpoint` is set.
#[derive(Debug, Default)]
#[must_use = "call `shutdown` before exiting, or the spans still queued are lost"]
pub struct Telemetry {
    traces: Option<Traces>,
}

impl Telemetry {
    /// Exports the spans still queued and stops the exporter; nothing to do
    /// without `otlp_endpoint`.
    pub async fn shutdown(self) {
        if let Some(traces) = self.traces {
            // It joins the exporter's thread and may wait on the collector:
            // not on an async worker.
            let _ = tokio::task::spawn_blocking(move || traces.shutdown()).await;
        }
    }
}

/// Installs the subscriber: the log lines, and the trace exporter only when
/// `otlp_endpoint` is set (without it, no exporter, thread or connection
/// exists). A second call (tests) installs nothing and starts nothing.
pub fn init(logging: &LoggingConfig) -> Result<Telemetry, CommandError> {
    let filter = EnvFilter::try_new(&logging.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let traces = traces(logging)?;
    let installed = tracing_subscriber::registry()
        .with(filter)
        .with(log_lines(logging.format))
        .with(traces.as_ref().map(Traces::layer))
        .try_init()
        .is_ok();
    Ok(Telemetry { traces: traces.filter(|_| installed) })
}

/// The trace pipeline `otlp_endpoint` asks for, if any.
fn traces(logging: &LoggingConfig) -> Result<Option<Traces>, CommandError> {
    logging.otlp_endpoint.as_ref().map(Traces::export_to).transpose()
}

/// The log line layer, as `tracing_subscriber::fmt()` was configured before
/// traces existed, so that the lines are unchanged.
fn log_lines<S>(format: LogFormat) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let layer = tracing_subscriber::fmt::layer()
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // Every enclosing span (the request id among them) is printed in the
    // line; in both formats every field value is escaped, so that request
    // input cannot forge a line or reach the terminal as a control sequence.
    match format {
        // json_line says why it is not tracing-subscriber's own JSON format.
        LogFormat::Json => layer.fmt_fields(JsonMembers).event_format(JsonLine).boxed(),
        LogFormat::Pretty => layer.fmt_fields(PrettyFields).boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_otlp_endpoint_no_trace_pipeline_is_built() {
        let logging = LoggingConfig { format: LogFormat::Json, level: "info".into(), otlp_endpoint: None };
        assert!(traces(&logging).unwrap().is_none());
    }
}

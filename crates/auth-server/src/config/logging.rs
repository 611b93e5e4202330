//! How log lines are written and which are kept, and where spans are
//! exported as OpenTelemetry traces (off unless `otlp_endpoint` is set).

use serde::Deserialize;
use tracing_subscriber::EnvFilter;
use url::Url;

use super::ConfigError;
use super::server::is_loopback;

/// Keys of the logging section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LoggingSettings {
    pub log_format: LogFormat,
    pub log_level: String,
    /// The OTLP/HTTP base URL of a collector, as `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// is written (spans go to `<url>/v1/traces`); `https` unless on a
    /// loopback host; empty: no traces.
    pub otlp_endpoint: String,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for a log pipeline.
    Json,
}

/// The validated logging section.
#[derive(Debug, Clone)]
pub struct LoggingConfig {
    pub format: LogFormat,
    /// A level or `tracing` directives, already checked to parse.
    pub level: String,
    /// Where traces are exported; `None`: nowhere, and no exporter exists.
    pub otlp_endpoint: Option<Url>,
}

impl LoggingSettings {
    pub fn validate(&self) -> Result<LoggingConfig, ConfigError> {
        EnvFilter::try_new(&self.log_level).map_err(|e| {
            ConfigError::new(
                "log_level",
                format!("{e}; expected a level (error, warn, info, debug, trace) or directives"),
            )
        })?;
        let otlp_endpoint = match self.otlp_endpoint.as_str() {
            "" => None,
            text => Some(otlp_endpoint(text)?),
        };
        Ok(LoggingConfig { format: self.log_format, level: self.log_level.clone(), otlp_endpoint })
    }
}

/// An `https` base URL with a host, to which `/v1/traces` is appended;
/// plain `http` only on a loopback host (a collector beside the server).
fn otlp_endpoint(text: &str) -> Result<Url, ConfigError> {
    let refuse = |reason: &str| ConfigError::new("otlp_endpoint", reason);
    let url = Url::parse(text).map_err(|e| refuse(&format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(refuse("must be an https URL, such as https://otel.example.com:4318"));
    }
    // SECURITY: every batch carries OTEL_EXPORTER_OTLP_HEADERS, where a
    // collector's token goes; over plain http any hop could read it.
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(refuse(
            "must use https; plain http is allowed only on a loopback host, such as http://127.0.0.1:4318",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("must not have a query or fragment: /v1/traces is appended to it"));
    }
    // A URL ends up in logs and process listings; a collector's credentials
    // belong in OTEL_EXPORTER_OTLP_HEADERS, which the exporter reads.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("must not carry credentials; set OTEL_EXPORTER_OTLP_HEADERS instead"));
    }
    Ok(url)
}

//! The tracing subscriber, set once for the process. Logs go to stderr, one
//! event per line (JSON or pretty), so that stdout carries only command
//! output; no event carries a secret.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the subscriber. A second call (tests) is a no-op.
pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _already_set = match format {
        // The span list carries every enclosing span (the request id among
        // them), the current one last: printing that one again as `span`
        // doubled the formatting work of every line (measured with wrk).
        LogFormat::Json => {
            builder.json().flatten_event(true).with_current_span(false).with_span_list(true).try_init()
        }
        LogFormat::Pretty => builder.try_init(),
    };
}

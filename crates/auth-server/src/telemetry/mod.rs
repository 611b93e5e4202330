//! The tracing subscriber, set once for the process. Logs go to stderr, one
//! event per line (JSON or pretty), so that stdout carries only command
//! output; no event carries a secret. Metrics live in `metrics`.

#[cfg(test)]
mod captured;
mod json_line;
pub mod metrics;
mod pretty;

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use json_line::{JsonLine, JsonMembers};
use pretty::PrettyFields;

/// Installs the subscriber. A second call (tests) is a no-op.
pub fn init(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    // Every enclosing span (the request id among them) is printed in the
    // line; in both formats every field value is escaped, so that request
    // input cannot forge a line or reach the terminal as a control sequence.
    let _already_set = match format {
        // json_line says why it is not tracing-subscriber's own JSON format.
        LogFormat::Json => builder.fmt_fields(JsonMembers).event_format(JsonLine).try_init(),
        LogFormat::Pretty => builder.fmt_fields(PrettyFields).try_init(),
    };
}

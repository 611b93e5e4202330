//! The tracing subscriber, set once for the process. Logs go to stderr, one
//! event per line (JSON or pretty), so that stdout carries only command
//! output; no event carries a secret.
//!
//! Lines are formatted on the thread that logs them and written to stderr by
//! a background thread, in batches: request threads never contend for the
//! stderr lock or wait for the write. Never lossy: when `QUEUED_LINES` wait,
//! loggers wait too, rather than drop security events.

use std::io::{BufWriter, IsTerminal};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Lines queued for the writer thread before loggers wait (the crate's default).
const QUEUED_LINES: usize = 128_000;

/// Installs the subscriber and returns the guard of its writer thread: hold
/// it until the process ends, since dropping it writes out what is queued.
/// A second call (tests) installs nothing and returns `None`.
pub fn init(format: LogFormat, level: &str) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    // The writer thread flushes the buffer whenever its queue runs empty.
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("log-writer")
        .finish(BufWriter::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal());
    // The span list carries every enclosing span (the request id among
    // them), the last being the current one: printing that one again as
    // `span` would only double the work.
    let installed = match format {
        LogFormat::Json => {
            builder.json().flatten_event(true).with_current_span(false).with_span_list(true).try_init()
        }
        LogFormat::Pretty => builder.try_init(),
    };
    installed.is_ok().then_some(guard)
}

//! `auth-server migrate`

use std::io::Write;

use crate::app::open_store;
use crate::config::Config;
use crate::exit::CommandError;

/// Applies pending migrations and says which.
pub async fn run(config: &Config) -> Result<(), CommandError> {
    let (_store, report) = open_store(config).await?;
    let mut out = std::io::stdout().lock();
    let written = if report.applied.is_empty() {
        writeln!(out, "database is up to date; nothing applied")
    } else {
        writeln!(out, "applied {} migration(s): {}", report.applied.len(), report.applied.join(", "))
    };
    written.map_err(|e| CommandError::Runtime(format!("cannot write to stdout: {e}")))
}

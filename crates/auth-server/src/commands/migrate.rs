//! `auth-server migrate`

use crate::app::open_store;
use crate::config::Config;
use crate::exit::{CommandError, say};

/// Applies pending migrations and says which.
pub async fn run(config: &Config) -> Result<(), CommandError> {
    let (_store, report) = open_store(config).await?;
    if report.applied.is_empty() {
        say("database is up to date; nothing applied")
    } else {
        say(&format!("applied {} migration(s): {}", report.applied.len(), report.applied.join(", ")))
    }
}

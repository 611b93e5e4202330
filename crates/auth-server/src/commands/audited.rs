//! The security events a command causes (a client created, a password set,
//! a key rotated), written to the event table before the command exits.

use std::sync::{Arc, OnceLock};

use oauth_core::service::audit::Audit;
use oauth_store_diesel::DieselStore;

use crate::clock::SystemClock;
use crate::security_events::SecurityEventLog;

/// How long a command waits for its events to be stored.
const FLUSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(40);

/// Runs `work` with a fresh sink, then waits until its events are stored.
pub async fn recording<T>(work: impl AsyncFnOnce(&CommandEvents) -> T) -> T {
    let events = CommandEvents::default();
    let outcome = work(&events).await;
    events.flush().await;
    outcome
}

/// One command's event sink, started with the store the command opens.
#[derive(Debug, Default)]
pub struct CommandEvents(OnceLock<SecurityEventLog>);

impl CommandEvents {
    /// Where the command's services record events, into `store`.
    pub fn audit(&self, store: &DieselStore) -> Audit {
        let log = self.0.get_or_init(|| SecurityEventLog::start(Arc::new(store.clone())));
        Audit::new(Arc::new(log.clone()), Arc::new(SystemClock))
    }

    /// Waits until every event recorded so far is in the table, for at
    /// most [`FLUSH_TIMEOUT`]: the command's work is done either way.
    pub async fn flush(&self) {
        if let Some(log) = self.0.get()
            && tokio::time::timeout(FLUSH_TIMEOUT, log.flush()).await.is_err()
        {
            tracing::warn!(
                event = "security_events_not_stored",
                "the command's security events are not all stored"
            );
        }
    }
}

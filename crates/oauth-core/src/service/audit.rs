//! The services' handle on the security event sink: dates each event by
//! the injected clock and hands it on.

use std::sync::Arc;

use crate::ports::{Clock, DiscardEvents, SecurityEventSink};
use crate::security_event::{EventKind, SecurityEvent};

/// Records security events (docs/SECURITY.md § Security events).
#[derive(Clone)]
pub struct Audit {
    sink: Arc<dyn SecurityEventSink>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audit").finish_non_exhaustive()
    }
}

impl Audit {
    /// Events go to `sink`, dated by `clock`.
    pub fn new(sink: Arc<dyn SecurityEventSink>, clock: Arc<dyn Clock>) -> Self {
        Self { sink, clock }
    }

    /// Records nothing (embedders and tests that check something else).
    pub fn discarding(clock: Arc<dyn Clock>) -> Self {
        Self::new(Arc::new(DiscardEvents), clock)
    }

    /// An event of `kind`, now.
    pub fn event(&self, kind: EventKind) -> SecurityEvent {
        SecurityEvent::new(kind, self.clock.now())
    }

    /// Now, by the injected clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Hands `event` to the sink.
    pub fn record(&self, event: SecurityEvent) {
        self.sink.record(event);
    }
}

//! Where security events go: a sink the services hand them to, and the
//! table the stored kinds are kept in.

use time::OffsetDateTime;

use crate::error::RepoError;
use crate::security_event::{EventFilter, SecurityEvent};

/// Takes security events from the services.
///
/// Contract: `record` returns at once and never fails the caller's request:
/// an event is evidence of what happened, and what happened stands whether
/// or not it could be written down. An adapter that cannot keep an event
/// says so in its own log.
pub trait SecurityEventSink: Send + Sync {
    /// Records `event`.
    fn record(&self, event: SecurityEvent);
}

/// A sink that drops every event: for embedders that want none, and for
/// tests that check something else.
#[derive(Debug, Clone, Copy, Default)]
pub struct DiscardEvents;

impl SecurityEventSink for DiscardEvents {
    fn record(&self, _event: SecurityEvent) {}
}

/// The event table.
///
/// Contract (checked for every adapter by `testing::contract::security_events`):
/// - `append` keeps every event of the slice with all its fields, or none;
/// - `list` returns at most `limit` events matching the filter, oldest
///   first, and of events at one instant the one appended first first;
/// - `purge_before` deletes at most `limit` events that occurred before
///   `before`, and returns how many it deleted.
#[async_trait::async_trait]
pub trait SecurityEventRepository: Send + Sync {
    /// Appends `events`, in order.
    async fn append(&self, events: &[SecurityEvent]) -> Result<(), RepoError>;
    /// The newest `limit` events that match `filter`, oldest first.
    async fn list(&self, filter: &EventFilter, limit: u32) -> Result<Vec<SecurityEvent>, RepoError>;
    /// Deletes up to `limit` events older than `before`.
    async fn purge_before(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError>;
}

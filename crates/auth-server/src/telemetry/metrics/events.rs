//! The counters fed by security events (docs/OPERATIONS.md § Metrics), and
//! the events the event log had to drop.

use std::sync::{Arc, OnceLock};

use oauth_core::security_event::{EventKind, RevocationReason, SecurityEvent};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;

use super::{LoginOutcome, Metrics};
use crate::security_events::SecurityEventLog;

impl Metrics {
    /// Counts `event` where a metric follows its kind; the others are the
    /// event log's alone.
    pub fn security_event(&self, event: &SecurityEvent) {
        match event.kind {
            EventKind::TokensIssued => {
                let grant = event.details.grant.as_deref().unwrap_or_default();
                self.tokens_issued(grant, event.details.client_type.as_deref() == Some("public"));
            }
            EventKind::RefreshFamilyRevoked if event.details.reason == Some(RevocationReason::Reuse) => {
                self.refresh_reuse_detected();
            }
            EventKind::LoginSucceeded => self.login(LoginOutcome::Succeeded),
            EventKind::LoginFailed => self.login(LoginOutcome::Failed),
            EventKind::LoginLocked => self.login(LoginOutcome::Locked),
            EventKind::ClientAuthenticationFailed => self.client_authentication_failed(),
            _ => {}
        }
    }

    /// Counts every event `log` records, and reports the ones it dropped.
    pub fn count_events_of(&self, log: &SecurityEventLog) {
        let counted = self.clone();
        log.observe(Arc::new(move |event| counted.security_event(event)));
        if self.0.dropped_events.0.set(log.clone()).is_err() {
            tracing::debug!("metrics already count an event log");
        }
    }
}

/// `security_events_dropped_total`, read from the event log at each scrape.
#[derive(Debug, Clone, Default)]
pub(super) struct DroppedEvents(pub Arc<OnceLock<SecurityEventLog>>);

impl Collector for DroppedEvents {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(log) = self.0.get() else { return Ok(()) };
        let counter = ConstCounter::new(log.dropped());
        let metric = encoder.encode_descriptor(
            "security_events_dropped",
            "Security events logged but not stored: the queue to the event table was full",
            None,
            counter.metric_type(),
        )?;
        counter.encode(metric)
    }
}

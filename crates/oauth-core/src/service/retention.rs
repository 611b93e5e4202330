//! Retention: what expires and when its rows may go. The janitor in
//! `auth-server` calls this service; every purge is bounded per batch and
//! spares what a live flow or a replay check still needs.

use std::sync::Arc;

use crate::client_registration::UNUSED_ANONYMOUS_CLIENT_MEMORY;
use crate::error::RepoError;
use crate::ports::{
    ClientRegistrationRepository, ClientRepository, Clock, CodeRepository, DeviceAuthorizationRepository,
    LoginAttemptRepository, OneTimeIdRepository, PushedRequestRepository, RefreshTokenRepository,
    RevokedTokenRepository, SecurityEventRepository, SessionRepository,
};
use crate::service::drain;
use crate::throttle::ThrottlePolicy;

/// How long after its expiry a code is kept to recognise replays.
pub const CODE_REPLAY_MEMORY: time::Duration = time::Duration::days(1);

/// How long a revoked `jti` is kept past its token's `exp`: the clock
/// difference between instances we tolerate.
pub const REVOCATION_MARGIN: time::Duration = time::Duration::minutes(5);

/// How long a metadata-document client nobody approved is kept: far longer
/// than a sign-in takes, short enough that rows brought in by callers who
/// never sign in (each within its address's quota) do not pile up.
pub const UNAPPROVED_CLIENT_MEMORY: time::Duration = time::Duration::days(1);

/// The repositories whose expired rows the retention service deletes.
#[derive(Clone)]
pub struct RetentionPorts {
    /// Browser sessions and their pending authorizations.
    pub sessions: Arc<dyn SessionRepository>,
    /// Authorization codes, kept [`CODE_REPLAY_MEMORY`] past expiry.
    pub codes: Arc<dyn CodeRepository>,
    /// Failure counters of the brute-force guard.
    pub attempts: Arc<dyn LoginAttemptRepository>,
    /// Refresh families past their absolute expiry.
    pub refresh: Arc<dyn RefreshTokenRepository>,
    /// Revoked access-token ids, kept [`REVOCATION_MARGIN`] past their `exp`.
    pub revoked: Arc<dyn RevokedTokenRepository>,
    /// Metadata-document clients nobody approved, kept [`UNAPPROVED_CLIENT_MEMORY`].
    pub clients: Arc<dyn ClientRepository>,
    /// Pushed authorization requests past their expiry.
    pub pushed: Arc<dyn PushedRequestRepository>,
    /// Used DPoP proof ids, once their proofs could no longer be accepted.
    pub one_time_ids: Arc<dyn OneTimeIdRepository>,
    /// Device authorizations (RFC 8628) past their expiry.
    pub devices: Arc<dyn DeviceAuthorizationRepository>,
}

impl RetentionPorts {
    /// Every repository from one store (the usual case: one database).
    pub fn over<S>(store: &Arc<S>) -> Self
    where
        S: SessionRepository
            + CodeRepository
            + LoginAttemptRepository
            + RefreshTokenRepository
            + RevokedTokenRepository
            + ClientRepository
            + PushedRequestRepository
            + OneTimeIdRepository
            + DeviceAuthorizationRepository
            + 'static,
    {
        Self {
            sessions: store.clone(),
            codes: store.clone(),
            attempts: store.clone(),
            refresh: store.clone(),
            revoked: store.clone(),
            clients: store.clone(),
            pushed: store.clone(),
            one_time_ids: store.clone(),
            devices: store.clone(),
        }
    }
}

impl std::fmt::Debug for RetentionPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetentionPorts").finish_non_exhaustive()
    }
}

/// Deletes expired rows, in bounded batches until none is left.
pub struct RetentionService {
    ports: RetentionPorts,
    clock: Arc<dyn Clock>,
    idle_clients: Option<IdleClients>,
    old_events: Option<OldEvents>,
}

/// Security events older than the retention period are deleted.
#[derive(Clone)]
struct OldEvents {
    table: Arc<dyn SecurityEventRepository>,
    kept_for: time::Duration,
}

/// Dynamic clients unused this long are deleted (RFC 7591 §5: a server
/// MAY expire registrations).
#[derive(Clone)]
struct IdleClients {
    registrations: Arc<dyn ClientRegistrationRepository>,
    after: time::Duration,
}

impl std::fmt::Debug for RetentionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetentionService").finish_non_exhaustive()
    }
}

impl RetentionService {
    /// A service over `ports`, with the clock that says what has expired.
    pub fn new(ports: RetentionPorts, clock: Arc<dyn Clock>) -> Self {
        Self { ports, clock, idle_clients: None, old_events: None }
    }

    /// Also deletes security events that occurred more than `kept_for` ago.
    #[must_use]
    pub fn deleting_events_older_than(
        mut self,
        table: Arc<dyn SecurityEventRepository>,
        kept_for: time::Duration,
    ) -> Self {
        self.old_events = Some(OldEvents { table, kept_for });
        self
    }

    /// Deletes the security events past their retention, in batches of at
    /// most `batch` rows; nothing without [`Self::deleting_events_older_than`].
    pub async fn purge_events(&self, batch: u32) -> Result<u64, RepoError> {
        let Some(old) = &self.old_events else { return Ok(0) };
        let before = self.clock.now() - old.kept_for;
        drain(|| old.table.purge_before(before, batch)).await
    }

    /// Also deletes dynamic clients whose last use is more than `after` ago.
    #[must_use]
    pub fn deleting_idle_clients(
        mut self,
        registrations: Arc<dyn ClientRegistrationRepository>,
        after: time::Duration,
    ) -> Self {
        self.idle_clients = Some(IdleClients { registrations, after });
        self
    }

    /// Removes every expired session, pending authorization, code, pushed
    /// request and device authorization and every stale counter, in batches of at most `batch` rows. Returns the
    /// rows removed.
    pub async fn purge_sign_in_state(&self, batch: u32) -> Result<u64, RepoError> {
        let now = self.clock.now();
        let sessions = drain(|| self.ports.sessions.purge_expired(now, batch)).await?;
        // Spent codes are kept a day past expiry, so that a late replay is
        // still recognised as one and revokes what the first exchange issued.
        let codes = drain(|| self.ports.codes.purge_expired(now - CODE_REPLAY_MEMORY, batch)).await?;
        let stale = now - ThrottlePolicy::MEMORY;
        let attempts = drain(|| self.ports.attempts.purge_stale(stale, batch)).await?;
        let unapproved = now - UNAPPROVED_CLIENT_MEMORY;
        let clients = drain(|| self.ports.clients.purge_unapproved_documents(unapproved, batch)).await?;
        let pushed = drain(|| self.ports.pushed.purge_expired(now, batch)).await?;
        let proofs = drain(|| self.ports.one_time_ids.purge_expired(now, batch)).await?;
        let devices = drain(|| self.ports.devices.purge_expired(now, batch)).await?;
        let idle = match &self.idle_clients {
            Some(idle) => {
                let (idle_before, unused_before) = (now - idle.after, now - UNUSED_ANONYMOUS_CLIENT_MEMORY);
                let gone = drain(|| idle.registrations.purge_idle(idle_before, unused_before, batch)).await?;
                if gone > 0 {
                    tracing::info!(
                        event = "idle_clients_deleted",
                        count = gone,
                        "idle dynamic clients deleted"
                    );
                }
                gone
            }
            None => 0,
        };
        Ok(sessions + codes + attempts + clients + pushed + proofs + devices + idle)
    }

    /// Deletes every refresh family past its absolute expiry and every
    /// revoked `jti` whose token has expired anyway — with a margin, so an
    /// instance whose clock runs behind never sees a revoked token that is
    /// live to it and no longer listed — in batches of at most `batch` rows.
    pub async fn purge_token_state(&self, batch: u32) -> Result<u64, RepoError> {
        let now = self.clock.now();
        let families = drain(|| self.ports.refresh.purge_expired(now, batch)).await?;
        let revoked = drain(|| self.ports.revoked.purge_expired(now - REVOCATION_MARGIN, batch)).await?;
        Ok(families + revoked)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a failed test

    use super::*;
    use crate::ports::{ClientRepository, DeviceAuthorizationRepository};
    use crate::testing::contract::device_authorizations::pending;
    use crate::testing::fixtures::{T0, client};
    use crate::testing::{InMemoryStore, ManualClock};

    /// RFC 8628 §3.2: a device authorization is of no use past `expires_in`;
    /// the janitor deletes it, and keeps the live one.
    #[tokio::test]
    async fn expired_device_authorizations_are_swept() {
        let store = Arc::new(InMemoryStore::default());
        let tv = client(1, "Television", "s");
        ClientRepository::insert(store.as_ref(), &tv).await.unwrap();
        let (expired, live) =
            (pending(1, &tv, time::Duration::minutes(10)), pending(2, &tv, time::Duration::hours(1)));
        for device in [&expired, &live] {
            DeviceAuthorizationRepository::insert(store.as_ref(), device).await.unwrap();
        }
        let clock = Arc::new(ManualClock::at(T0 + time::Duration::minutes(11)));
        let retention = RetentionService::new(RetentionPorts::over(&store), clock);
        assert_eq!(retention.purge_sign_in_state(100).await.unwrap(), 1);
        assert!(store.find_by_device_code(&expired.device_code).await.unwrap().is_none());
        assert!(store.find_by_device_code(&live.device_code).await.unwrap().is_some());
    }

    /// Events older than the retention period go; younger ones stay.
    #[tokio::test]
    async fn events_past_their_retention_are_swept() {
        use crate::security_event::{EventFilter, EventKind, SecurityEvent};
        let store = Arc::new(InMemoryStore::default());
        let old = SecurityEvent::new(EventKind::LoginFailed, T0);
        let young = SecurityEvent::new(EventKind::LoginSucceeded, T0 + time::Duration::days(2));
        crate::ports::SecurityEventRepository::append(store.as_ref(), &[old, young.clone()]).await.unwrap();
        let clock = Arc::new(ManualClock::at(T0 + time::Duration::days(91)));
        let plain = RetentionService::new(RetentionPorts::over(&store), clock.clone());
        assert_eq!(plain.purge_events(100).await.unwrap(), 0, "kept unless asked");
        let retention = plain.deleting_events_older_than(store.clone(), time::Duration::days(90));
        assert_eq!(retention.purge_events(1).await.unwrap(), 1);
        let everything = EventFilter::default();
        let left = crate::ports::SecurityEventRepository::list(store.as_ref(), &everything, 10).await;
        assert_eq!(left.unwrap(), [young]);
    }
}

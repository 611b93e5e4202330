//! `DeviceAuthorizationRepository` in memory.

use time::{Duration, OffsetDateTime};

use super::InMemoryStore;
use super::tables::purge;
use crate::device_authorization::{DeviceAuthorization, DeviceCodeDigest, DeviceDecision, UserCodeDigest};
use crate::error::RepoError;
use crate::ports::DeviceAuthorizationRepository;
use crate::session::SessionId;

#[async_trait::async_trait]
impl DeviceAuthorizationRepository for InMemoryStore {
    async fn insert(&self, device: &DeviceAuthorization) -> Result<(), RepoError> {
        self.with(|t| {
            if !t.clients.contains_key(&device.client_id) {
                return Err(RepoError::Conflict("device_authorizations.client_id".into()));
            }
            let taken = t.device_authorizations.contains_key(&device.device_code)
                || t.device_authorizations.values().any(|d| d.user_code == device.user_code);
            if taken {
                return Err(RepoError::Conflict("device_authorizations.user_code".into()));
            }
            t.device_authorizations.insert(device.device_code.clone(), device.clone());
            Ok(())
        })
    }

    async fn find_by_device_code(
        &self,
        device_code: &DeviceCodeDigest,
    ) -> Result<Option<DeviceAuthorization>, RepoError> {
        Ok(self.with(|t| t.device_authorizations.get(device_code).cloned()))
    }

    async fn find_by_user_code(
        &self,
        user_code: &UserCodeDigest,
        now: OffsetDateTime,
    ) -> Result<Option<DeviceAuthorization>, RepoError> {
        Ok(self.with(|t| {
            t.device_authorizations.values().find(|d| &d.user_code == user_code && d.is_live_at(now)).cloned()
        }))
    }

    async fn decide(
        &self,
        user_code: &UserCodeDigest,
        decision: DeviceDecision,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        if decision == DeviceDecision::Pending {
            return Ok(false);
        }
        Ok(self.with(|t| {
            let pending = t.device_authorizations.values_mut().find(|d| {
                &d.user_code == user_code && d.is_live_at(now) && d.decision == DeviceDecision::Pending
            });
            pending.map(|device| device.decision = decision).is_some()
        }))
    }

    async fn record_entry(
        &self,
        user_code: &UserCodeDigest,
        session: SessionId,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        Ok(self.with(|t| {
            let pending = t.device_authorizations.values_mut().find(|d| {
                &d.user_code == user_code && d.is_live_at(now) && d.decision == DeviceDecision::Pending
            });
            pending.map(|device| device.entered_by = Some(session)).is_some()
        }))
    }

    async fn record_poll(
        &self,
        device_code: &DeviceCodeDigest,
        previous: Option<OffsetDateTime>,
        polled_at: OffsetDateTime,
        interval: Duration,
    ) -> Result<bool, RepoError> {
        Ok(self.with(|t| {
            let device =
                t.device_authorizations.get_mut(device_code).filter(|d| d.last_polled_at == previous);
            device
                .map(|device| {
                    device.last_polled_at = Some(polled_at);
                    device.interval = interval;
                })
                .is_some()
        }))
    }

    async fn redeem(
        &self,
        device_code: &DeviceCodeDigest,
        now: OffsetDateTime,
    ) -> Result<Option<DeviceAuthorization>, RepoError> {
        Ok(self.with(|t| {
            let approved = t
                .device_authorizations
                .get(device_code)
                .is_some_and(|d| d.is_live_at(now) && matches!(d.decision, DeviceDecision::Approved { .. }));
            if approved { t.device_authorizations.remove(device_code) } else { None }
        }))
    }

    async fn purge_expired(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        Ok(self.with(|t| purge(&mut t.device_authorizations, limit, |d| d.expires_at < before).len() as u64))
    }
}

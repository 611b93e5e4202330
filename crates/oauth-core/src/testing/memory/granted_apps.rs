//! `GrantedAppRepository` in memory: the account page's apps, read and
//! revoked under the store's one lock.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::InMemoryStore;
use crate::client::ClientId;
use crate::device_authorization::DeviceDecision;
use crate::error::RepoError;
use crate::granted_app::{GrantedApp, RevokedApp};
use crate::ports::GrantedAppRepository;
use crate::security_event::EventKind;
use crate::user::UserId;

#[async_trait::async_trait]
impl GrantedAppRepository for InMemoryStore {
    async fn granted_apps(
        &self,
        user: UserId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<GrantedApp>, RepoError> {
        Ok(self.with(|t| {
            let mut apps: BTreeMap<ClientId, GrantedApp> = BTreeMap::new();
            let blank = |client: &ClientId| GrantedApp::new(client.clone());
            for ((owner, client), scopes) in &t.consents {
                if *owner == user {
                    let app = apps.entry(client.clone()).or_insert_with(|| blank(client));
                    app.scopes.clone_from(scopes);
                    app.granted_at = t.consent_times.get(&(user, client.clone())).copied();
                }
            }
            for ((owner, client), resources) in &t.resource_consents {
                if *owner == user {
                    apps.entry(client.clone())
                        .or_insert_with(|| blank(client))
                        .resources
                        .clone_from(resources);
                }
            }
            let live = |f: &&crate::refresh::RefreshFamily| {
                f.user_id == user && f.revoked_at.is_none() && f.expires_at > now
            };
            for family in t.families.values().filter(live) {
                apps.entry(family.client_id.clone()).or_insert_with(|| blank(&family.client_id));
            }
            for event in &t.security_events {
                if event.kind != EventKind::TokensIssued || event.user != Some(user) {
                    continue;
                }
                let Some(app) = event.client.as_ref().and_then(|client| apps.get_mut(client)) else {
                    continue;
                };
                app.last_used_at = app.last_used_at.max(Some(event.occurred_at));
            }
            apps.into_values().take(limit as usize).collect()
        }))
    }

    async fn revoke_app(
        &self,
        user: UserId,
        client: &ClientId,
        now: OffsetDateTime,
    ) -> Result<RevokedApp, RepoError> {
        // One lock over every table: the port's "in one step".
        Ok(self.with(|t| {
            let pair = (user, client.clone());
            let consent = t.consents.remove(&pair).is_some() | t.resource_consents.remove(&pair).is_some();
            t.consent_times.remove(&pair);
            t.codes.retain(|_, row| {
                row.code.user_id != user || &row.code.client_id != client || row.consumed_at.is_some()
            });
            t.device_authorizations.retain(|_, device| {
                &device.client_id != client
                    || !matches!(device.decision, DeviceDecision::Approved { user_id, .. } if user_id == user)
            });
            let mut families = 0;
            for family in t.families.values_mut() {
                if family.user_id == user && &family.client_id == client && family.revoked_at.is_none() {
                    family.revoked_at = Some(now);
                    families += 1;
                }
            }
            let cut = t.app_revocations.entry(pair).or_insert(now);
            *cut = (*cut).max(now);
            RevokedApp { consent, families }
        }))
    }

    async fn app_revoked_at(
        &self,
        user: UserId,
        client: &ClientId,
    ) -> Result<Option<OffsetDateTime>, RepoError> {
        Ok(self.with(|t| t.app_revocations.get(&(user, client.clone())).copied()))
    }
}

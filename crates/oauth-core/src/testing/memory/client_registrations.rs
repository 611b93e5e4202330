//! `ClientRegistrationRepository` in memory.

use time::OffsetDateTime;

use super::InMemoryStore;
use crate::client::{Client, ClientId, ClientOrigin};
use crate::client_registration::{ClientRegistration, RegistrationAccessDigest, RegistrationRevision};
use crate::error::RepoError;
use crate::ports::ClientRegistrationRepository;

#[async_trait::async_trait]
impl ClientRegistrationRepository for InMemoryStore {
    async fn register(&self, client: &Client, registration: &ClientRegistration) -> Result<(), RepoError> {
        self.with(|t| {
            if t.clients.contains_key(&client.id)
                || t.clients.values().any(|c| c.name_key() == client.name_key())
            {
                return Err(RepoError::Conflict("clients".into()));
            }
            if t.client_registrations.values().any(|r| r.access_token == registration.access_token) {
                return Err(RepoError::Conflict("client_registrations.access_token".into()));
            }
            t.clients.insert(client.id.clone(), client.clone());
            t.client_registrations.insert(client.id.clone(), registration.clone());
            Ok(())
        })
    }

    async fn find(&self, id: &ClientId) -> Result<Option<ClientRegistration>, RepoError> {
        Ok(self.with(|t| t.client_registrations.get(id).cloned()))
    }

    async fn rotate(
        &self,
        id: &ClientId,
        presented: &RegistrationAccessDigest,
        next: &RegistrationAccessDigest,
        revision: Option<&RegistrationRevision>,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        self.with(|t| {
            let Some(registration) =
                t.client_registrations.get_mut(id).filter(|r| &r.access_token == presented)
            else {
                return Ok(false);
            };
            let client = t.clients.get_mut(id).ok_or(RepoError::NotFound)?;
            registration.access_token = next.clone();
            if let Some(revision) = revision {
                registration.application_type = revision.application_type;
                client.metadata = revision.metadata.clone();
                client.updated_at = now;
            }
            Ok(true)
        })
    }

    async fn remove(&self, id: &ClientId, presented: &RegistrationAccessDigest) -> Result<bool, RepoError> {
        Ok(self.with(|t| {
            let current = t.client_registrations.get(id).is_some_and(|r| &r.access_token == presented);
            current && t.remove_client(id)
        }))
    }

    async fn record_use(
        &self,
        id: &ClientId,
        now: OffsetDateTime,
        unless_since: OffsetDateTime,
    ) -> Result<(), RepoError> {
        self.with(|t| {
            if let Some(registration) = t.client_registrations.get_mut(id)
                && registration.last_used_at.is_none_or(|last| last < unless_since)
            {
                registration.last_used_at = Some(now);
            }
        });
        Ok(())
    }

    async fn count(&self) -> Result<u64, RepoError> {
        Ok(self.with(|t| t.client_registrations.len() as u64))
    }

    async fn purge_idle(
        &self,
        idle_before: OffsetDateTime,
        unused_before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, RepoError> {
        self.with(|t| {
            let registered_at = |r: &ClientRegistration| t.clients.get(&r.client_id).map(|c| c.created_at);
            let idle = |r: &ClientRegistration| match r.last_used_at {
                Some(last) => last < idle_before,
                None => registered_at(r)
                    .is_some_and(|at| at < idle_before || (r.initial_token.is_none() && at < unused_before)),
            };
            let doomed: Vec<ClientId> = t
                .client_registrations
                .values()
                .filter(|r| idle(r))
                .filter(|r| {
                    t.clients
                        .get(&r.client_id)
                        .is_some_and(|c| c.origin == ClientOrigin::Dynamic && !c.disabled)
                })
                .take(limit as usize)
                .map(|r| r.client_id.clone())
                .collect();
            for id in &doomed {
                t.remove_client(id);
            }
            Ok(doomed.len() as u64)
        })
    }
}

//! `ConsentRepository` in memory: the scopes each user granted each client.

use std::collections::BTreeSet;

use time::OffsetDateTime;

use super::InMemoryStore;
use crate::client::ClientId;
use crate::error::RepoError;
use crate::ports::ConsentRepository;
use crate::resource::ResourceUri;
use crate::scope::ScopeName;
use crate::user::UserId;

#[async_trait::async_trait]
impl ConsentRepository for InMemoryStore {
    async fn granted(&self, user: UserId, client: &ClientId) -> Result<BTreeSet<ScopeName>, RepoError> {
        Ok(self.with(|t| t.consents.get(&(user, client.clone())).cloned().unwrap_or_default()))
    }

    async fn grant(
        &self,
        user: UserId,
        client: &ClientId,
        scopes: &BTreeSet<ScopeName>,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        self.with(|t| {
            t.consents.entry((user, client.clone())).or_default().extend(scopes.iter().cloned());
            t.consent_times.insert((user, client.clone()), now);
        });
        Ok(())
    }

    async fn granted_resources(
        &self,
        user: UserId,
        client: &ClientId,
    ) -> Result<BTreeSet<ResourceUri>, RepoError> {
        Ok(self.with(|t| t.resource_consents.get(&(user, client.clone())).cloned().unwrap_or_default()))
    }

    async fn grant_resources(
        &self,
        user: UserId,
        client: &ClientId,
        resources: &BTreeSet<ResourceUri>,
        _now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        self.with(|t| {
            t.resource_consents.entry((user, client.clone())).or_default().extend(resources.iter().cloned());
        });
        Ok(())
    }

    async fn revoke(&self, user: UserId, client: &ClientId) -> Result<(), RepoError> {
        self.with(|t| {
            t.consents.remove(&(user, client.clone()));
            t.resource_consents.remove(&(user, client.clone()));
            t.consent_times.remove(&(user, client.clone()));
        });
        Ok(())
    }
}

//! `ClientRepository` in memory.

use time::OffsetDateTime;

use super::InMemoryStore;
use crate::client::{Client, ClientId, ClientMetadata, ClientOrigin, StoredSecret, name_key};
use crate::error::RepoError;
use crate::ports::ClientRepository;

#[async_trait::async_trait]
impl ClientRepository for InMemoryStore {
    async fn insert(&self, client: &Client) -> Result<(), RepoError> {
        self.with(|t| {
            if t.clients.values().any(|c| c.name_key() == client.name_key()) {
                return Err(RepoError::Conflict("clients.name_key".into()));
            }
            if t.clients.contains_key(&client.id) {
                return Err(RepoError::Conflict("clients.id".into()));
            }
            t.clients.insert(client.id.clone(), client.clone());
            Ok(())
        })
    }

    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        Ok(self.with(|t| t.clients.get(id).cloned()))
    }

    async fn find_by_name(&self, name: &str) -> Result<Option<Client>, RepoError> {
        let key = name_key(name);
        Ok(self.with(|t| t.clients.values().find(|c| c.name_key() == key).cloned()))
    }

    async fn list(&self) -> Result<Vec<Client>, RepoError> {
        let mut all: Vec<Client> = self.with(|t| t.clients.values().cloned().collect());
        all.sort_by_key(Client::name_key);
        Ok(all)
    }

    async fn update(&self, client: &Client) -> Result<(), RepoError> {
        self.with(|t| {
            if t.clients.values().any(|c| c.id != client.id && c.name_key() == client.name_key()) {
                return Err(RepoError::Conflict("clients.name_key".into()));
            }
            let stored = t.clients.get_mut(&client.id).ok_or(RepoError::NotFound)?;
            stored.metadata = client.metadata.clone();
            stored.disabled = client.disabled;
            stored.updated_at = client.updated_at;
            Ok(())
        })
    }

    async fn rotate_secret(
        &self,
        id: &ClientId,
        new: &StoredSecret,
        previous_until: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        self.with(|t| {
            let client = t.clients.get_mut(id).ok_or(RepoError::NotFound)?;
            let current = client
                .secrets
                .iter()
                .filter(|s| s.expires_at.is_none())
                .max_by_key(|s| s.created_at)
                .cloned();
            client.secrets = match (current, previous_until) {
                (Some(previous), Some(until)) => {
                    vec![StoredSecret { expires_at: Some(until), ..previous }, new.clone()]
                }
                _ => vec![new.clone()],
            };
            client.updated_at = now;
            Ok(())
        })
    }

    async fn delete(&self, id: &ClientId) -> Result<(), RepoError> {
        self.with(|t| t.remove_client(id).then_some(()).ok_or(RepoError::NotFound))
    }

    async fn replace_metadata(
        &self,
        id: &ClientId,
        metadata: &ClientMetadata,
        now: OffsetDateTime,
    ) -> Result<(), RepoError> {
        self.with(|t| {
            let stored = t.clients.get_mut(id).ok_or(RepoError::NotFound)?;
            stored.metadata = metadata.clone();
            stored.updated_at = now;
            Ok(())
        })
    }

    async fn purge_unapproved_documents(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        self.with(|t| {
            // Approved, or a sign-in is waiting on it.
            let approved = |id: &ClientId| {
                t.consents.keys().any(|(_, client)| client == id)
                    || t.pending.values().any(|p| &p.client_id == id)
            };
            let doomed: Vec<ClientId> = t
                .clients
                .values()
                .filter(|c| c.origin == ClientOrigin::MetadataDocument && c.created_at < before)
                .filter(|c| !c.disabled && !approved(&c.id))
                .take(limit as usize)
                .map(|c| c.id.clone())
                .collect();
            for id in &doomed {
                t.remove_client(id);
            }
            Ok(doomed.len() as u64)
        })
    }
}

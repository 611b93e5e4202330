//! `ResourceRepository` in memory.

use super::InMemoryStore;
use crate::error::RepoError;
use crate::ports::ResourceRepository;
use crate::resource::{Resource, ResourceUri};

#[async_trait::async_trait]
impl ResourceRepository for InMemoryStore {
    async fn insert(&self, resource: &Resource) -> Result<(), RepoError> {
        self.with(|t| {
            if t.resources.contains_key(&resource.uri) {
                return Err(RepoError::Conflict("resources.uri".into()));
            }
            t.resources.insert(resource.uri.clone(), resource.clone());
            Ok(())
        })
    }

    async fn find(&self, uri: &ResourceUri) -> Result<Option<Resource>, RepoError> {
        Ok(self.with(|t| t.resources.get(uri).cloned()))
    }

    async fn list(&self) -> Result<Vec<Resource>, RepoError> {
        Ok(self.with(|t| t.resources.values().cloned().collect()))
    }

    async fn update(&self, resource: &Resource) -> Result<(), RepoError> {
        self.with(|t| {
            let stored = t.resources.get_mut(&resource.uri).ok_or(RepoError::NotFound)?;
            *stored = Resource { created_at: stored.created_at, ..resource.clone() };
            Ok(())
        })
    }

    async fn delete(&self, uri: &ResourceUri) -> Result<(), RepoError> {
        self.with(|t| {
            t.resources.remove(uri).ok_or(RepoError::NotFound)?;
            for granted in t.resource_consents.values_mut() {
                granted.remove(uri);
            }
            Ok(())
        })
    }
}

//! The resource registry, read once per `ttl` instead of on every token
//! request that names an API or asks for an API scope.

use std::sync::Arc;

use oauth_core::RepoError;
use oauth_core::ports::{Clock, ResourceRepository};
use oauth_core::resource::{Resource, ResourceUri};
use time::Duration;

use super::ttl_map::TtlMap;

/// A [`ResourceRepository`] that serves reads from a copy of the whole
/// registry for `ttl` after that copy's read began, and passes writes
/// through (forgetting the copy). The server never writes the registry: a
/// change made with the CLI or another instance is seen here at most `ttl`
/// later (docs/SECURITY.md § Read caches).
pub struct CachedResources {
    inner: Arc<dyn ResourceRepository>,
    clock: Arc<dyn Clock>,
    copy: TtlMap<(), Arc<Vec<Resource>>>,
}

impl CachedResources {
    /// In front of `inner`; a `ttl` of zero reads `inner` every time.
    pub fn new(inner: Arc<dyn ResourceRepository>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Self { inner, clock, copy: TtlMap::new(ttl, 1) }
    }

    async fn all(&self) -> Result<Arc<Vec<Resource>>, RepoError> {
        let now = self.clock.now();
        if let Some(copy) = self.copy.get(&(), now) {
            return Ok(copy);
        }
        let fresh = Arc::new(self.inner.list().await?);
        self.copy.put((), fresh.clone(), now);
        Ok(fresh)
    }
}

impl std::fmt::Debug for CachedResources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedResources").finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl ResourceRepository for CachedResources {
    async fn insert(&self, resource: &Resource) -> Result<(), RepoError> {
        self.copy.forget(&());
        self.inner.insert(resource).await
    }

    async fn find(&self, uri: &ResourceUri) -> Result<Option<Resource>, RepoError> {
        if !self.copy.enabled() {
            return self.inner.find(uri).await;
        }
        Ok(self.all().await?.iter().find(|r| &r.uri == uri).cloned())
    }

    async fn list(&self) -> Result<Vec<Resource>, RepoError> {
        Ok(self.all().await?.as_ref().clone())
    }

    async fn update(&self, resource: &Resource) -> Result<(), RepoError> {
        self.copy.forget(&());
        self.inner.update(resource).await
    }

    async fn delete(&self, uri: &ResourceUri) -> Result<(), RepoError> {
        self.copy.forget(&());
        self.inner.delete(uri).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a failed test

    use oauth_core::testing::fixtures::T0;
    use oauth_core::testing::{InMemoryStore, ManualClock};

    use super::*;

    fn resource(uri: &str) -> Resource {
        Resource { name: uri.into(), ..oauth_core::testing::fixtures::resource(uri, &[]) }
    }

    #[tokio::test]
    async fn reads_are_served_from_a_copy_for_the_ttl_then_read_again() {
        let store = Arc::new(InMemoryStore::default());
        let clock = Arc::new(ManualClock::at(T0));
        let cached = CachedResources::new(store.clone(), clock.clone(), Duration::seconds(5));
        assert!(cached.list().await.unwrap().is_empty());
        // Another process registers an API: not seen until the copy expires.
        store.insert(&resource("https://calendar.example.com")).await.unwrap();
        assert!(
            cached
                .find(&ResourceUri::parse("https://calendar.example.com").unwrap())
                .await
                .unwrap()
                .is_none()
        );
        clock.advance(Duration::seconds(5));
        assert_eq!(cached.list().await.unwrap().len(), 1);
        // A write through the cache is seen at once.
        cached.insert(&resource("https://payroll.example.com")).await.unwrap();
        assert_eq!(cached.list().await.unwrap().len(), 2);
    }
}

//! Storage of resource servers.

use crate::error::RepoError;
use crate::resource::{Resource, ResourceUri};

/// Persistence of the resource registry.
///
/// Contract (checked for every adapter by `testing::contract::resources`):
/// - `insert` refuses a second resource with the same URI (compared as
///   exact text) with `RepoError::Conflict`, and writes nothing;
/// - `find` and `list` give back every field as stored; `list` is ordered
///   by URI;
/// - `update` replaces everything but the URI and `created_at`; an unknown
///   URI is `NotFound`;
/// - `delete` of an unknown URI is `NotFound`; a deletion also forgets
///   every user's consent to the resource, so a new API registered at the
///   same URI starts with none.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait ResourceRepository: Send + Sync {
    /// Stores a new resource.
    async fn insert(&self, resource: &Resource) -> Result<(), RepoError>;

    /// The resource with this URI.
    async fn find(&self, uri: &ResourceUri) -> Result<Option<Resource>, RepoError>;

    /// Every resource, ordered by URI.
    async fn list(&self) -> Result<Vec<Resource>, RepoError>;

    /// Replaces the name, scopes, flags, lifetime, algorithm and `updated_at`.
    async fn update(&self, resource: &Resource) -> Result<(), RepoError>;

    /// Removes the resource.
    async fn delete(&self, uri: &ResourceUri) -> Result<(), RepoError>;
}

//! Storage of consents.

use std::collections::BTreeSet;

use time::OffsetDateTime;

use crate::client::ClientId;
use crate::error::RepoError;
use crate::resource::ResourceUri;
use crate::scope::ScopeName;
use crate::user::UserId;

/// Persistence of the scopes each user granted each client.
///
/// Contract (checked for every adapter by `testing::contract::consents`):
/// - `granted` is empty for a pair that never consented;
/// - `grant` adds to what was granted (a union), never removes;
/// - `revoke` forgets the pair's grants (a user withdrawing consent),
///   resources included;
/// - `granted_resources` and `grant_resources` are the same for the
///   resources (RFC 8707) the user let the client use: empty, then a union.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait ConsentRepository: Send + Sync {
    /// The scopes `user` granted `client`.
    async fn granted(&self, user: UserId, client: &ClientId) -> Result<BTreeSet<ScopeName>, RepoError>;

    /// Records that `user` granted `client` these scopes (added to any earlier grant).
    async fn grant(
        &self,
        user: UserId,
        client: &ClientId,
        scopes: &BTreeSet<ScopeName>,
        now: OffsetDateTime,
    ) -> Result<(), RepoError>;

    /// The resources `user` let `client` use on their behalf.
    async fn granted_resources(
        &self,
        user: UserId,
        client: &ClientId,
    ) -> Result<BTreeSet<ResourceUri>, RepoError>;

    /// Records that `user` let `client` use these resources (added to any earlier grant).
    async fn grant_resources(
        &self,
        user: UserId,
        client: &ClientId,
        resources: &BTreeSet<ResourceUri>,
        now: OffsetDateTime,
    ) -> Result<(), RepoError>;

    /// Forgets every grant of `user` to `client`.
    async fn revoke(&self, user: UserId, client: &ClientId) -> Result<(), RepoError>;
}

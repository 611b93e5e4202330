//! Storage of OAuth clients.

use time::OffsetDateTime;

use crate::client::{Client, ClientId, ClientMetadata, StoredSecret};
use crate::error::RepoError;

/// Persistence of clients.
///
/// Contract (checked for every adapter by `testing::contract::clients`):
/// - `insert` refuses a second client whose name equals an existing one
///   regardless of case, with `RepoError::Conflict`, and writes nothing;
/// - `update` replaces metadata, the disabled flag and `updated_at` (never the
///   secrets, the id or `created_at`); an unknown id is `NotFound`;
/// - `rotate_secret` is one atomic step: every secret but the newest is
///   dropped, the newest is kept until `previous_until` (dropped at once when
///   `None`), and `new` is added, so a client never holds more than two;
/// - `replace_metadata` writes the metadata and `updated_at` only, never the
///   disabled flag, so an operator's `disable` made meanwhile stands;
/// - `purge_unapproved_documents` deletes at most `limit` metadata-document
///   clients created before `before` that no user has a consent for, none
///   disabled and none a pending authorization names;
/// - only digests are stored, never a secret.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait ClientRepository: Send + Sync {
    /// Stores a new client with its secrets.
    async fn insert(&self, client: &Client) -> Result<(), RepoError>;

    /// The client with this id.
    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepoError>;

    /// The client with this name, compared without regard to case.
    async fn find_by_name(&self, name: &str) -> Result<Option<Client>, RepoError>;

    /// Every client, ordered by name.
    async fn list(&self) -> Result<Vec<Client>, RepoError>;

    /// Replaces metadata, the disabled flag and `updated_at`.
    async fn update(&self, client: &Client) -> Result<(), RepoError>;

    /// Adds `new` as the current secret and keeps the one current until now
    /// (the secret without an end, not merely the newest: rotations within
    /// one second tie on `created_at`) until `previous_until`. Stamps
    /// `updated_at` with `now`.
    async fn rotate_secret(
        &self,
        id: &ClientId,
        new: &StoredSecret,
        previous_until: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<(), RepoError>;

    /// Removes the client and its secrets.
    async fn delete(&self, id: &ClientId) -> Result<(), RepoError>;

    /// Replaces the metadata and `updated_at` of the client, and nothing
    /// else; an unknown id is `NotFound`.
    async fn replace_metadata(
        &self,
        id: &ClientId,
        metadata: &ClientMetadata,
        now: OffsetDateTime,
    ) -> Result<(), RepoError>;

    /// Deletes at most `limit` metadata-document clients created before
    /// `before` that no user approved (no consent row names them), that are
    /// not disabled (an operator's block stays) and that no pending
    /// authorization names (a sign-in under way). Returns how many.
    async fn purge_unapproved_documents(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError>;
}

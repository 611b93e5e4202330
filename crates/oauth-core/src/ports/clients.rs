//! Storage of OAuth clients.

use time::OffsetDateTime;

use crate::client::{Client, ClientId, StoredSecret};
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
/// - only digests are stored, never a secret.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait ClientRepository: Send + Sync {
    /// Stores a new client with its secrets.
    async fn insert(&self, client: &Client) -> Result<(), RepoError>;

    /// The client with this id.
    async fn find(&self, id: &ClientId) -> Result<Option<Client>, RepoError>;

    /// The client as stored now, past any cache in front of the store (see
    /// `cache::CachedClients`): asked before refusing a client whose copy may
    /// be older than a change the refusal hinges on, a secret just rotated.
    async fn find_fresh(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        self.find(id).await
    }

    /// The copy of the client held in memory, if any, without reading the
    /// store: `None` from an adapter that keeps no copies.
    async fn find_cached(&self, id: &ClientId) -> Result<Option<Client>, RepoError> {
        let _ = id;
        Ok(None)
    }

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
}

/// What the registry says of a client id, judged by a caller's rule.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // returned and matched at once, never stored
pub enum Judged {
    /// The client exists and the rule holds for it.
    Accepted(Client),
    /// The client exists and the rule does not hold for it.
    Refused,
    /// No client has this id.
    Unknown,
}

/// Judges the client named `id` by `accept`: first on a copy held in memory
/// (a cache may accept, never refuse: docs/SECURITY.md § Read caches), then
/// on the stored client.
///
/// SECURITY: every refusal costs exactly one store read, whether the id is
/// unknown or the client is known and refused, cached or not, so the time an
/// answer takes does not tell which ids exist.
pub async fn judge(
    clients: &dyn ClientRepository,
    id: &ClientId,
    accept: impl Fn(&Client) -> bool,
) -> Result<Judged, RepoError> {
    if let Some(client) = clients.find_cached(id).await?.filter(|client| accept(client)) {
        return Ok(Judged::Accepted(client));
    }
    Ok(match clients.find_fresh(id).await? {
        Some(client) if accept(&client) => Judged::Accepted(client),
        Some(_) => Judged::Refused,
        None => Judged::Unknown,
    })
}

/// The client named `id` if `accept` holds for it, judged as [`judge`] does.
pub async fn find_accepted(
    clients: &dyn ClientRepository,
    id: &ClientId,
    accept: impl Fn(&Client) -> bool,
) -> Result<Option<Client>, RepoError> {
    Ok(match judge(clients, id, accept).await? {
        Judged::Accepted(client) => Some(client),
        Judged::Refused | Judged::Unknown => None,
    })
}

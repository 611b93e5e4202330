//! Storage of dynamic clients' registrations (RFC 7591, RFC 7592).

use time::OffsetDateTime;

use crate::client::{Client, ClientId};
use crate::client_registration::{ClientRegistration, RegistrationAccessDigest, RegistrationRevision};
use crate::error::RepoError;

/// Persistence of registrations, each beside its client.
///
/// Contract (checked for every adapter by
/// `testing::contract::client_registrations`):
/// - `register` stores the client, its secrets and its registration in one
///   unit of work: all of them, or (on any error) none;
/// - `rotate` replaces the access token only if `presented` is the current
///   one, decided by one conditional write: of any number of concurrent
///   rotations with one token at most one succeeds; with a `revision`,
///   the client's metadata
///   and `updated_at` and the registration's application type change in
///   the same unit of work, and not at all when the rotation fails; the
///   disabled flag never changes;
/// - `remove` deletes the client (its secrets, grants, codes and
///   registration with it) only if `presented` is its current token;
/// - deleting a client by any path deletes its registration;
/// - `record_use` sets `last_used_at` to `now` when it is unset or older
///   than `unless_since`, and is no error for an unknown client; nothing
///   else moves it (a rotation does not);
/// - `count` is the number of stored registrations;
/// - `purge_idle` deletes at most `limit` enabled dynamic clients (an
///   operator's block stays): those last used before `idle_before`, those
///   never used and registered before `idle_before`, and those never used,
///   registered without an initial access token before `unused_before`;
/// - only digests are stored, never a token.
#[async_trait::async_trait]
pub trait ClientRegistrationRepository: Send + Sync {
    /// Stores `client` with its secrets and `registration`, together.
    async fn register(&self, client: &Client, registration: &ClientRegistration) -> Result<(), RepoError>;

    /// The registration of the client with this id.
    async fn find(&self, id: &ClientId) -> Result<Option<ClientRegistration>, RepoError>;

    /// Replaces the access token `presented` with `next` (and applies
    /// `revision`), stamped `now`; `false` when `presented` is not the
    /// current token, and then nothing changed.
    async fn rotate(
        &self,
        id: &ClientId,
        presented: &RegistrationAccessDigest,
        next: &RegistrationAccessDigest,
        revision: Option<&RegistrationRevision>,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError>;

    /// Deletes the client if `presented` is its current access token.
    async fn remove(&self, id: &ClientId, presented: &RegistrationAccessDigest) -> Result<bool, RepoError>;

    /// Writes down that the client was used at `now`, if its last recorded
    /// use is before `unless_since`.
    async fn record_use(
        &self,
        id: &ClientId,
        now: OffsetDateTime,
        unless_since: OffsetDateTime,
    ) -> Result<(), RepoError>;

    /// How many dynamic clients are stored.
    async fn count(&self) -> Result<u64, RepoError>;

    /// Deletes at most `limit` enabled dynamic clients idle since before
    /// `idle_before`, or anonymous and never used since before
    /// `unused_before`; returns how many.
    async fn purge_idle(
        &self,
        idle_before: OffsetDateTime,
        unused_before: OffsetDateTime,
        limit: u32,
    ) -> Result<u64, RepoError>;
}

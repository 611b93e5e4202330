//! Storage of initial access tokens.

use time::OffsetDateTime;

use crate::error::RepoError;
use crate::registration_token::{RegistrationToken, RegistrationTokenDigest, RegistrationTokenId};

/// Persistence of initial access tokens.
///
/// Contract (checked for every adapter by
/// `testing::contract::registration_tokens`):
/// - only the digest is stored, never a token;
/// - `spend` is atomic: of any number of concurrent calls for one token
///   with `n` uses left, exactly `n` get its id; an expired, revoked or
///   used-up token, or an unknown digest, gets `None` and changes nothing;
/// - `revoke` of an unknown id is `NotFound`; a revoked token stays listed;
/// - `list` is ordered by creation, oldest first.
#[async_trait::async_trait]
pub trait RegistrationTokenRepository: Send + Sync {
    /// Stores a new token.
    async fn insert(&self, token: &RegistrationToken) -> Result<(), RepoError>;

    /// Takes one use of the token with this digest, if it allows one at
    /// `now`; its id when it did.
    async fn spend(
        &self,
        digest: &RegistrationTokenDigest,
        now: OffsetDateTime,
    ) -> Result<Option<RegistrationTokenId>, RepoError>;

    /// Every token, oldest first.
    async fn list(&self) -> Result<Vec<RegistrationToken>, RepoError>;

    /// Marks the token revoked at `now`.
    async fn revoke(&self, id: RegistrationTokenId, now: OffsetDateTime) -> Result<(), RepoError>;
}

//! Storage of resource owners.

use time::OffsetDateTime;

use crate::error::RepoError;
use crate::password::PasswordHash;
use crate::user::{Email, User, UserId};

/// One page of a listing ordered by email key: the users after `after`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPage {
    /// The email key of the last user of the previous page, if any.
    pub after: Option<String>,
    /// At most this many users.
    pub limit: u32,
}

/// What [`UserRepository::sign_out_everywhere`] ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignedOut {
    /// Sessions deleted, with the authorizations pending in them.
    pub sessions: u64,
    /// Refresh families revoked.
    pub families: u64,
}

/// Persistence of users.
///
/// Contract (checked for every adapter by `testing::contract::users`):
/// - `insert` refuses a second user whose email equals an existing one
///   regardless of case, with `RepoError::Conflict`, and writes nothing;
/// - lookups by email ignore case;
/// - updates of an unknown id are `RepoError::NotFound`;
/// - times are stored to the second;
/// - `sign_out_everywhere` stamps `signed_out_at` (never earlier than a
///   stamp already there), deletes every session of the user (with their
///   pending authorizations) and every code of the user not yet exchanged,
///   and revokes every live refresh family of the user, in one step (checked
///   by `testing::contract::sign_out`).
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user.
    async fn insert(&self, user: &User) -> Result<(), RepoError>;

    /// The user with this email, compared without regard to case.
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, RepoError>;

    /// The user with this id.
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, RepoError>;

    /// Users ordered by email key, a page at a time.
    async fn list(&self, page: &UserPage) -> Result<Vec<User>, RepoError>;

    /// Disables or re-enables a user, stamping `updated_at`.
    async fn set_disabled(&self, id: UserId, disabled: bool, now: OffsetDateTime) -> Result<(), RepoError>;

    /// Replaces the password hash, stamping `updated_at`.
    async fn set_password_hash(
        &self,
        id: UserId,
        hash: &PasswordHash,
        now: OffsetDateTime,
    ) -> Result<(), RepoError>;
    /// Ends everything the user is signed in with: sessions, refresh
    /// families, and (through `signed_out_at`) the access tokens issued so far.
    async fn sign_out_everywhere(&self, id: UserId, now: OffsetDateTime) -> Result<SignedOut, RepoError>;
}

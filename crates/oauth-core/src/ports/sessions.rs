//! Storage of browser sessions and the authorization requests pending in them.

use time::OffsetDateTime;

use crate::error::RepoError;
use crate::pending::{PendingAuthorization, PendingDigest};
use crate::session::{Login, Session, SessionDigest, SessionId};
use crate::user::UserId;

/// Persistence of sessions and pending authorizations.
///
/// Contract (checked for every adapter by `testing::contract::sessions`):
/// - `find` returns a session by the digest of its current secret only: after
///   `renew`, the old digest finds nothing (no session fixation);
/// - `renew` replaces the digest, the login and the expiry in one step; an
///   unknown id is `NotFound`;
/// - `delete` removes the session and every authorization pending in it;
/// - `take_pending` returns a pending authorization only to the session it
///   belongs to, and deletes it: of concurrent calls, exactly one gets it;
/// - `trim_pending` leaves at most `keep` of the session's pending
///   authorizations, deleting the oldest (`created_at`) first, and touches no
///   other session's;
/// - `purge_expired` deletes at most `limit` expired sessions and expired
///   pending authorizations, and nothing live;
/// - `signed_in_sessions` lists the user's live sessions, newest sign-in
///   first, at most `limit`, never another user's;
/// - `end_other_sessions` deletes every session of the user but `keep`
///   (with their pending authorizations), and no one else's.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session.
    async fn insert(&self, session: &Session) -> Result<(), RepoError>;
    /// The session whose current secret has this digest (live or not: the caller checks).
    async fn find(&self, digest: &SessionDigest) -> Result<Option<Session>, RepoError>;
    /// Gives the session a new secret, login and expiry.
    async fn renew(
        &self,
        id: SessionId,
        digest: &SessionDigest,
        login: &Login,
        expires_at: OffsetDateTime,
    ) -> Result<(), RepoError>;
    /// Ends the session and its pending authorizations.
    async fn delete(&self, id: SessionId) -> Result<(), RepoError>;
    /// Stores a pending authorization (its session must exist).
    async fn insert_pending(&self, pending: &PendingAuthorization) -> Result<(), RepoError>;
    /// Deletes the oldest pending authorizations of `session` until at most
    /// `keep` remain; returns how many went.
    async fn trim_pending(&self, session: SessionId, keep: u32) -> Result<u64, RepoError>;
    /// The pending authorization with this digest, if it belongs to `session`.
    async fn find_pending(
        &self,
        digest: &PendingDigest,
        session: SessionId,
    ) -> Result<Option<PendingAuthorization>, RepoError>;
    /// Removes and returns the pending authorization, if it belongs to `session`.
    async fn take_pending(
        &self,
        digest: &PendingDigest,
        session: SessionId,
    ) -> Result<Option<PendingAuthorization>, RepoError>;
    /// Deletes up to `limit` expired sessions and as many expired pending
    /// authorizations; returns how many rows went.
    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError>;
    /// The live sessions `user` is signed in to at `now`, newest sign-in
    /// first, at most `limit`.
    async fn signed_in_sessions(
        &self,
        user: UserId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<Session>, RepoError>;
    /// Ends every session of `user` except `keep`; returns how many ended.
    async fn end_other_sessions(&self, user: UserId, keep: SessionId) -> Result<u64, RepoError>;
}

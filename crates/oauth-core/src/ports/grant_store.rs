//! What the code and refresh grants read and write, shaped by use case so an
//! adapter can do each step in one unit of work: one trip to its database
//! where it can, one transaction where the step writes several rows.
//!
//! The fine-grained repositories ([`CodeRepository`], [`RefreshTokenRepository`],
//! [`UserRepository`]) can do the same steps one call at a time:
//! [`GrantStoreInSteps`] implements this port over them, for stores that
//! have nothing faster.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::code::{CodeDigest, Consumed};
use crate::error::RepoError;
use crate::ports::{CodeRepository, RefreshTokenRepository, UserRepository};
use crate::refresh::{RefreshDigest, RefreshFamily, RefreshTokenRecord};
use crate::user::User;

/// A code's redemption, with the user the code names when it was consumed now.
#[derive(Debug)]
pub struct Redemption {
    /// What consuming the code found (as [`CodeRepository::consume`]).
    pub consumed: Consumed,
    /// With [`Consumed::Now`]: the code's user, if the record still exists.
    /// Otherwise `None`, whether or not the user exists.
    pub user: Option<User>,
}

/// What one code exchange issued, stored together.
#[derive(Debug, Clone, Copy)]
pub struct Issued<'a> {
    /// The redeemed code.
    pub code: &'a CodeDigest,
    /// The refresh family the exchange starts, with its first token, if any.
    pub family: Option<(&'a RefreshFamily, &'a RefreshTokenRecord)>,
    /// The `jti` of the access token the exchange issued.
    pub access_jti: &'a str,
}

/// A refresh token found with its family and the family's user.
#[derive(Debug)]
pub struct RefreshState {
    /// The presented token's record.
    pub record: RefreshTokenRecord,
    /// Its family, revoked or not.
    pub family: RefreshFamily,
    /// The family's user, if the record still exists.
    pub user: Option<User>,
}

/// The reads and writes of the `authorization_code` and `refresh_token`
/// grants that run on every exchange and refresh.
///
/// Contract (checked for every adapter by `testing::contract::grant_store`):
/// - `redeem` consumes as [`CodeRepository::consume`] does: of any number of
///   concurrent calls for one code exactly one gets [`Consumed::Now`];
/// - `record_issued` stores the family with its first token (both or
///   neither), then the access token's `jti` on the code, then reads the
///   code's replay mark: a replay marks the code before it looks for what
///   the exchange issued, so one of the two always sees the other
///   (RFC 6749 §4.1.2);
/// - `find_refresh` answers as [`RefreshTokenRepository::find`] with the
///   family's user beside it.
#[async_trait::async_trait]
pub trait GrantStore: Send + Sync {
    /// Consumes the code at `now` and reads its user.
    async fn redeem(&self, digest: &CodeDigest, now: OffsetDateTime) -> Result<Redemption, RepoError>;
    /// Stores what an exchange issued; `true` when the code was marked replayed.
    async fn record_issued(&self, issued: Issued<'_>) -> Result<bool, RepoError>;
    /// The refresh token with this digest, its family and their user.
    async fn find_refresh(&self, digest: &RefreshDigest) -> Result<Option<RefreshState>, RepoError>;
}

/// [`GrantStore`] over the fine-grained repositories, one call per step.
/// Correct for any store that keeps their contracts; a database adapter
/// usually does better by implementing [`GrantStore`] itself.
pub struct GrantStoreInSteps {
    codes: Arc<dyn CodeRepository>,
    refresh: Arc<dyn RefreshTokenRepository>,
    users: Arc<dyn UserRepository>,
}

impl GrantStoreInSteps {
    /// The steps over these repositories.
    pub fn new(
        codes: Arc<dyn CodeRepository>,
        refresh: Arc<dyn RefreshTokenRepository>,
        users: Arc<dyn UserRepository>,
    ) -> Self {
        Self { codes, refresh, users }
    }

    /// The steps over one store that implements every repository they use.
    pub fn over<S>(store: &Arc<S>) -> Self
    where
        S: CodeRepository + RefreshTokenRepository + UserRepository + 'static,
    {
        Self::new(store.clone(), store.clone(), store.clone())
    }
}

impl std::fmt::Debug for GrantStoreInSteps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrantStoreInSteps").finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl GrantStore for GrantStoreInSteps {
    async fn redeem(&self, digest: &CodeDigest, now: OffsetDateTime) -> Result<Redemption, RepoError> {
        in_steps::redeem(self.codes.as_ref(), self.users.as_ref(), digest, now).await
    }

    async fn record_issued(&self, issued: Issued<'_>) -> Result<bool, RepoError> {
        in_steps::record_issued(self.codes.as_ref(), self.refresh.as_ref(), issued).await
    }

    async fn find_refresh(&self, digest: &RefreshDigest) -> Result<Option<RefreshState>, RepoError> {
        in_steps::find_refresh(self.refresh.as_ref(), self.users.as_ref(), digest).await
    }
}

/// The steps themselves, for [`GrantStoreInSteps`] and for stores that
/// implement [`GrantStore`] by borrowing themselves as each repository.
pub(crate) mod in_steps {
    use super::{
        CodeDigest, CodeRepository, Consumed, Issued, OffsetDateTime, Redemption, RefreshDigest,
        RefreshState, RefreshTokenRepository, RepoError, UserRepository,
    };

    pub(crate) async fn redeem(
        codes: &dyn CodeRepository,
        users: &dyn UserRepository,
        digest: &CodeDigest,
        now: OffsetDateTime,
    ) -> Result<Redemption, RepoError> {
        let consumed = codes.consume(digest, now).await?;
        let user = match &consumed {
            Consumed::Now(code) => users.find_by_id(code.user_id).await?,
            Consumed::Already(_) | Consumed::Unknown => None,
        };
        Ok(Redemption { consumed, user })
    }

    pub(crate) async fn record_issued(
        codes: &dyn CodeRepository,
        refresh: &dyn RefreshTokenRepository,
        issued: Issued<'_>,
    ) -> Result<bool, RepoError> {
        if let Some((family, first)) = issued.family {
            refresh.start_family(family, first).await?;
        }
        codes.record_access_token(issued.code, issued.access_jti).await
    }

    pub(crate) async fn find_refresh(
        refresh: &dyn RefreshTokenRepository,
        users: &dyn UserRepository,
        digest: &RefreshDigest,
    ) -> Result<Option<RefreshState>, RepoError> {
        let Some((record, family)) = refresh.find(digest).await? else { return Ok(None) };
        let user = users.find_by_id(family.user_id).await?;
        Ok(Some(RefreshState { record, family, user }))
    }
}

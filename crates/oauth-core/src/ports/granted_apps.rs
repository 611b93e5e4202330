//! The apps a user granted access, and taking one back.

use time::OffsetDateTime;

use crate::client::ClientId;
use crate::error::RepoError;
use crate::granted_app::{GrantedApp, RevokedApp};
use crate::user::UserId;

/// What the account page reads and revokes, across the consent, code,
/// device, refresh-family and security-event tables.
///
/// Contract (checked for every adapter by `testing::contract::granted_apps`):
/// - `granted_apps` lists, once each and ordered by client id, the clients
///   the user consented to (with the consent's scopes, resources and time)
///   and the clients holding a live (unrevoked, unexpired) refresh family of
///   the user; `last_used_at` is the latest `tokens_issued` event of the
///   user and client; nothing of another user; at most `limit`;
/// - `revoke_app` does, in one step: forgets the pair's consent and
///   resource grants; deletes the pair's codes not yet exchanged (spent
///   ones stay, for replay detection) and device authorizations approved by
///   the user; revokes the pair's live families; records the revocation
///   time (`app_revoked_at`), which never moves back; it touches no other
///   pair, and revoking an app that holds nothing records the time all the
///   same;
/// - `app_revoked_at` is `None` for a pair never revoked; the time outlives
///   the client (a client deleted and made again under the same id must not
///   bring back the tokens it ended).
#[async_trait::async_trait]
pub trait GrantedAppRepository: Send + Sync {
    /// The apps `user` granted access at `now`, at most `limit`.
    async fn granted_apps(
        &self,
        user: UserId,
        now: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<GrantedApp>, RepoError>;

    /// Takes back everything `user` let `client` do.
    async fn revoke_app(
        &self,
        user: UserId,
        client: &ClientId,
        now: OffsetDateTime,
    ) -> Result<RevokedApp, RepoError>;

    /// When `user` last revoked `client`: access tokens issued to the pair
    /// at or before it are dead.
    async fn app_revoked_at(
        &self,
        user: UserId,
        client: &ClientId,
    ) -> Result<Option<OffsetDateTime>, RepoError>;
}

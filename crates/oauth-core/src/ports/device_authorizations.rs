//! Storage of device authorizations (RFC 8628).

use time::{Duration, OffsetDateTime};

use crate::device_authorization::{DeviceAuthorization, DeviceCodeDigest, DeviceDecision, UserCodeDigest};
use crate::error::RepoError;
use crate::session::SessionId;

/// Persistence of device authorizations.
///
/// Contract (checked for every adapter by
/// `testing::contract::device_authorizations`):
/// - `insert` refuses with `Conflict` a device code or a user code another
///   stored authorization holds (the caller draws a new user code), and
///   with an error an authorization whose client does not exist;
/// - times are kept to the second;
/// - `find_by_user_code` finds only an authorization live at `now`;
/// - `decide` records a decision (approval or denial, never `Pending`)
///   only on a pending authorization live at `now`: of any number of
///   concurrent decisions, exactly one returns `true` (RFC 8628 §5.4: a
///   user code is used once);
/// - `record_entry` binds a pending, live authorization to the browser
///   session that entered its user code (the last one wins);
/// - `record_poll` writes only over the poll it was given as `previous`:
///   of concurrent polls that read the same state, one is recorded;
/// - `redeem` deletes and returns an approved authorization live at `now`:
///   of any number of concurrent calls, exactly one gets it (one device
///   code, one set of tokens); a pending, denied or expired one stays;
/// - authorizations go with their client;
/// - `purge_expired` deletes at most `limit` authorizations whose
///   `expires_at` is before `before`, and nothing live.
#[async_trait::async_trait]
pub trait DeviceAuthorizationRepository: Send + Sync {
    /// Stores a new authorization.
    async fn insert(&self, device: &DeviceAuthorization) -> Result<(), RepoError>;

    /// The authorization with this device code, in whatever state.
    async fn find_by_device_code(
        &self,
        device_code: &DeviceCodeDigest,
    ) -> Result<Option<DeviceAuthorization>, RepoError>;

    /// The authorization with this user code, if it is live at `now`.
    async fn find_by_user_code(
        &self,
        user_code: &UserCodeDigest,
        now: OffsetDateTime,
    ) -> Result<Option<DeviceAuthorization>, RepoError>;

    /// Records the user's decision; `false` when the authorization was no
    /// longer pending or live.
    async fn decide(
        &self,
        user_code: &UserCodeDigest,
        decision: DeviceDecision,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError>;

    /// Records that browser session `session` entered the user code
    /// correctly, if the authorization is pending and live at `now`.
    async fn record_entry(
        &self,
        user_code: &UserCodeDigest,
        session: SessionId,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError>;

    /// Records a poll at `polled_at` and the interval from then on, if the
    /// last poll recorded is still `previous`; `false` when another poll
    /// was recorded in between (so a late write cannot undo a raised
    /// interval).
    async fn record_poll(
        &self,
        device_code: &DeviceCodeDigest,
        previous: Option<OffsetDateTime>,
        polled_at: OffsetDateTime,
        interval: Duration,
    ) -> Result<bool, RepoError>;

    /// Takes the authorization if it is approved and live at `now`.
    async fn redeem(
        &self,
        device_code: &DeviceCodeDigest,
        now: OffsetDateTime,
    ) -> Result<Option<DeviceAuthorization>, RepoError>;

    /// Deletes up to `limit` expired authorizations; returns how many.
    async fn purge_expired(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError>;
}

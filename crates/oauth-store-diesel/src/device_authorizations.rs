//! `DeviceAuthorizationRepository` on Diesel: the `device_authorizations`
//! table (RFC 8628).

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::client::ClientId;
use oauth_core::device_authorization::{
    DeviceAuthorization, DeviceCodeDigest, DeviceDecision, UserCodeDigest,
};
use oauth_core::ports::DeviceAuthorizationRepository;
use oauth_core::resource::ResourceUri;
use oauth_core::scope::ScopeName;
use oauth_core::session::SessionId;
use oauth_core::user::UserId;
use time::{Duration, OffsetDateTime};

use crate::convert::{corrupt, from_epoch, join, split};
use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::schema::device_authorizations as devices;
use crate::store::DieselStore;

const PENDING: &str = "pending";
const APPROVED: &str = "approved";
const DENIED: &str = "denied";

/// A row: every column, in the order the table declares them.
type DeviceRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    Option<i64>,
    i64,
    i64,
);

fn from_row(row: DeviceRow) -> Result<DeviceAuthorization, RepoError> {
    let (
        device_code,
        user_code,
        client_id,
        scopes,
        resources,
        decision,
        entered_by,
        user_id,
        auth_time,
        interval,
        polled,
        created,
        expires,
    ) = row;
    let time = |seconds: i64, column| from_epoch(seconds).ok_or_else(|| corrupt(column));
    let decision = match (decision.as_str(), user_id, auth_time) {
        (PENDING, None, None) => DeviceDecision::Pending,
        (DENIED, None, None) => DeviceDecision::Denied,
        (APPROVED, Some(user_id), Some(auth_time)) => DeviceDecision::Approved {
            user_id: UserId::parse(&user_id).map_err(|_| corrupt("device_authorizations.user_id"))?,
            auth_time: time(auth_time, "device_authorizations.auth_time")?,
        },
        _ => return Err(corrupt("device_authorizations.decision")),
    };
    Ok(DeviceAuthorization {
        device_code: DeviceCodeDigest::from_hex(&device_code)
            .ok_or_else(|| corrupt("device_authorizations.device_code"))?,
        user_code: UserCodeDigest::from_hex(&user_code)
            .ok_or_else(|| corrupt("device_authorizations.user_code"))?,
        client_id: ClientId::parse(&client_id).map_err(|_| corrupt("device_authorizations.client_id"))?,
        scopes: split(&scopes)
            .map(|s| ScopeName::parse(s).map_err(|_| corrupt("device_authorizations.scopes")))
            .collect::<Result<_, _>>()?,
        resources: split(&resources)
            .map(|r| ResourceUri::parse(r).map_err(|_| corrupt("device_authorizations.resources")))
            .collect::<Result<_, _>>()?,
        decision,
        entered_by: entered_by
            .map(|id| SessionId::parse(&id).ok_or_else(|| corrupt("device_authorizations.entered_by")))
            .transpose()?,
        interval: Duration::seconds(interval),
        last_polled_at: polled.map(|at| time(at, "device_authorizations.last_polled_at")).transpose()?,
        created_at: time(created, "device_authorizations.created_at")?,
        expires_at: time(expires, "device_authorizations.expires_at")?,
    })
}

/// The decision's columns: its word, the approving user and their `auth_time`.
fn decision_columns(decision: DeviceDecision) -> (&'static str, Option<String>, Option<i64>) {
    match decision {
        DeviceDecision::Pending => (PENDING, None, None),
        DeviceDecision::Denied => (DENIED, None, None),
        DeviceDecision::Approved { user_id, auth_time } => {
            (APPROVED, Some(user_id.to_string()), Some(auth_time.unix_timestamp()))
        }
    }
}

/// Authorizations expired before a time, at most a number of them.
struct PurgeExpired;

impl FixedSql for PurgeExpired {
    const SQL: &'static str = "DELETE FROM device_authorizations WHERE device_code IN \
        (SELECT device_code FROM device_authorizations WHERE expires_at < ? LIMIT ?)";
}

#[async_trait::async_trait]
impl DeviceAuthorizationRepository for DieselStore {
    async fn insert(&self, device: &DeviceAuthorization) -> Result<(), RepoError> {
        let device = device.clone();
        self.run(move |c| {
            let (decision, user_id, auth_time) = decision_columns(device.decision);
            diesel::insert_into(devices::table)
                .values((
                    devices::device_code.eq(device.device_code.to_hex()),
                    devices::user_code.eq(device.user_code.to_hex()),
                    devices::client_id.eq(device.client_id.as_str()),
                    devices::scopes.eq(join(device.scopes.iter().map(ScopeName::as_str))),
                    devices::resources.eq(join(device.resources.iter().map(ResourceUri::as_str))),
                    devices::decision.eq(decision),
                    devices::entered_by.eq(device.entered_by.map(|id| id.to_string())),
                    devices::user_id.eq(user_id),
                    devices::auth_time.eq(auth_time),
                    devices::interval_secs.eq(device.interval.whole_seconds()),
                    devices::last_polled_at.eq(device.last_polled_at.map(OffsetDateTime::unix_timestamp)),
                    devices::created_at.eq(device.created_at.unix_timestamp()),
                    devices::expires_at.eq(device.expires_at.unix_timestamp()),
                ))
                .execute(c)
                .map(drop)
                .map_err(repo_error)
        })
        .await
    }

    async fn find_by_device_code(
        &self,
        device_code: &DeviceCodeDigest,
    ) -> Result<Option<DeviceAuthorization>, RepoError> {
        let device_code = device_code.to_hex();
        self.run(move |c| {
            let row: Option<DeviceRow> = devices::table
                .find(&device_code)
                .select(devices::all_columns)
                .get_result(c)
                .optional()
                .map_err(repo_error)?;
            row.map(from_row).transpose()
        })
        .await
    }

    async fn find_by_user_code(
        &self,
        user_code: &UserCodeDigest,
        now: OffsetDateTime,
    ) -> Result<Option<DeviceAuthorization>, RepoError> {
        let (user_code, now) = (user_code.to_hex(), now.unix_timestamp());
        self.run(move |c| {
            let row: Option<DeviceRow> = devices::table
                .filter(devices::user_code.eq(&user_code))
                .filter(devices::expires_at.gt(now))
                .select(devices::all_columns)
                .get_result(c)
                .optional()
                .map_err(repo_error)?;
            row.map(from_row).transpose()
        })
        .await
    }

    async fn decide(
        &self,
        user_code: &UserCodeDigest,
        decision: DeviceDecision,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        if decision == DeviceDecision::Pending {
            return Ok(false);
        }
        let (user_code, now) = (user_code.to_hex(), now.unix_timestamp());
        self.run(move |c| {
            let (word, user_id, auth_time) = decision_columns(decision);
            // One statement whose filter holds the "still pending" check:
            // of racing decisions, the database lets one change the row.
            let decided = diesel::update(
                devices::table
                    .filter(devices::user_code.eq(&user_code))
                    .filter(devices::decision.eq(PENDING))
                    .filter(devices::expires_at.gt(now)),
            )
            .set((devices::decision.eq(word), devices::user_id.eq(user_id), devices::auth_time.eq(auth_time)))
            .execute(c)
            .map_err(repo_error)?;
            Ok(decided == 1)
        })
        .await
    }

    async fn record_entry(
        &self,
        user_code: &UserCodeDigest,
        session: SessionId,
        now: OffsetDateTime,
    ) -> Result<bool, RepoError> {
        let (user_code, session, now) = (user_code.to_hex(), session.to_string(), now.unix_timestamp());
        self.run(move |c| {
            let entered = diesel::update(
                devices::table
                    .filter(devices::user_code.eq(&user_code))
                    .filter(devices::decision.eq(PENDING))
                    .filter(devices::expires_at.gt(now)),
            )
            .set(devices::entered_by.eq(Some(session)))
            .execute(c)
            .map_err(repo_error)?;
            Ok(entered == 1)
        })
        .await
    }

    async fn record_poll(
        &self,
        device_code: &DeviceCodeDigest,
        previous: Option<OffsetDateTime>,
        polled_at: OffsetDateTime,
        interval: Duration,
    ) -> Result<bool, RepoError> {
        let (device_code, previous) = (device_code.to_hex(), previous.map(OffsetDateTime::unix_timestamp));
        let (polled_at, interval) = (polled_at.unix_timestamp(), interval.whole_seconds());
        self.run(move |c| {
            let row = devices::table.find(&device_code);
            let set = (devices::last_polled_at.eq(Some(polled_at)), devices::interval_secs.eq(interval));
            // The poll read is the one overwritten, or nothing is.
            let recorded = match previous {
                Some(previous) => {
                    diesel::update(row.filter(devices::last_polled_at.eq(previous))).set(set).execute(c)
                }
                None => diesel::update(row.filter(devices::last_polled_at.is_null())).set(set).execute(c),
            }
            .map_err(repo_error)?;
            Ok(recorded == 1)
        })
        .await
    }

    async fn redeem(
        &self,
        device_code: &DeviceCodeDigest,
        now: OffsetDateTime,
    ) -> Result<Option<DeviceAuthorization>, RepoError> {
        let (device_code, now) = (device_code.to_hex(), now.unix_timestamp());
        self.run(move |c| {
            let row: Option<DeviceRow> = c
                .transaction(|c| {
                    let redeemable = || {
                        devices::table
                            .filter(devices::device_code.eq(&device_code))
                            .filter(devices::decision.eq(APPROVED))
                            .filter(devices::expires_at.gt(now))
                    };
                    // SECURITY: a write first, so the transaction holds the
                    // write lock before it reads and racing redemptions
                    // queue behind it; its row count decides which one gets
                    // the authorization (one device code, one set of tokens).
                    let claimed = diesel::update(redeemable())
                        .set(devices::expires_at.eq(devices::expires_at))
                        .execute(c)?;
                    if claimed != 1 {
                        return Ok(None);
                    }
                    let row = redeemable().select(devices::all_columns).get_result::<DeviceRow>(c)?;
                    diesel::delete(devices::table.find(&device_code)).execute(c)?;
                    Ok::<_, diesel::result::Error>(Some(row))
                })
                .map_err(repo_error)?;
            row.map(from_row).transpose()
        })
        .await
    }

    async fn purge_expired(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let (before, limit) = (before.unix_timestamp(), i64::from(limit));
        self.run(move |c| {
            Fixed::<PurgeExpired>::new(vec![Bind::BigInt(before), Bind::BigInt(limit)])
                .execute(c)
                .map(|gone| gone as u64)
                .map_err(repo_error)
        })
        .await
    }
}

//! `PushedRequestRepository` on Diesel: the `pushed_requests` table.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::authorization_request::AuthorizationParams;
use oauth_core::client::ClientId;
use oauth_core::ports::PushedRequestRepository;
use oauth_core::pushed_request::{PushedRequest, PushedRequestDigest};
use time::OffsetDateTime;

use crate::convert::{corrupt, from_epoch};
use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::schema::pushed_requests;
use crate::store::DieselStore;

/// A row: digest, client, params, created, expires.
type PushedRow = (String, String, String, i64, i64);

fn from_row(row: PushedRow) -> Result<PushedRequest, RepoError> {
    let (digest, client_id, params, created, expires) = row;
    let time = |seconds: i64, column| from_epoch(seconds).ok_or_else(|| corrupt(column));
    Ok(PushedRequest {
        digest: PushedRequestDigest::from_hex(&digest).ok_or_else(|| corrupt("pushed_requests.digest"))?,
        client_id: ClientId::parse(&client_id).map_err(|_| corrupt("pushed_requests.client_id"))?,
        params: AuthorizationParams::from_urlencoded(params.as_bytes()),
        created_at: time(created, "pushed_requests.created_at")?,
        expires_at: time(expires, "pushed_requests.expires_at")?,
    })
}

/// Requests expired before a time, at most a number of them.
struct PurgeExpired;

impl FixedSql for PurgeExpired {
    const SQL: &'static str = "DELETE FROM pushed_requests WHERE digest IN \
        (SELECT digest FROM pushed_requests WHERE expires_at < ? LIMIT ?)";
}

#[async_trait::async_trait]
impl PushedRequestRepository for DieselStore {
    async fn insert(&self, request: &PushedRequest) -> Result<(), RepoError> {
        let request = request.clone();
        self.run(move |c| {
            diesel::insert_into(pushed_requests::table)
                .values((
                    pushed_requests::digest.eq(request.digest.to_hex()),
                    pushed_requests::client_id.eq(request.client_id.as_str()),
                    pushed_requests::params.eq(request.params.to_urlencoded()),
                    pushed_requests::created_at.eq(request.created_at.unix_timestamp()),
                    pushed_requests::expires_at.eq(request.expires_at.unix_timestamp()),
                ))
                .execute(c)
                .map(drop)
                .map_err(repo_error)
        })
        .await
    }

    async fn take(
        &self,
        digest: &PushedRequestDigest,
        client: &ClientId,
        now: OffsetDateTime,
    ) -> Result<Option<PushedRequest>, RepoError> {
        let (digest, client, now) = (digest.to_hex(), client.as_str().to_owned(), now.unix_timestamp());
        self.run(move |c| {
            let row: Option<PushedRow> = c
                .transaction(|c| {
                    let live = || {
                        pushed_requests::table
                            .filter(pushed_requests::digest.eq(&digest))
                            .filter(pushed_requests::client_id.eq(&client))
                            .filter(pushed_requests::expires_at.gt(now))
                    };
                    // SECURITY: a write first, so the transaction holds the
                    // write lock before it reads (on SQLite a read lock
                    // cannot be upgraded while another take waits) and racing
                    // takes queue behind it; its row count decides which
                    // take gets the request (RFC 9126 §4: one use).
                    let claimed = diesel::update(live())
                        .set(pushed_requests::expires_at.eq(pushed_requests::expires_at))
                        .execute(c)?;
                    if claimed != 1 {
                        return Ok(None);
                    }
                    let row = live()
                        .select((
                            pushed_requests::digest,
                            pushed_requests::client_id,
                            pushed_requests::params,
                            pushed_requests::created_at,
                            pushed_requests::expires_at,
                        ))
                        .get_result::<PushedRow>(c)?;
                    diesel::delete(pushed_requests::table.find(&digest)).execute(c)?;
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

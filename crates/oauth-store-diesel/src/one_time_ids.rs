//! `OneTimeIdRepository` on Diesel: the `one_time_ids` table.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::one_time_id::OneTimeId;
use oauth_core::ports::OneTimeIdRepository;
use time::OffsetDateTime;

use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::schema::one_time_ids;
use crate::store::DieselStore;

/// Ids expired before a time, at most a number of them.
struct PurgeExpired;

impl FixedSql for PurgeExpired {
    const SQL: &'static str = "DELETE FROM one_time_ids WHERE digest IN \
        (SELECT digest FROM one_time_ids WHERE expires_at < ? LIMIT ?)";
}

#[async_trait::async_trait]
impl OneTimeIdRepository for DieselStore {
    async fn first_use(&self, id: &OneTimeId, expires_at: OffsetDateTime) -> Result<bool, RepoError> {
        let (digest, expires_at) = (id.as_str().to_owned(), expires_at.unix_timestamp());
        self.run(move |c| {
            // SECURITY: the primary key decides, in one statement: of racing
            // inserts on any instance exactly one succeeds (RFC 9449 §11.1).
            let inserted = diesel::insert_into(one_time_ids::table)
                .values((one_time_ids::digest.eq(&digest), one_time_ids::expires_at.eq(expires_at)))
                .execute(c)
                .map_err(repo_error);
            match inserted {
                Ok(_) => Ok(true),
                Err(RepoError::Conflict(_)) => Ok(false),
                Err(other) => Err(other),
            }
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

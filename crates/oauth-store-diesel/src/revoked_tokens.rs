//! `RevokedTokenRepository` on Diesel: the `revoked_tokens` table.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::ports::RevokedTokenRepository;
use time::OffsetDateTime;

use crate::error::repo_error;
use crate::schema::revoked_tokens;
use crate::store::DieselStore;

#[async_trait::async_trait]
impl RevokedTokenRepository for DieselStore {
    async fn revoke(&self, jti: &str, expires_at: OffsetDateTime) -> Result<(), RepoError> {
        let (jti, expires_at) = (jti.to_owned(), expires_at.unix_timestamp());
        self.run(move |c| {
            let inserted = diesel::insert_into(revoked_tokens::table)
                .values((revoked_tokens::jti.eq(&jti), revoked_tokens::expires_at.eq(expires_at)))
                .execute(c)
                .map_err(repo_error);
            match inserted {
                // Revoked before: the entry already says so.
                Ok(_) | Err(RepoError::Conflict(_)) => Ok(()),
                Err(other) => Err(other),
            }
        })
        .await
    }

    async fn is_revoked(&self, jti: &str) -> Result<bool, RepoError> {
        let jti = jti.to_owned();
        self.run(move |c| {
            diesel::select(diesel::dsl::exists(revoked_tokens::table.find(jti)))
                .get_result(c)
                .map_err(repo_error)
        })
        .await
    }

    async fn purge_expired(&self, now: OffsetDateTime, limit: u32) -> Result<u64, RepoError> {
        let (now, limit) = (now.unix_timestamp(), i64::from(limit));
        self.run(move |c| {
            let dead: Vec<String> = revoked_tokens::table
                .filter(revoked_tokens::expires_at.le(now))
                .select(revoked_tokens::jti)
                .limit(limit)
                .load(c)
                .map_err(repo_error)?;
            let gone = diesel::delete(revoked_tokens::table.filter(revoked_tokens::jti.eq_any(&dead)))
                .execute(c)
                .map_err(repo_error)?;
            Ok(gone as u64)
        })
        .await
    }
}

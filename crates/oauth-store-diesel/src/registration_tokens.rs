//! `RegistrationTokenRepository` on Diesel: the `registration_tokens` table.

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::ports::RegistrationTokenRepository;
use oauth_core::registration_token::{RegistrationToken, RegistrationTokenDigest, RegistrationTokenId};
use time::OffsetDateTime;

use crate::convert::{corrupt, from_epoch};
use crate::error::repo_error;
use crate::schema::registration_tokens;
use crate::store::DieselStore;

/// A row: id, digest, max uses, uses left, created, expires, revoked.
type TokenRow = (String, String, i32, i32, i64, i64, Option<i64>);

fn from_row(row: TokenRow) -> Result<RegistrationToken, RepoError> {
    let (id, digest, max_uses, uses_left, created, expires, revoked) = row;
    let time = |seconds: i64, column| from_epoch(seconds).ok_or_else(|| corrupt(column));
    Ok(RegistrationToken {
        id: RegistrationTokenId::parse(&id).ok_or_else(|| corrupt("registration_tokens.id"))?,
        digest: RegistrationTokenDigest::from_hex(&digest)
            .ok_or_else(|| corrupt("registration_tokens.digest"))?,
        max_uses: u32::try_from(max_uses).map_err(|_| corrupt("registration_tokens.max_uses"))?,
        uses_left: u32::try_from(uses_left).map_err(|_| corrupt("registration_tokens.uses_left"))?,
        created_at: time(created, "registration_tokens.created_at")?,
        expires_at: time(expires, "registration_tokens.expires_at")?,
        revoked_at: revoked.map(|r| time(r, "registration_tokens.revoked_at")).transpose()?,
    })
}

#[async_trait::async_trait]
impl RegistrationTokenRepository for DieselStore {
    async fn insert(&self, token: &RegistrationToken) -> Result<(), RepoError> {
        let token = token.clone();
        let count =
            |n: u32| i32::try_from(n).map_err(|_| RepoError::Corrupt("uses beyond the column".into()));
        let (max_uses, uses_left) = (count(token.max_uses)?, count(token.uses_left)?);
        self.run(move |c| {
            diesel::insert_into(registration_tokens::table)
                .values((
                    registration_tokens::id.eq(token.id.to_string()),
                    registration_tokens::digest.eq(token.digest.to_hex()),
                    registration_tokens::max_uses.eq(max_uses),
                    registration_tokens::uses_left.eq(uses_left),
                    registration_tokens::created_at.eq(token.created_at.unix_timestamp()),
                    registration_tokens::expires_at.eq(token.expires_at.unix_timestamp()),
                    registration_tokens::revoked_at.eq(token.revoked_at.map(OffsetDateTime::unix_timestamp)),
                ))
                .execute(c)
                .map(drop)
                .map_err(repo_error)
        })
        .await
    }

    async fn spend(
        &self,
        digest: &RegistrationTokenDigest,
        now: OffsetDateTime,
    ) -> Result<Option<RegistrationTokenId>, RepoError> {
        let (digest, now) = (digest.to_hex(), now.unix_timestamp());
        self.run(move |c| {
            c.transaction(|c| {
                // SECURITY: one conditional decrement decides, read by its row
                // count (not `RETURNING`, which on SQLite can reach the caller
                // before the commit fails); it takes the write lock first, so
                // racing registrations queue behind it.
                let spent = diesel::update(
                    registration_tokens::table
                        .filter(registration_tokens::digest.eq(&digest))
                        .filter(registration_tokens::uses_left.gt(0))
                        .filter(registration_tokens::revoked_at.is_null())
                        .filter(registration_tokens::expires_at.gt(now)),
                )
                .set(registration_tokens::uses_left.eq(registration_tokens::uses_left - 1))
                .execute(c)?;
                if spent != 1 {
                    return Ok(None);
                }
                let id: String = registration_tokens::table
                    .filter(registration_tokens::digest.eq(&digest))
                    .select(registration_tokens::id)
                    .get_result(c)?;
                Ok(Some(id))
            })
            .map_err(repo_error)?
            .map(|id| RegistrationTokenId::parse(&id).ok_or_else(|| corrupt("registration_tokens.id")))
            .transpose()
        })
        .await
    }

    async fn list(&self) -> Result<Vec<RegistrationToken>, RepoError> {
        self.run(|c| {
            let rows: Vec<TokenRow> = registration_tokens::table
                .order((registration_tokens::created_at.asc(), registration_tokens::id.asc()))
                .select((
                    registration_tokens::id,
                    registration_tokens::digest,
                    registration_tokens::max_uses,
                    registration_tokens::uses_left,
                    registration_tokens::created_at,
                    registration_tokens::expires_at,
                    registration_tokens::revoked_at,
                ))
                .load(c)
                .map_err(repo_error)?;
            rows.into_iter().map(from_row).collect()
        })
        .await
    }

    async fn revoke(&self, id: RegistrationTokenId, now: OffsetDateTime) -> Result<(), RepoError> {
        let (id, now) = (id.to_string(), now.unix_timestamp());
        self.run(move |c| {
            let found: i64 = registration_tokens::table
                .filter(registration_tokens::id.eq(&id))
                .count()
                .get_result(c)
                .map_err(repo_error)?;
            if found == 0 {
                return Err(RepoError::NotFound);
            }
            // Revoked once: the first time stands.
            diesel::update(
                registration_tokens::table.find(&id).filter(registration_tokens::revoked_at.is_null()),
            )
            .set(registration_tokens::revoked_at.eq(now))
            .execute(c)
            .map_err(repo_error)
            .map(drop)
        })
        .await
    }
}

//! `GrantStore` on Diesel: each step of a code exchange or a refresh in one
//! trip to the blocking pool, on one connection. On PostgreSQL each step is
//! one statement (data-modifying `WITH` clauses do the writing), so one
//! network round trip; SQLite has no such clauses and runs the step's
//! statements in one transaction.
//!
//! The SQL texts use `$n` parameters, which both backends read by position
//! (SQLite numbers a `$name` by its first appearance, so each text
//! introduces them in order).

mod rows;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use oauth_core::RepoError;
use oauth_core::code::{CodeDigest, Consumed};
use oauth_core::ports::{GrantStore, Issued, Redemption, RefreshState};
use oauth_core::refresh::RefreshDigest;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::error::repo_error;
use crate::refresh_tokens::{FamilyRow, TokenRow};
use crate::schema::{authorization_codes, refresh_families, refresh_tokens};
use crate::store::DieselStore;
use rows::{CodeWithUser, FAMILY_COLUMNS, Redeemed, RefreshWithOwner, ReplayMark};
pub(crate) use rows::{JoinedUser, USER_COLUMNS};

/// The code's columns, then its user's, for the code with digest `$1`.
fn code_with_user() -> String {
    format!(
        "SELECT c.digest, c.client_id, c.user_id, c.redirect_uri, c.redirect_uri_sent, c.scopes, c.nonce, \
         c.code_challenge, c.auth_time, c.issued_at, c.expires_at, {USER_COLUMNS} \
         FROM authorization_codes c LEFT JOIN users u ON u.id = c.user_id WHERE c.digest = $1"
    )
}

/// PostgreSQL: consumes and reads in one statement. SECURITY: the `UPDATE`'s
/// condition decides the one winner: a concurrent statement waits for the
/// row's lock, then finds `consumed_at` set and changes nothing. The
/// `SELECT` reads the statement's snapshot, which every column it reads
/// shares with the row as consumed.
fn redeem_postgres() -> String {
    format!(
        "WITH won AS (UPDATE authorization_codes SET consumed_at = $2 \
                      WHERE digest = $1 AND consumed_at IS NULL RETURNING digest) \
         SELECT EXISTS (SELECT 1 FROM won) AS won, {}",
        code_with_user().trim_start_matches("SELECT ")
    )
}

/// The family with its first token, then the access token's `jti`, then the
/// replay mark, in one PostgreSQL statement: all of it or none.
const RECORD_WITH_FAMILY_POSTGRES: &str = "\
    WITH family AS (INSERT INTO refresh_families \
        (id, client_id, user_id, scopes, auth_time, code_digest, created_at, expires_at, revoked_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)), \
    first AS (INSERT INTO refresh_tokens (digest, family_id, scopes, issued_at, expires_at, rotated_at) \
        VALUES ($9, $1, $10, $11, $12, NULL)) \
    UPDATE authorization_codes SET access_jti = $13 WHERE digest = $14 RETURNING replayed_at";

/// The access token's `jti`, then the replay mark. RFC 6749 §4.1.2 with a
/// replay racing the exchange: the replay marks the code, then looks for
/// what the exchange issued; the exchange stores it, then reads the mark in
/// the statement that wrote the `jti`, which waits for a replay's
/// uncommitted mark on the row. One of the two always sees the other.
const RECORD_JTI: &str =
    "UPDATE authorization_codes SET access_jti = $1 WHERE digest = $2 RETURNING replayed_at";

/// A token, its family and their user.
fn refresh_with_owner() -> String {
    format!(
        "SELECT t.digest, t.family_id, t.scopes, t.issued_at, t.expires_at, t.rotated_at, \
         {FAMILY_COLUMNS}, {USER_COLUMNS} \
         FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id \
         LEFT JOIN users u ON u.id = f.user_id WHERE t.digest = $1"
    )
}

fn consumed(won: bool, row: Option<CodeWithUser>) -> Result<Redemption, RepoError> {
    let Some(CodeWithUser { code, user }) = row else {
        return Ok(Redemption { consumed: Consumed::Unknown, user: None });
    };
    let code = code.into_code()?;
    Ok(if won {
        Redemption { consumed: Consumed::Now(code), user: user.into_user()? }
    } else {
        Redemption { consumed: Consumed::Already(code), user: None }
    })
}

fn redeem(c: &mut AnyConnection, digest: &str, now: i64) -> QueryResult<(bool, Option<CodeWithUser>)> {
    if let AnyConnection::Postgresql(_) = c {
        let row = diesel::sql_query(redeem_postgres())
            .bind::<Text, _>(digest)
            .bind::<BigInt, _>(now)
            .get_result::<Redeemed>(c)
            .optional()?;
        return Ok(row.map_or((false, None), |r| (r.won, Some(r.row))));
    }
    // SECURITY: on SQLite the conditional UPDATE's row count decides the
    // winner, as `CodeRepository::consume` explains.
    let won = diesel::update(
        authorization_codes::table
            .filter(authorization_codes::digest.eq(digest))
            .filter(authorization_codes::consumed_at.is_null()),
    )
    .set(authorization_codes::consumed_at.eq(now))
    .execute(c)?;
    let row = diesel::sql_query(code_with_user()).bind::<Text, _>(digest).get_result(c).optional()?;
    Ok((won == 1, row))
}

fn record(
    c: &mut AnyConnection,
    code: &str,
    family: Option<(FamilyRow, TokenRow)>,
    jti: &str,
) -> QueryResult<Vec<ReplayMark>> {
    match (c, family) {
        (c @ AnyConnection::Postgresql(_), Some((family, first))) => {
            diesel::sql_query(RECORD_WITH_FAMILY_POSTGRES)
                .bind::<Text, _>(family.id)
                .bind::<Text, _>(family.client_id)
                .bind::<Text, _>(family.user_id)
                .bind::<Text, _>(family.scopes)
                .bind::<BigInt, _>(family.auth_time)
                .bind::<diesel::sql_types::Nullable<Text>, _>(family.code_digest)
                .bind::<BigInt, _>(family.created_at)
                .bind::<BigInt, _>(family.expires_at)
                .bind::<Text, _>(first.digest)
                .bind::<Text, _>(first.scopes)
                .bind::<BigInt, _>(first.issued_at)
                .bind::<BigInt, _>(first.expires_at)
                .bind::<Text, _>(jti)
                .bind::<Text, _>(code)
                .load(c)
        }
        (c @ AnyConnection::Postgresql(_), None) => record_jti(c, code, jti),
        (c, family) => c.transaction(|c| {
            if let Some((family, first)) = family {
                diesel::insert_into(refresh_families::table).values(family).execute(c)?;
                diesel::insert_into(refresh_tokens::table).values(first).execute(c)?;
            }
            record_jti(c, code, jti)
        }),
    }
}

fn record_jti(c: &mut AnyConnection, code: &str, jti: &str) -> QueryResult<Vec<ReplayMark>> {
    diesel::sql_query(RECORD_JTI).bind::<Text, _>(jti).bind::<Text, _>(code).load(c)
}

#[async_trait::async_trait]
impl GrantStore for DieselStore {
    async fn redeem(&self, digest: &CodeDigest, now: OffsetDateTime) -> Result<Redemption, RepoError> {
        let digest = digest.to_hex();
        self.run(move |c| {
            let (won, row) = redeem(c, &digest, now.unix_timestamp()).map_err(repo_error)?;
            consumed(won, row)
        })
        .await
    }

    async fn record_issued(&self, issued: Issued<'_>) -> Result<bool, RepoError> {
        let code = issued.code.to_hex();
        let jti = issued.access_jti.to_owned();
        let family = issued
            .family
            .map(|(family, first)| (FamilyRow::from_family(family), TokenRow::from_record(first)));
        self.run(move |c| {
            let marks = record(c, &code, family, &jti).map_err(repo_error)?;
            Ok(marks.iter().any(|mark| mark.replayed_at.is_some()))
        })
        .await
    }

    async fn find_refresh(&self, digest: &RefreshDigest) -> Result<Option<RefreshState>, RepoError> {
        let digest = digest.to_hex();
        self.run(move |c| {
            let row: Option<RefreshWithOwner> = diesel::sql_query(refresh_with_owner())
                .bind::<Text, _>(digest)
                .get_result(c)
                .optional()
                .map_err(repo_error)?;
            row.map(|RefreshWithOwner { token, family, user }| {
                Ok(RefreshState {
                    record: token.into_record()?,
                    family: family.into_family()?,
                    user: user.into_user()?,
                })
            })
            .transpose()
        })
        .await
    }
}

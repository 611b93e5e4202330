//! `GrantStore` on Diesel: each step of a code exchange or a refresh in one
//! trip to the blocking pool, on one connection. On PostgreSQL each step is
//! one statement (data-modifying `WITH` clauses do the writing), so one
//! network round trip. SQLite has no such clauses: a redemption there is
//! its conditional `UPDATE` then a read (the `UPDATE` alone decides the
//! winner), and recording what an exchange issued is one transaction.
//!
//! The statements are fixed texts (`statements.rs`), prepared once per
//! connection.

mod rows;
mod statements;

use diesel::prelude::*;
use oauth_core::RepoError;
use oauth_core::code::{CodeDigest, Consumed};
use oauth_core::ports::{GrantStore, Issued, Redemption, RefreshState};
use oauth_core::refresh::RefreshDigest;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::error::repo_error;
use crate::fixed_statement::{Bind, Fixed};
use crate::refresh_tokens::{FamilyRow, TokenRow};
use crate::store::DieselStore;
pub(crate) use rows::JoinedUser;
use rows::{CodeWithUser, Redeemed, RefreshWithOwner, ReplayMark};
pub(crate) use statements::user_columns;

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
        let binds = vec![Bind::BigInt(now), Bind::Text(digest.into()), Bind::Text(digest.into())];
        let row = Fixed::<statements::RedeemPostgres>::new(binds).get_result::<Redeemed>(c).optional()?;
        return Ok(row.map_or((false, None), |r| (r.won, Some(r.row))));
    }
    // SQLite: the same conditional UPDATE as `CodeRepository::consume`
    // decides the winner, then the code is read with its user.
    let won = crate::flow_writes::consume_code_once(c, digest, now)?;
    let row =
        Fixed::<statements::CodeWithUser>::new(vec![Bind::Text(digest.into())]).get_result(c).optional()?;
    Ok((won, row))
}

fn record(
    c: &mut AnyConnection,
    code: &str,
    family: Option<(FamilyRow, TokenRow)>,
    jti: &str,
) -> QueryResult<Vec<ReplayMark>> {
    match (c, family) {
        (c @ AnyConnection::Postgresql(_), Some((family, first))) => {
            let mut binds = Vec::from(family.into_binds());
            binds.extend(first.into_binds());
            binds.extend([Bind::Text(jti.into()), Bind::Text(code.into())]);
            Fixed::<statements::RecordWithFamilyPostgres>::new(binds).load(c)
        }
        (c @ AnyConnection::Postgresql(_), None) => record_jti(c, code, jti),
        (c, family) => c.transaction(|c| {
            if let Some((family, first)) = family {
                crate::flow_writes::insert_family(c, family)?;
                crate::flow_writes::insert_token(c, first)?;
            }
            record_jti(c, code, jti)
        }),
    }
}

fn record_jti(c: &mut AnyConnection, code: &str, jti: &str) -> QueryResult<Vec<ReplayMark>> {
    Fixed::<statements::RecordJti>::new(vec![Bind::Text(jti.into()), Bind::Text(code.into())]).load(c)
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
            let row: Option<RefreshWithOwner> =
                Fixed::<statements::RefreshWithOwner>::new(vec![Bind::Text(digest)])
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

//! A refresh token's rotation (RFC 9700 §4.14): the old token marked used
//! and its successor stored, in one statement on PostgreSQL and one
//! transaction on SQLite.

use diesel::prelude::*;
use time::OffsetDateTime;

use crate::connection::AnyConnection;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::refresh_tokens::TokenRow;
use crate::schema::refresh_tokens;

/// The condition of a rotation. SECURITY: it decides the one winner of
/// concurrent rotations: the token changes only while it is unrotated and
/// its family live, and a concurrent statement waits for the row's lock,
/// then finds `rotated_at` set. A revoked family's token is left as it is:
/// the family is refused whole anyway. The successor's family, given twice,
/// must be the old token's, so a successor never lands in another family.
/// `$lock` is PostgreSQL's `FOR SHARE` on the family row (below).
macro_rules! rotate_if_live {
    ($lock:literal) => {
        concat!(
            "UPDATE refresh_tokens SET rotated_at = ? \
             WHERE digest = ? AND rotated_at IS NULL AND family_id = ? \
             AND EXISTS (SELECT 1 FROM refresh_families WHERE id = ? AND revoked_at IS NULL",
            $lock,
            ")"
        )
    };
}

/// SQLite: the condition alone; the successor's insert follows in its transaction.
struct RotateIfLive;
impl FixedSql for RotateIfLive {
    const SQL: &'static str = rotate_if_live!("");
}

/// PostgreSQL: the rotation and the successor's insert
/// (`TokenRow::into_binds`) in one statement, atomic on its own, and the
/// old token's family (old digest again) read from the statement's
/// snapshot, which still has the old token. SECURITY: the family's row is
/// locked `FOR SHARE` while the statement runs. Without it the liveness
/// check reads the statement's snapshot, and a revocation committed while
/// the `UPDATE` waited for the token's row lock would go unseen: a token
/// could rotate after its family was revoked. With it, a revocation waits
/// for the rotation, or the rotation for the revocation and then finds the
/// family revoked. (SQLite's single writer orders them already.)
struct RotatePostgres;
impl FixedSql for RotatePostgres {
    const SQL: &'static str = concat!(
        "WITH won AS (",
        rotate_if_live!(" FOR SHARE"),
        " RETURNING digest), \
         successor AS (INSERT INTO ",
        crate::flow_writes::token_columns!(),
        " SELECT ?, ?, ?, ?, ?, ? FROM won RETURNING digest) \
         SELECT EXISTS (SELECT 1 FROM successor) AS rotated, t.family_id FROM refresh_tokens t WHERE t.digest = ?"
    );
}

/// What a rotation statement reads back.
#[derive(QueryableByName)]
struct Rotated {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    rotated: bool,
    #[diesel(sql_type = diesel::sql_types::Text)]
    family_id: String,
}

/// Whether `old` was rotated, and its family; `None` for an unknown token.
pub(crate) type Rotation = Option<(bool, String)>;

/// Rotates `old` to `next` at `now`.
pub(crate) fn rotate(
    c: &mut AnyConnection,
    old: &str,
    next: TokenRow,
    now: OffsetDateTime,
) -> QueryResult<Rotation> {
    let condition = vec![
        Bind::BigInt(now.unix_timestamp()),
        Bind::Text(old.to_owned()),
        Bind::Text(next.family_id.clone()),
        Bind::Text(next.family_id.clone()),
    ];
    if let AnyConnection::Postgresql(_) = c {
        let mut binds = condition;
        binds.extend(next.into_binds());
        binds.push(Bind::Text(old.to_owned()));
        let row: Option<Rotated> = Fixed::<RotatePostgres>::new(binds).get_result(c).optional()?;
        return Ok(row.map(|r| (r.rotated, r.family_id)));
    }
    // The UPDATE comes first, so the transaction holds SQLite's write lock
    // before it reads anything.
    c.transaction(|c| {
        if Fixed::<RotateIfLive>::new(condition).execute(c)? == 1 {
            let family = next.family_id.clone();
            crate::flow_writes::insert_token(c, next)?;
            return Ok(Some((true, family)));
        }
        let family: Option<String> =
            refresh_tokens::table.find(old).select(refresh_tokens::family_id).get_result(c).optional()?;
        Ok(family.map(|family| (false, family)))
    })
}

//! The writes every flow makes, as fixed statements (`crate::fixed_statement`):
//! a code's insert and its single use, a refresh family's and a token's
//! inserts. Through `MultiConnection`, a statement written with Diesel's DSL
//! has its text built on every call, and on SQLite an insert whose optional
//! value is `NULL` is not cached at all (its column list depends on the
//! values), so it would be parsed and planned on every flow
//! (`docs/BENCHMARKS.md` § Instructions per flow).
//!
//! The insert texts are macros as well, so that PostgreSQL's one-statement
//! steps (`grant_store`, `refresh_rotation`) embed the same column lists.

use diesel::prelude::*;

use crate::codes::CodeRow;
use crate::connection::AnyConnection;
use crate::fixed_statement::{Bind, Fixed, FixedSql};
use crate::refresh_tokens::{FamilyRow, TokenRow};

/// A refresh family's insert, `FamilyRow::into_binds` in order.
macro_rules! insert_family_sql {
    () => {
        "INSERT INTO refresh_families \
         (id, client_id, user_id, scopes, auth_time, code_digest, created_at, expires_at, revoked_at, resources, \
          dpop_jkt) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
}
pub(crate) use insert_family_sql;

/// A refresh token's columns, `TokenRow::into_binds` in order.
macro_rules! token_columns {
    () => {
        "refresh_tokens (digest, family_id, scopes, issued_at, expires_at, rotated_at)"
    };
}
pub(crate) use token_columns;

/// A refresh token's insert.
macro_rules! insert_token_sql {
    () => {
        concat!("INSERT INTO ", $crate::flow_writes::token_columns!(), " VALUES (?, ?, ?, ?, ?, ?)")
    };
}
pub(crate) use insert_token_sql;

struct InsertCode;
impl FixedSql for InsertCode {
    const SQL: &'static str = "INSERT INTO authorization_codes \
        (digest, client_id, user_id, redirect_uri, redirect_uri_sent, scopes, nonce, code_challenge, \
         auth_time, issued_at, expires_at, resources, dpop_jkt) \
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
}

/// SECURITY: the one conditional statement that decides which redemption
/// of a code wins (see [`consume_code_once`]).
struct ConsumeCodeOnce;
impl FixedSql for ConsumeCodeOnce {
    const SQL: &'static str =
        "UPDATE authorization_codes SET consumed_at = ? WHERE digest = ? AND consumed_at IS NULL";
}

struct InsertFamily;
impl FixedSql for InsertFamily {
    const SQL: &'static str = insert_family_sql!();
}

struct InsertToken;
impl FixedSql for InsertToken {
    const SQL: &'static str = insert_token_sql!();
}

/// Stores a new authorization code.
pub(crate) fn insert_code(c: &mut AnyConnection, row: CodeRow) -> QueryResult<()> {
    Fixed::<InsertCode>::new(row.into_binds().into()).execute(c).map(drop)
}

/// Marks code `digest` consumed at `now` if nothing consumed it before;
/// `true` for the one call that did. SECURITY: one conditional statement
/// decides the winner, read through `execute()`'s row count rather than
/// `UPDATE … RETURNING`: on SQLite a RETURNING row can reach the caller
/// before the autocommit fails with `SQLITE_BUSY`, and two callers would
/// both believe they redeemed the code.
pub(crate) fn consume_code_once(c: &mut AnyConnection, digest: &str, now: i64) -> QueryResult<bool> {
    let binds = vec![Bind::BigInt(now), Bind::Text(digest.to_owned())];
    Ok(Fixed::<ConsumeCodeOnce>::new(binds).execute(c)? == 1)
}

/// Stores a new refresh family.
pub(crate) fn insert_family(c: &mut AnyConnection, row: FamilyRow) -> QueryResult<()> {
    Fixed::<InsertFamily>::new(row.into_binds().into()).execute(c).map(drop)
}

/// Stores a refresh token.
pub(crate) fn insert_token(c: &mut AnyConnection, row: TokenRow) -> QueryResult<()> {
    Fixed::<InsertToken>::new(row.into_binds().into()).execute(c).map(drop)
}

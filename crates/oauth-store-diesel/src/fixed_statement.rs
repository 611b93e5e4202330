//! Hand-written SQL that Diesel prepares once per connection.
//!
//! `diesel::sql_query` marks its statement unsafe to cache, so SQLite parses
//! and plans it on every call and PostgreSQL receives it unnamed, parsed and
//! planned anew each time. The few statements our flows run on every
//! request are fixed texts instead: each has its own marker type, which is
//! its query id, so Diesel's statement cache keeps one prepared statement
//! per connection and text (a named prepared statement on PostgreSQL).
//!
//! A text marks each parameter with `?`, the values follow in that order
//! (a value used twice is bound twice), and Diesel writes each backend's
//! placeholder (`$n` or `?`) where the mark was. No text may hold a `?` of
//! its own.

use std::marker::PhantomData;

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Bool, HasSqlType, Nullable, Text, Untyped};
use diesel::{QueryResult, RunQueryDsl};

/// One fixed statement's text.
pub(crate) trait FixedSql: 'static {
    /// The text, `?` for each parameter.
    const SQL: &'static str;
}

/// A parameter value.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    NullableText(Option<String>),
    BigInt(i64),
    NullableBigInt(Option<i64>),
    Bool(bool),
}

/// A fixed statement with its values, run like any Diesel query (`load`,
/// `get_result`, `execute`); rows are read by name (`QueryableByName`).
#[derive(Debug)]
pub(crate) struct Fixed<S> {
    binds: Vec<Bind>,
    statement: PhantomData<S>,
}

impl<S: FixedSql> Fixed<S> {
    /// Statement `S` with `binds` for its marks, in order.
    pub(crate) fn new(binds: Vec<Bind>) -> Self {
        Self { binds, statement: PhantomData }
    }
}

impl<S: FixedSql> QueryId for Fixed<S> {
    type QueryId = S;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<S> Query for Fixed<S> {
    type SqlType = Untyped;
}

impl<S, Conn> RunQueryDsl<Conn> for Fixed<S> {}

impl<S, DB> QueryFragment<DB> for Fixed<S>
where
    S: FixedSql,
    DB: Backend + HasSqlType<Text> + HasSqlType<BigInt> + HasSqlType<Bool>,
    String: ToSql<Text, DB>,
    Option<String>: ToSql<Nullable<Text>, DB>,
    i64: ToSql<BigInt, DB>,
    Option<i64>: ToSql<Nullable<BigInt>, DB>,
    bool: ToSql<Bool, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        let mut pieces = S::SQL.split('?');
        out.push_sql(pieces.next().unwrap_or_default());
        let mut binds = self.binds.iter();
        for piece in pieces {
            match binds.next() {
                Some(Bind::Text(value)) => out.push_bind_param::<Text, _>(value)?,
                Some(Bind::NullableText(value)) => out.push_bind_param::<Nullable<Text>, _>(value)?,
                Some(Bind::BigInt(value)) => out.push_bind_param::<BigInt, _>(value)?,
                Some(Bind::NullableBigInt(value)) => out.push_bind_param::<Nullable<BigInt>, _>(value)?,
                Some(Bind::Bool(value)) => out.push_bind_param::<Bool, _>(value)?,
                None => return Err(mismatch::<S>(self.binds.len())),
            }
            out.push_sql(piece);
        }
        match binds.next() {
            Some(_) => Err(mismatch::<S>(self.binds.len())),
            None => Ok(()),
        }
    }
}

/// A statement given more or fewer values than its text has marks: a bug
/// in this crate, reported as a query error rather than a panic.
fn mismatch<S: FixedSql>(given: usize) -> diesel::result::Error {
    let marks = S::SQL.matches('?').count();
    diesel::result::Error::QueryBuilderError(
        format!("a fixed statement has {marks} parameters and was given {given} values").into(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a failed test

    use diesel::QueryableByName;
    use diesel::sqlite::Sqlite;

    use super::*;

    struct Sum;
    impl FixedSql for Sum {
        const SQL: &'static str = "SELECT ? + ? AS total, ? AS name";
    }

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Total {
        #[diesel(sql_type = BigInt)]
        total: i64,
        #[diesel(sql_type = Text)]
        name: String,
    }

    fn sqlite() -> diesel::SqliteConnection {
        diesel::Connection::establish(":memory:").unwrap()
    }

    #[test]
    fn binds_each_mark_in_order_on_each_backend() {
        let query = Fixed::<Sum>::new(vec![Bind::BigInt(2), Bind::BigInt(3), Bind::Text("five".into())]);
        assert_eq!(
            diesel::debug_query::<Sqlite, _>(&query).to_string().split(" -- ").next().unwrap(),
            "SELECT ? + ? AS total, ? AS name"
        );
        let pg = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
        assert!(pg.starts_with("SELECT $1 + $2 AS total, $3 AS name"), "{pg}");
        let row: Total = query.get_result(&mut sqlite()).unwrap();
        assert_eq!(row, Total { total: 5, name: "five".into() });
    }

    #[test]
    fn a_wrong_number_of_values_is_an_error_not_a_panic() {
        let too_few = Fixed::<Sum>::new(vec![Bind::BigInt(2)]);
        assert!(too_few.get_result::<Total>(&mut sqlite()).is_err());
        let too_many = Fixed::<Sum>::new(vec![Bind::BigInt(1); 4]);
        assert!(too_many.get_result::<Total>(&mut sqlite()).is_err());
    }
}

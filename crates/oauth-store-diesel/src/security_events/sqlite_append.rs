//! Appending a batch of events on SQLite: multi-row inserts of fixed sizes,
//! each a fixed statement (`crate::fixed_statement`) prepared once per
//! connection, so a batch of any size costs a few statements and builds no
//! SQL text (docs/pull-requests/024-event-writes.md has the measurements).

use diesel::SqliteConnection;
use diesel::prelude::*;

use super::EventRow;
use crate::fixed_statement::{Bind, Fixed, FixedSql};

/// The marks of 1, 2, 4, … 32 rows.
macro_rules! marks_1 {
    () => {
        "(?, ?, ?, ?, ?, ?)"
    };
}
macro_rules! marks_2 {
    () => {
        concat!(marks_1!(), ", ", marks_1!())
    };
}
macro_rules! marks_4 {
    () => {
        concat!(marks_2!(), ", ", marks_2!())
    };
}
macro_rules! marks_8 {
    () => {
        concat!(marks_4!(), ", ", marks_4!())
    };
}
macro_rules! marks_16 {
    () => {
        concat!(marks_8!(), ", ", marks_8!())
    };
}
macro_rules! marks_32 {
    () => {
        concat!(marks_16!(), ", ", marks_16!())
    };
}

/// An insert of a fixed number of events, stored in the order listed
/// (SQLite gives the rows of one `VALUES` increasing ids in that order).
trait AppendRows: FixedSql {
    const ROWS: usize;
}

macro_rules! append_rows {
    ($($name:ident: $rows:literal, $marks:ident;)+) => {$(
        struct $name;
        impl FixedSql for $name {
            const SQL: &'static str = concat!("INSERT INTO ", event_columns!(), " VALUES ", $marks!());
        }
        impl AppendRows for $name {
            const ROWS: usize = $rows;
        }
    )+};
}

append_rows! {
    Append32: 32, marks_32;
    Append16: 16, marks_16;
    Append8: 8, marks_8;
    Append4: 4, marks_4;
    Append2: 2, marks_2;
    Append1: 1, marks_1;
}

/// Appends `rows`: as many 32-row inserts as fit, then one each of 16, 8, 4,
/// 2 and 1 rows as the rest needs. A row of a multi-row insert costs about
/// half of a row inserted alone, and 32 rows bind 192 values, far below
/// SQLite's limit of 32,766. One statement is its own transaction; more
/// share one.
///
/// On the SQLite connection itself, not through `AnyConnection`: the
/// multi-backend connection collects every bound value a second time,
/// which costs more than the insert's own binding.
pub(super) fn append(c: &mut SqliteConnection, rows: Vec<EventRow>) -> QueryResult<()> {
    let statements = rows.len() / Append32::ROWS + (rows.len() % Append32::ROWS).count_ones() as usize;
    if statements == 1 {
        return append_in_sizes(c, rows);
    }
    c.transaction(|c| append_in_sizes(c, rows))
}

fn append_in_sizes(c: &mut SqliteConnection, rows: Vec<EventRow>) -> QueryResult<()> {
    let mut rows = rows.into_iter();
    append_while::<Append32>(c, &mut rows)?;
    append_while::<Append16>(c, &mut rows)?;
    append_while::<Append8>(c, &mut rows)?;
    append_while::<Append4>(c, &mut rows)?;
    append_while::<Append2>(c, &mut rows)?;
    append_while::<Append1>(c, &mut rows)
}

/// Inserts `S::ROWS` rows at a time while that many are left.
fn append_while<S: AppendRows>(
    c: &mut SqliteConnection,
    rows: &mut std::vec::IntoIter<EventRow>,
) -> QueryResult<()> {
    while rows.len() >= S::ROWS {
        let values = rows.by_ref().take(S::ROWS).flat_map(binds).collect();
        Fixed::<S>::new(values).execute(c)?;
    }
    Ok(())
}

/// A row's values for its six marks, in column order.
fn binds((occurred_at, kind, user, client, address, details): EventRow) -> [Bind; 6] {
    [
        Bind::BigInt(occurred_at),
        Bind::Text(kind),
        Bind::NullableText(user),
        Bind::NullableText(client),
        Bind::NullableText(address),
        Bind::Text(details),
    ]
}

#[cfg(all(test, feature = "test-support"))]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a panic is a failed test

    use oauth_core::ports::SecurityEventRepository;
    use oauth_core::security_event::{EventFilter, EventKind, SecurityEvent};
    use oauth_core::testing::fixtures::T0;

    use crate::testing::TestDatabase;
    use crate::{DieselStore, PoolOptions, run_migrations};

    /// A batch costs one insert per 32 events and one per power of two in
    /// the rest, and `BEGIN` and `COMMIT` only around more than one.
    #[tokio::test]
    async fn a_batch_takes_one_insert_per_power_of_two() {
        let db = TestDatabase::sqlite();
        run_migrations(db.url()).unwrap();
        let store = DieselStore::open(db.url(), &PoolOptions::default()).unwrap();
        let cases = [
            ("one event", 1, 1),
            ("a power of two", 16, 1),
            ("one full insert", 32, 1),
            ("two inserts", 3, 2 + 2),
            ("every size once", 63, 6 + 2),
            ("full inserts only", 64, 2 + 2),
            ("a writer's whole batch", 256, 8 + 2),
        ];
        for (name, events, round_trips) in cases {
            let batch = vec![SecurityEvent::new(EventKind::LoginSucceeded, T0); events];
            let before = store.round_trips();
            store.append(&batch).await.unwrap();
            assert_eq!(store.round_trips() - before, round_trips, "{name}: {events} events");
        }
        let stored = store.list(&EventFilter::default(), 1_000).await.unwrap();
        assert_eq!(stored.len(), cases.iter().map(|(_, events, _)| events).sum::<usize>());
    }
}

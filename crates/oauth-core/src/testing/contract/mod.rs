//! Port contract suites: the promises in each port's documentation, as async
//! test functions that every adapter (in-memory, SQLite, PostgreSQL) runs.

pub mod clients;
pub mod users;

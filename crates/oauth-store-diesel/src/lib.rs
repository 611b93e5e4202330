//! ManuMu Auth's storage adapter: Diesel repositories over one connection type
//! that is either SQLite (the embedded default) or PostgreSQL (for several
//! instances sharing one database).
//!
//! Diesel is synchronous: every call runs on tokio's blocking pool through
//! [`DieselStore::run`], never on an async worker, and no pooled connection is
//! held across an `.await`.

mod client_registrations;
mod clients;
mod codes;
mod connection;
mod consents;
mod convert;
mod device_authorizations;
mod error;
mod fixed_statement;
mod flow_writes;
mod grant_store;
mod granted_apps;
mod login_attempts;
mod migrations;
mod one_time_ids;
mod private_files;
mod pushed_requests;
mod readiness;
mod refresh_rotation;
mod refresh_tokens;
mod registration_tokens;
mod resources;
mod revoked_tokens;
mod round_trips;
mod schema;
mod security_events;
mod session_views;
mod sessions;
mod signing_keys;
mod store;
mod users;

#[cfg(feature = "test-support")]
pub mod testing;

pub use connection::{AnyConnection, DatabaseUrl, DatabaseUrlError};
pub use error::StoreError;
pub use migrations::{MigrationReport, run_migrations};
pub use private_files::create_folder as create_private_folder;
pub use store::{DieselStore, PoolOptions, PoolState};

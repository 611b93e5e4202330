//! One module per subcommand.

mod apply_file;
pub mod clients;
pub mod demo;
pub mod janitor;
pub mod keys;
pub mod migrate;
pub mod resources;
pub mod serve;
pub mod users;

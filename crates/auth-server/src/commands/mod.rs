//! One module per subcommand.

pub mod clients;
pub mod migrate;
pub mod serve;
pub mod users;

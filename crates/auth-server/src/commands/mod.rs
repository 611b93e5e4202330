//! One module per subcommand.

pub mod migrate;
pub mod serve;
pub mod users;

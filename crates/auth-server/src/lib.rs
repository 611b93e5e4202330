//! ManuMu Auth's server binary as a library: configuration, composition and
//! commands, so that the end-to-end tests build the same application the
//! binary runs.

pub mod app;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod exit;
pub mod janitor;
pub mod telemetry;

use cli::{Cli, Command, ServeArgs};
use exit::CommandError;

/// Runs a parsed command line to completion.
pub async fn run(cli: Cli) -> Result<(), CommandError> {
    let config = config::load(cli.config.as_deref())?;
    telemetry::init(config.log_format, &config.log_level);
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => commands::serve::run(&config, &args).await,
        Command::Migrate => commands::migrate::run(&config).await,
        Command::Users(command) => commands::users::run(&config, command).await,
        Command::Clients(command) => commands::clients::run(&config, command).await,
        Command::Keys(command) => commands::keys::run(&config, command).await,
        Command::Janitor => commands::janitor::run(&config).await,
    }
}

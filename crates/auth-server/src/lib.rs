//! ManuMu Auth's server binary as a library: configuration, composition and
//! commands, so that the end-to-end tests build the same application the
//! binary runs.

pub mod app;
pub mod cache;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod exit;
pub mod janitor;
pub mod outbound;
mod private_files;
pub mod security_events;
pub mod telemetry;

use cli::{Cli, Command, ServeArgs};
use exit::CommandError;

/// Runs a parsed command line to completion.
pub async fn run(cli: Cli) -> Result<(), CommandError> {
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    // It describes the schema, so a missing or broken configuration must not stop it.
    if let Command::ConfigKeys = command {
        return print_config_keys();
    }
    let config = config::load(cli.config.as_deref())?;
    let telemetry = telemetry::init(&config.logging)?;
    let outcome = match command {
        Command::ConfigKeys => print_config_keys(),
        Command::Serve(args) => commands::serve::run(&config, &args).await,
        Command::Migrate => commands::migrate::run(&config).await,
        Command::Users(command) => commands::users::run(&config, command).await,
        Command::Clients(command) => commands::clients::run(&config, command).await,
        Command::Resources(command) => commands::resources::run(&config, command).await,
        Command::RegistrationTokens(command) => commands::registration_tokens::run(&config, command).await,
        Command::Keys(command) => commands::keys::run(&config, command).await,
        Command::Events(command) => commands::events::run(&config, command).await,
        Command::Janitor => commands::janitor::run(&config).await,
    };
    // After the server drained, so that its last spans are exported too.
    telemetry.shutdown().await;
    outcome
}

/// The schema's keys, one per line: what `scripts/repo-audit.sh` checks README.md against.
fn print_config_keys() -> Result<(), CommandError> {
    exit::say(&config::RawSettings::keys().join("\n"))
}

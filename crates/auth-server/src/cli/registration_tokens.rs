//! The arguments of `auth-server registration-tokens …` (the subcommands
//! themselves are in `cli.rs`, where the repository audit reads them).

use clap::Args;

use super::JsonFlag;

/// Arguments of `registration-tokens create`.
#[derive(Debug, Args)]
pub struct CreateRegistrationToken {
    /// Registrations the token allows (1 to 10000).
    #[arg(long, default_value_t = 1)]
    pub uses: u32,
    /// How long the token is accepted (e.g. 1h, 7d; 1 minute to 365 days).
    #[arg(long, value_name = "DURATION", default_value = "24h")]
    pub ttl: String,
    #[command(flatten)]
    pub output: JsonFlag,
}

/// Arguments naming one registration token.
#[derive(Debug, Args)]
pub struct RegistrationTokenArgs {
    /// The token's id, as `registration-tokens list` shows it (never the token).
    pub id: String,
    #[command(flatten)]
    pub output: JsonFlag,
}

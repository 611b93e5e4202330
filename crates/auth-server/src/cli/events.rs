//! The arguments of `auth-server events …` (the subcommands themselves are
//! in `cli.rs`, where the repository audit reads them).

use clap::Args;

use super::JsonFlag;

/// Arguments of `events list`.
#[derive(Debug, Args)]
pub struct ListEvents {
    /// Only events this recent (e.g. 30m, 24h, 7d).
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
    /// Only events about the user with this email.
    #[arg(long, value_name = "EMAIL")]
    pub user: Option<String>,
    /// Only events about this client.
    #[arg(long, value_name = "ID")]
    pub client: Option<String>,
    /// Only events of this kind (e.g. login_failed, tokens_issued).
    #[arg(long, value_name = "K")]
    pub kind: Option<String>,
    /// At most this many events, the newest (1 to 100000).
    #[arg(long, default_value_t = 1000)]
    pub limit: u32,
    #[command(flatten)]
    pub output: JsonFlag,
}

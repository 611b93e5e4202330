//! The arguments of `auth-server resources …` (the subcommands themselves
//! are in `cli.rs`, where the repository audit reads them).

// Doc comments here are the `--help` text operators read.
#![allow(clippy::doc_markdown)]

use clap::Args;

use super::JsonFlag;

/// Arguments of `resources create`.
#[derive(Debug, Args)]
pub struct CreateResource {
    /// The API's identifier: an absolute https URI without fragment, kept exactly as written.
    #[arg(long, value_name = "URI")]
    pub uri: String,
    /// What the consent page calls the API.
    #[arg(long)]
    pub name: String,
    /// A scope the API defines, declared in the configuration's scopes (repeatable).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Clients registered without an administrator may ask for this API (off by default).
    #[arg(long)]
    pub allow_dynamic_clients: bool,
    /// Lifetime of its access tokens (e.g. 5m, 1h; 1 minute to 24 hours); the server's by default.
    #[arg(long, value_name = "DURATION")]
    pub access_token_ttl: Option<String>,
    /// ES256 or RS256 for its access tokens; the server's by default.
    #[arg(long, value_name = "ALG")]
    pub access_token_alg: Option<String>,
    #[command(flatten)]
    pub output: JsonFlag,
}

/// Arguments naming one resource.
#[derive(Debug, Args)]
pub struct ResourceArgs {
    /// The resource's URI, exactly as registered.
    pub uri: String,
    #[command(flatten)]
    pub output: JsonFlag,
}

/// Arguments of `resources update`: a repeated list replaces the registered one.
#[derive(Debug, Args)]
pub struct UpdateResource {
    /// The resource's URI, exactly as registered.
    pub uri: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Remove every scope.
    #[arg(long, conflicts_with = "scopes")]
    pub clear_scopes: bool,
    /// true or false: clients registered without an administrator may ask for it.
    #[arg(long, value_name = "BOOL")]
    pub allow_dynamic_clients: Option<bool>,
    #[arg(long, value_name = "DURATION")]
    pub access_token_ttl: Option<String>,
    /// Back to the server's access-token lifetime.
    #[arg(long, conflicts_with = "access_token_ttl")]
    pub clear_access_token_ttl: bool,
    #[arg(long, value_name = "ALG")]
    pub access_token_alg: Option<String>,
    /// Back to the server's access-token algorithm.
    #[arg(long, conflicts_with = "access_token_alg")]
    pub clear_access_token_alg: bool,
    #[command(flatten)]
    pub output: JsonFlag,
}

/// Arguments of `resources metadata`.
#[derive(Debug, Args)]
pub struct MetadataArgs {
    /// The resource's URI, exactly as registered.
    pub uri: String,
}

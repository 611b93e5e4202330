//! The command line. Subcommand names are what operators type; the repository
//! audit reads these enums (variant names in kebab-case) to check the docs.

// Doc comments here are the `--help` text operators read, where Markdown
// backticks would print literally.
#![allow(clippy::doc_markdown)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

mod events;
mod registration_tokens;
mod resources;
pub use events::ListEvents;
pub use registration_tokens::{CreateRegistrationToken, RegistrationTokenArgs};
pub use resources::{CreateResource, MetadataArgs, ResourceArgs, UpdateResource};

/// ManuMu Auth: an OAuth 2.1 / OpenID Connect authorization server.
#[derive(Debug, Parser)]
#[command(name = "auth-server", version, about)]
pub struct Cli {
    /// TOML configuration file; every key can also be set as AUTH_<KEY>.
    #[arg(long, global = true, env = "AUTH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do; `serve` when none is given.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Migrate the database, then serve HTTP until SIGTERM or SIGINT.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit (idempotent).
    Migrate,
    /// Manage resource owners (the people who sign in).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage OAuth clients: register, update, rotate, disable, delete.
    #[command(subcommand)]
    Clients(ClientsCommand),
    /// Manage resource servers: the APIs access tokens are for (RFC 8707).
    #[command(subcommand)]
    Resources(ResourcesCommand),
    /// Initial access tokens for dynamic client registration (RFC 7591 §3).
    #[command(subcommand)]
    RegistrationTokens(RegistrationTokensCommand),
    /// Signing keys: list them, rotate them.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The security event log: who signed in, got tokens, changed clients (oldest first).
    #[command(subcommand)]
    Events(EventsCommand),
    /// Delete expired codes, sessions, counters, refresh families and retired keys once (for cron).
    Janitor,
    /// Print every configuration key, one per line; reads no configuration.
    ConfigKeys,
}

/// `auth-server events …`
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// List security events, oldest first, filtered by time, user, client and kind.
    List(ListEvents),
}

/// Arguments of `serve`.
#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Create (if absent) a demo user and a demo public client on the embedded SQLite
    /// database, and print the credentials, an authorization URL and the token request.
    #[arg(long)]
    pub demo: bool,
}

/// `auth-server keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// List signing keys: kid, algorithm, state (next, active, retired) and dates
    /// (a fresh database gets its first keys, as at the first `serve`).
    List(JsonFlag),
    /// Retire the active key, activate the next one (already published) and create a new next.
    Rotate(RotateKeys),
}

/// Arguments of `keys rotate`.
#[derive(Debug, Args)]
pub struct RotateKeys {
    /// RS256 or ES256; both when omitted.
    #[arg(long, value_name = "ALG")]
    pub alg: Option<String>,
}

/// `auth-server clients …`
#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Register a client; prints its client_id and, for a confidential client, its secret (once).
    Create(CreateClient),
    /// List clients, ordered by name.
    List(JsonFlag),
    /// Show one client.
    Show(ClientArgs),
    /// Change redirect URIs, origins, scopes, grants, logout URIs, resources, skip_consent or introspect-any.
    Update(UpdateClient),
    /// Issue a new secret now; with --grace the previous one keeps working until the grace ends.
    RotateSecret(RotateSecret),
    /// Refuse a client everywhere, keeping its record.
    Disable(ClientArgs),
    /// Accept a disabled client again.
    Enable(ClientArgs),
    /// Remove a client and its secrets.
    Delete(ClientArgs),
    /// Create or update the clients of a TOML file, matched by name; idempotent.
    Apply(ApplyFile),
}

/// `--json`: one JSON document on stdout, for scripts.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `clients create`.
#[derive(Debug, Args)]
#[expect(clippy::struct_excessive_bools, reason = "one command-line switch per client flag")]
pub struct CreateClient {
    /// Unique display name (shown on the consent page).
    #[arg(long)]
    pub name: String,
    /// `confidential` (can keep a secret) or `public` (native or browser app).
    #[arg(long = "type", value_name = "TYPE")]
    pub client_type: String,
    /// client_secret_basic (default for confidential), client_secret_post,
    /// private_key_jwt (with --jwks-file or --jwks-uri), or none (public).
    #[arg(long)]
    pub auth_method: Option<String>,
    /// private_key_jwt: a file holding the client's public keys, a JWK Set.
    #[arg(long, value_name = "FILE")]
    pub jwks_file: Option<PathBuf>,
    /// private_key_jwt: the https URL where the client publishes its JWK Set.
    #[arg(long, value_name = "URL", conflicts_with = "jwks_file")]
    pub jwks_uri: Option<String>,
    /// A redirect URI, registered exactly (repeat for several).
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    /// A browser origin allowed for CORS, scheme://host[:port] (repeatable).
    #[arg(long = "origin", value_name = "ORIGIN")]
    pub origins: Vec<String>,
    /// A scope the client may request (repeatable).
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// A grant type: authorization_code, refresh_token, client_credentials, device_code (repeatable).
    #[arg(long = "grant", value_name = "GRANT")]
    pub grants: Vec<String>,
    /// RS256 (default) or ES256.
    #[arg(long)]
    pub id_token_alg: Option<String>,
    /// First-party app: skip the consent page.
    #[arg(long)]
    pub skip_consent: bool,
    /// Where RP-initiated logout may return to, registered exactly (repeatable).
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,
    /// A resource server that may introspect every client's tokens.
    #[arg(long)]
    pub introspect_any: bool,
    /// Accept only pushed authorization requests (RFC 9126) from this client.
    #[arg(long)]
    pub require_par: bool,
    /// Require a DPoP proof (RFC 9449) with every token request of this client.
    #[arg(long)]
    pub dpop_bound: bool,
    /// A registered resource (API) the client may ask tokens for, by URI (repeatable).
    #[arg(long = "resource", value_name = "URI")]
    pub resources: Vec<String>,
    #[command(flatten)]
    pub output: JsonFlag,
}

/// Arguments naming one client.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The client_id.
    pub id: String,
    #[command(flatten)]
    pub output: JsonFlag,
}

/// Arguments of `clients update`: a repeated list replaces the registered one.
#[derive(Debug, Args)]
pub struct UpdateClient {
    /// The client_id.
    pub id: String,
    #[arg(long = "redirect-uri", value_name = "URI")]
    pub redirect_uris: Vec<String>,
    #[arg(long = "origin", value_name = "ORIGIN")]
    pub origins: Vec<String>,
    /// Remove every allowed origin.
    #[arg(long, conflicts_with = "origins")]
    pub clear_origins: bool,
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    #[arg(long = "grant", value_name = "GRANT")]
    pub grants: Vec<String>,
    /// true or false.
    #[arg(long, value_name = "BOOL")]
    pub skip_consent: Option<bool>,
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Remove every post-logout redirect URI.
    #[arg(long, conflicts_with = "post_logout_redirect_uris")]
    pub clear_post_logout_redirect_uris: bool,
    /// true or false: may introspect every client's tokens.
    #[arg(long, value_name = "BOOL")]
    pub introspect_any: Option<bool>,
    /// true or false: accept only pushed authorization requests (RFC 9126).
    #[arg(long, value_name = "BOOL")]
    pub require_par: Option<bool>,
    /// true or false: require a DPoP proof (RFC 9449) with every token request.
    #[arg(long, value_name = "BOOL")]
    pub dpop_bound: Option<bool>,
    /// private_key_jwt: replace the client's public keys with this JWK Set file.
    #[arg(long, value_name = "FILE")]
    pub jwks_file: Option<PathBuf>,
    /// private_key_jwt: replace the client's public keys with the set published here.
    #[arg(long, value_name = "URL", conflicts_with = "jwks_file")]
    pub jwks_uri: Option<String>,
    #[arg(long = "resource", value_name = "URI")]
    pub resources: Vec<String>,
    /// Remove every resource: the client's tokens carry the server's default audience.
    #[arg(long, conflicts_with = "resources")]
    pub clear_resources: bool,
    #[command(flatten)]
    pub output: JsonFlag,
}

/// Arguments of `clients rotate-secret`.
#[derive(Debug, Args)]
pub struct RotateSecret {
    /// The client_id.
    pub id: String,
    /// Keep the previous secret working this long (e.g. 24h, 90m, 7d).
    #[arg(long, value_name = "DURATION")]
    pub grace: Option<String>,
    #[command(flatten)]
    pub output: JsonFlag,
}

/// Arguments of `clients apply` and `resources apply`.
#[derive(Debug, Args)]
pub struct ApplyFile {
    /// A TOML file with one `[[clients]]` (or `[[resources]]`) table per entry.
    pub file: PathBuf,
    #[command(flatten)]
    pub output: JsonFlag,
}

/// `auth-server resources …`
#[derive(Debug, Subcommand)]
pub enum ResourcesCommand {
    /// Register an API; its URI is what clients send as `resource` and the `aud` of its tokens.
    Create(CreateResource),
    /// List resources, ordered by URI.
    List(JsonFlag),
    /// Show one resource.
    Show(ResourceArgs),
    /// Change a resource's name, scopes, dynamic-client flag, token lifetime or algorithm.
    Update(UpdateResource),
    /// Remove a resource.
    Delete(ResourceArgs),
    /// Create or update the resources of a TOML file, matched by URI; idempotent.
    Apply(ApplyFile),
    /// Print the RFC 9728 protected-resource metadata the API should serve.
    Metadata(MetadataArgs),
}

/// `auth-server users …`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is read from a prompt or from stdin, never from argv.
    Create(CreateUser),
    /// List users, ordered by email.
    List,
    /// Stop a user from signing in; ends the user's sessions and tokens.
    Disable(UserByEmail),
    /// Let a disabled user sign in again.
    Enable(UserByEmail),
    /// Replace a user's password (prompt or stdin); ends the user's sessions and tokens.
    SetPassword(SetPassword),
    /// End every session of a user and revoke the user's refresh and access tokens.
    SignOut(UserByEmail),
}

/// Arguments of `users create`.
#[derive(Debug, Args)]
pub struct CreateUser {
    /// Sign-in email address (unique, case-insensitive).
    #[arg(long)]
    pub email: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Mark the email address as verified (the `email_verified` claim).
    #[arg(long)]
    pub email_verified: bool,
    #[command(flatten)]
    pub password: PasswordInput,
}

/// Arguments of `users set-password`.
#[derive(Debug, Args)]
pub struct SetPassword {
    /// The user's email address.
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub password: PasswordInput,
}

/// Arguments naming one user.
#[derive(Debug, Args)]
pub struct UserByEmail {
    /// The user's email address.
    #[arg(long)]
    pub email: String,
}

/// Where a password comes from.
#[derive(Debug, Args)]
pub struct PasswordInput {
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,

    /// Refused: a password on the command line leaks into shell history and
    /// the process list. Accepted by the parser only to explain that.
    #[arg(long, hide = true, value_name = "REFUSED")]
    pub password: Option<String>,
}

/// `auth-server registration-tokens …`
#[derive(Debug, Subcommand)]
pub enum RegistrationTokensCommand {
    /// Create a token; prints it once (stored only as a digest).
    Create(CreateRegistrationToken),
    /// List tokens (never their values), oldest first.
    List(JsonFlag),
    /// Revoke a token: it allows no further registration.
    Revoke(RegistrationTokenArgs),
}

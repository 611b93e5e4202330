//! The command line. Subcommand names are what operators type; the repository
//! audit reads these enums (variant names in kebab-case) to check the docs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    Serve,
    /// Apply pending database migrations and exit (idempotent).
    Migrate,
    /// Manage resource owners (the people who sign in).
    #[command(subcommand)]
    Users(UsersCommand),
}

/// `auth-server users …`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create a user; the password is read from a prompt or from stdin, never from argv.
    Create(CreateUser),
    /// List users, ordered by email.
    List,
    /// Stop a user from signing in.
    Disable(UserByEmail),
    /// Let a disabled user sign in again.
    Enable(UserByEmail),
    /// Replace a user's password (prompt or stdin).
    SetPassword(SetPassword),
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

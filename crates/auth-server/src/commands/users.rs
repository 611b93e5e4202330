//! `auth-server users …`: every input is checked before the database is
//! opened, so a refused command leaves nothing behind.

use std::io::{BufRead, IsTerminal};

use oauth_core::password::Password;
use oauth_core::ports::UserPage;
use oauth_core::service::users::{NewUser, UserError};
use oauth_core::user::{DisplayName, Email, User};
use secrecy::SecretString;
use time::format_description::well_known::Rfc3339;

use super::audited::{CommandEvents, recording};
use crate::app::{open_store, user_service};
use crate::cli::{PasswordInput, UsersCommand};
use crate::config::Config;
use crate::exit::{CommandError, say};

/// Runs one `users` subcommand; the changes it makes are recorded as
/// security events before it returns.
pub async fn run(config: &Config, command: UsersCommand) -> Result<(), CommandError> {
    recording(async |events| run_recorded(config, command, events).await).await
}

async fn run_recorded(
    config: &Config,
    command: UsersCommand,
    events: &CommandEvents,
) -> Result<(), CommandError> {
    let open_service = |config| open_service(config, events);
    match command {
        UsersCommand::Create(args) => {
            Email::parse(&args.email).map_err(CommandError::refused)?;
            DisplayName::parse(&args.name).map_err(CommandError::refused)?;
            let password = read_password(&args.password)?;
            let service = open_service(config).await?;
            let user = service
                .create(NewUser {
                    email: args.email,
                    display_name: args.name,
                    password,
                    email_verified: args.email_verified,
                })
                .await
                .map_err(user_error)?;
            say(&format!("created user {} <{}>", user.id, user.email))
        }
        UsersCommand::List => list(config).await,
        UsersCommand::Disable(args) => {
            Email::parse(&args.email).map_err(CommandError::refused)?;
            let user = open_service(config).await?.disable(&args.email).await.map_err(user_error)?;
            say(&format!("disabled user {} <{}>; every session and token ended", user.id, user.email))
        }
        UsersCommand::Enable(args) => {
            Email::parse(&args.email).map_err(CommandError::refused)?;
            let user = open_service(config).await?.enable(&args.email).await.map_err(user_error)?;
            say(&format!("enabled user {} <{}>", user.id, user.email))
        }
        UsersCommand::SetPassword(args) => {
            Email::parse(&args.email).map_err(CommandError::refused)?;
            let password = read_password(&args.password)?;
            let service = open_service(config).await?;
            service.set_password(&args.email, password).await.map_err(user_error)?;
            say(&format!("password changed for <{}>; every session and token ended", args.email.trim()))
        }
        UsersCommand::SignOut(args) => {
            Email::parse(&args.email).map_err(CommandError::refused)?;
            let (user, ended) =
                open_service(config).await?.sign_out(&args.email).await.map_err(user_error)?;
            say(&format!(
                "signed out user {} <{}>: {} sessions ended, {} refresh families revoked",
                user.id, user.email, ended.sessions, ended.families
            ))
        }
    }
}

async fn open_service(
    config: &Config,
    events: &CommandEvents,
) -> Result<oauth_core::service::users::UserService, CommandError> {
    let (store, _report) = open_store(config).await?;
    let audit = events.audit(&store);
    Ok(user_service(config, store)?.auditing(audit))
}

async fn list(config: &Config) -> Result<(), CommandError> {
    let service = open_service(config, &CommandEvents::default()).await?;
    let mut page = UserPage { after: None, limit: 500 };
    let mut lines = vec![format!(
        "{:<36}  {:<32}  {:<24}  {:<8}  {:<8}  {}",
        "ID", "EMAIL", "NAME", "VERIFIED", "DISABLED", "CREATED"
    )];
    loop {
        let users = service.list(&page).await.map_err(user_error)?;
        lines.extend(users.iter().map(row));
        match users.last() {
            Some(last) if users.len() == page.limit as usize => {
                page.after = Some(last.email.key().to_owned());
            }
            _ => break,
        }
    }
    say(&lines.join("\n"))
}

fn row(user: &User) -> String {
    let created =
        user.created_at.format(&Rfc3339).unwrap_or_else(|_| user.created_at.unix_timestamp().to_string());
    format!(
        "{:<36}  {:<32}  {:<24}  {:<8}  {:<8}  {created}",
        user.id.to_string(),
        user.email.as_str(),
        user.display_name.as_str(),
        if user.email_verified { "yes" } else { "no" },
        if user.disabled { "yes" } else { "no" },
    )
}

/// Reads the password from stdin or a prompt, and checks the policy before
/// anything is opened. Never from argv.
fn read_password(input: &PasswordInput) -> Result<SecretString, CommandError> {
    if input.password.is_some() {
        // SECURITY: argv is visible in `ps` to every local user and lands in shell history.
        return Err(CommandError::Usage(
            "--password is refused: a password on the command line leaks into shell history and \
             the process list; use --password-stdin or answer the prompt"
                .into(),
        ));
    }
    let secret = if input.password_stdin { from_stdin()? } else { from_prompt()? };
    let checked = Password::new(secret).map_err(CommandError::refused)?;
    Ok(SecretString::from(checked.expose().to_owned()))
}

fn from_stdin() -> Result<SecretString, CommandError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CommandError::Usage(format!("cannot read the password from stdin: {e}")))?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(SecretString::from(password.to_owned()))
}

fn from_prompt() -> Result<SecretString, CommandError> {
    // A prompt reads the controlling terminal, not stdin: when stdin is piped or
    // closed (scripts, CI) the caller meant to send the password there.
    if !std::io::stdin().is_terminal() {
        return Err(CommandError::Usage(
            "standard input is not a terminal, so there is nobody to prompt; \
             pipe the password in with --password-stdin"
                .into(),
        ));
    }
    let no_terminal = |e: std::io::Error| {
        CommandError::Usage(format!("cannot prompt for a password ({e}); pipe it in with --password-stdin"))
    };
    let first = rpassword::prompt_password("Password: ").map_err(no_terminal)?;
    let again = rpassword::prompt_password("Repeat password: ").map_err(no_terminal)?;
    if first != again {
        return Err(CommandError::Usage("the two passwords differ; nothing was changed".into()));
    }
    Ok(SecretString::from(first))
}

fn user_error(error: UserError) -> CommandError {
    if error.is_bad_input() { CommandError::refused(error) } else { CommandError::Runtime(error.to_string()) }
}

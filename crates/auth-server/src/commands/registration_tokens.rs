//! `auth-server registration-tokens …`: the initial access tokens an
//! operator hands to clients that register themselves (RFC 7591 §3). A
//! token is printed once, at creation; the database keeps its digest.

use std::sync::Arc;

use oauth_core::ports::Clock as _;
use oauth_core::registration_token::RegistrationToken;
use oauth_core::service::registration_tokens::{RegistrationTokenError, RegistrationTokenService};
use oauth_keys::OsRandom;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::app::open_store;
use crate::cli::RegistrationTokensCommand;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::exit::{CommandError, say};

/// Runs one `registration-tokens` subcommand.
pub async fn run(config: &Config, command: RegistrationTokensCommand) -> Result<(), CommandError> {
    match command {
        RegistrationTokensCommand::Create(args) => {
            let ttl = super::parse_duration("ttl", &args.ttl)?;
            let (token, secret) = service(config).await?.create(args.uses, ttl).await.map_err(token_error)?;
            if args.output.json {
                let mut value = describe(&token);
                if let Some(object) = value.as_object_mut() {
                    object.insert("token".into(), Value::String(secret.expose().to_owned()));
                }
                return say(&value.to_string());
            }
            say(&format!(
                "id:         {}\ntoken:      {}\nuses:       {}\nexpires_at: {}\n\nThe token is shown once; only its digest is stored.",
                token.id,
                secret.expose(),
                token.max_uses,
                time(token.expires_at)
            ))
        }
        RegistrationTokensCommand::List(output) => {
            let tokens = service(config).await?.list().await.map_err(token_error)?;
            if output.json {
                return say(&Value::Array(tokens.iter().map(describe).collect()).to_string());
            }
            let mut lines =
                vec![format!("{:<36}  {:<11}  {:<20}  {}", "ID", "USES LEFT", "EXPIRES", "STATE")];
            lines.extend(tokens.iter().map(|t| {
                let uses = format!("{}/{}", t.uses_left, t.max_uses);
                format!(
                    "{:<36}  {:<11}  {:<20}  {}",
                    t.id,
                    uses,
                    time(t.expires_at),
                    state(t, SystemClock.now())
                )
            }));
            say(&lines.join("\n"))
        }
        RegistrationTokensCommand::Revoke(args) => {
            service(config).await?.revoke(&args.id).await.map_err(token_error)?;
            if args.output.json {
                say(&json!({ "revoked": args.id }).to_string())
            } else {
                say(&format!("revoked registration token {}", args.id))
            }
        }
    }
}

async fn service(config: &Config) -> Result<RegistrationTokenService, CommandError> {
    let (store, _) = open_store(config).await?;
    Ok(RegistrationTokenService::new(Arc::new(store), Arc::new(SystemClock), Arc::new(OsRandom::new())))
}

fn time(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// What the token allows now: revoked wins over used up, used up over expired.
fn state(token: &RegistrationToken, now: time::OffsetDateTime) -> &'static str {
    match (token.revoked_at, token.uses_left) {
        (Some(_), _) => "revoked",
        (None, 0) => "used up",
        (None, _) if now >= token.expires_at => "expired",
        (None, _) => "active",
    }
}

/// A token as JSON, never its value.
fn describe(token: &RegistrationToken) -> Value {
    json!({
        "id": token.id.to_string(),
        "max_uses": token.max_uses,
        "uses_left": token.uses_left,
        "created_at": time(token.created_at),
        "expires_at": time(token.expires_at),
        "revoked_at": token.revoked_at.map(time),
        "state": state(token, SystemClock.now()),
    })
}

fn token_error(error: RegistrationTokenError) -> CommandError {
    if error.is_bad_input() { CommandError::refused(error) } else { CommandError::Runtime(error.to_string()) }
}

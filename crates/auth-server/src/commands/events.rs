//! `auth-server events list`: the security event table, read-only. Filters
//! are checked before the database is opened.

use std::sync::Arc;

use oauth_core::client::ClientId;
use oauth_core::ports::{Clock, SecurityEventRepository, UserRepository};
use oauth_core::security_event::{ChangeSource, EventFilter, EventKind, SecurityEvent};
use oauth_core::user::Email;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::app::open_store;
use crate::cli::{EventsCommand, ListEvents};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::exit::{CommandError, say};
use crate::security_events::reason_name;

/// The most events one listing prints.
const MAX_LIMIT: u32 = 100_000;

/// Runs one `events` subcommand.
pub async fn run(config: &Config, command: EventsCommand) -> Result<(), CommandError> {
    match command {
        EventsCommand::List(args) => list(config, &args, Arc::new(SystemClock)).await,
    }
}

async fn list(config: &Config, args: &ListEvents, clock: Arc<dyn Clock>) -> Result<(), CommandError> {
    if !(1..=MAX_LIMIT).contains(&args.limit) {
        return Err(CommandError::refused(format!("`--limit`: must be between 1 and {MAX_LIMIT}")));
    }
    let mut filter = EventFilter {
        since: args
            .since
            .as_deref()
            .map(|text| {
                let ago = super::parse_duration("--since", text)?;
                // An enormous duration means "since the beginning".
                Ok::<_, CommandError>(
                    clock.now().checked_sub(ago).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
                )
            })
            .transpose()?,
        kind: args
            .kind
            .as_deref()
            .map(|text| {
                EventKind::parse(text).map_err(|_| {
                    let known: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
                    CommandError::refused(format!("`--kind`: {text:?} is not one of {}", known.join(", ")))
                })
            })
            .transpose()?,
        client: args
            .client
            .as_deref()
            .map(|text| ClientId::parse(text).map_err(|e| CommandError::refused(format!("`--client`: {e}"))))
            .transpose()?,
        user: None,
    };
    let email = args
        .user
        .as_deref()
        .map(|text| Email::parse(text).map_err(|e| CommandError::refused(format!("`--user`: {e}"))))
        .transpose()?;
    let (store, _) = open_store(config).await?;
    if let Some(email) = email {
        let runtime = |e: oauth_core::RepoError| CommandError::Runtime(e.to_string());
        let Some(user) = store.find_by_email(&email).await.map_err(runtime)? else {
            return Err(CommandError::refused(format!("`--user`: no user {email}")));
        };
        filter.user = Some(user.id);
    }
    let events = SecurityEventRepository::list(&store, &filter, args.limit)
        .await
        .map_err(|e| CommandError::Runtime(e.to_string()))?;
    if args.output.json {
        return say(&Value::Array(events.iter().map(describe).collect()).to_string());
    }
    let mut lines =
        vec![format!("{:<20}  {:<28}  {:<36}  {:<24}  {}", "TIME", "KIND", "USER", "CLIENT", "DETAILS")];
    lines.extend(events.iter().map(|event| {
        let details = describe(event)["details"].to_string();
        format!(
            "{:<20}  {:<28}  {:<36}  {:<24}  {}",
            time(event.occurred_at),
            event.kind.as_str(),
            event.user.map(|user| user.to_string()).unwrap_or_default(),
            event.client.as_ref().map(ClientId::as_str).unwrap_or_default(),
            details
        )
    }));
    say(&lines.join("\n"))
}

fn time(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// An event as JSON: its subjects, and each detail it has.
fn describe(event: &SecurityEvent) -> Value {
    let d = &event.details;
    let mut details = serde_json::Map::new();
    let mut put = |name: &str, value: Option<Value>| {
        if let Some(value) = value {
            details.insert(name.to_owned(), value);
        }
    };
    put("address", event.address.map(|a| json!(a.to_string())));
    put("grant", d.grant.as_ref().map(|g| json!(g)));
    put("client_type", d.client_type.as_ref().map(|t| json!(t)));
    put("scope", d.scope.as_ref().map(|s| json!(s)));
    put("resources", (!d.resources.is_empty()).then(|| json!(d.resources)));
    put("jti", d.jti.as_ref().map(|j| json!(j)));
    put("reason", d.reason.map(|r| json!(reason_name(r))));
    put("families", d.families.map(|f| json!(f)));
    put(
        "source",
        d.source.map(|s| {
            json!(match s {
                ChangeSource::Cli => "cli",
                ChangeSource::Registration => "registration",
            })
        }),
    );
    put("disabled", d.disabled.map(|b| json!(b)));
    put("kid", d.kid.as_ref().map(|k| json!(k)));
    json!({
        "occurred_at": time(event.occurred_at),
        "kind": event.kind.as_str(),
        "user_id": event.user.map(|user| user.to_string()),
        "client_id": event.client.as_ref().map(ClientId::as_str),
        "details": Value::Object(details),
    })
}

//! `auth-server clients …`: the admin-only client registry. Inputs are
//! validated before the database is opened, so a refused command writes nothing.

use std::path::Path;

use oauth_core::client::{Client, ClientKeys, ClientSecret, ClientSpec, JwksUri};
use oauth_core::service::clients::{ApplyOutcome, ClientError, ClientService, ClientUpdate};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use super::audited::{CommandEvents, recording};
use crate::app::{client_service, open_store};
use crate::cli::{ClientsCommand, CreateClient, UpdateClient};
use crate::config::Config;
use crate::exit::{CommandError, say};

/// Runs one `clients` subcommand; the changes it makes are recorded as
/// security events before it returns.
pub async fn run(config: &Config, command: ClientsCommand) -> Result<(), CommandError> {
    recording(async |events| run_recorded(config, command, events).await).await
}

async fn run_recorded(
    config: &Config,
    command: ClientsCommand,
    events: &CommandEvents,
) -> Result<(), CommandError> {
    let service = |config| service(config, events);
    match command {
        ClientsCommand::Create(args) => {
            let mut spec = create_spec(&args);
            spec.jwks = args.jwks_file.as_deref().map(super::apply_file::read_jwks).transpose()?;
            spec.validate(&config.scopes).map_err(CommandError::refused)?;
            super::apply_file::check_jwks_uri(config, spec.jwks_uri.as_deref())?;
            let (client, secret) = service(config).await?.create(&spec).await.map_err(client_error)?;
            print_client(&client, secret.as_ref(), args.output.json)
        }
        ClientsCommand::List(output) => {
            let clients = service(config).await?.list().await.map_err(client_error)?;
            if output.json {
                return say(&Value::Array(clients.iter().map(|c| describe(c, None)).collect()).to_string());
            }
            let mut lines = vec![format!(
                "{:<22}  {:<24}  {:<12}  {:<17}  {:<8}  {}",
                "CLIENT_ID", "NAME", "TYPE", "ORIGIN", "DISABLED", "REDIRECT URIS"
            )];
            lines.extend(clients.iter().map(|c| {
                let uris: Vec<&str> = strs(&c.metadata.redirect_uris);
                format!(
                    "{:<22}  {:<24}  {:<12}  {:<17}  {:<8}  {}",
                    c.id.as_str(),
                    c.metadata.name,
                    c.metadata.client_type.as_str(),
                    c.origin.as_str(),
                    if c.disabled { "yes" } else { "no" },
                    uris.join(" ")
                )
            }));
            say(&lines.join("\n"))
        }
        ClientsCommand::Show(args) => {
            let client = service(config).await?.find(&args.id).await.map_err(client_error)?;
            print_client(&client, None, args.output.json)
        }
        ClientsCommand::Update(args) => {
            let mut update = client_update(&args);
            update.jwks = args.jwks_file.as_deref().map(super::apply_file::read_jwks).transpose()?;
            super::apply_file::check_jwks_uri(config, update.jwks_uri.as_deref())?;
            let client = service(config).await?.update(&args.id, update).await.map_err(client_error)?;
            print_client(&client, None, args.output.json)
        }
        ClientsCommand::RotateSecret(args) => {
            let grace = match &args.grace {
                None => None,
                Some(text) => Some(parse_grace(text)?),
            };
            let (client, secret) =
                service(config).await?.rotate_secret(&args.id, grace).await.map_err(client_error)?;
            print_client(&client, Some(&secret), args.output.json)
        }
        ClientsCommand::Disable(args) => {
            let client = service(config).await?.set_disabled(&args.id, true).await.map_err(client_error)?;
            print_client(&client, None, args.output.json)
        }
        ClientsCommand::Enable(args) => {
            let client = service(config).await?.set_disabled(&args.id, false).await.map_err(client_error)?;
            print_client(&client, None, args.output.json)
        }
        ClientsCommand::Delete(args) => {
            service(config).await?.delete(&args.id).await.map_err(client_error)?;
            if args.output.json {
                say(&json!({ "deleted": args.id }).to_string())
            } else {
                say(&format!("deleted client {}", args.id))
            }
        }
        ClientsCommand::Apply(args) => {
            let specs = read_apply_file(&args.file)?;
            for spec in &specs {
                spec.validate(&config.scopes)
                    .map_err(|e| CommandError::refused(format!("client {:?}: {e}", spec.name)))?;
                spec.jwks.as_deref().map(super::apply_file::check_jwks).transpose()?;
                super::apply_file::check_jwks_uri(config, spec.jwks_uri.as_deref())?;
            }
            let outcomes = service(config).await?.apply(&specs).await.map_err(client_error)?;
            print_outcomes(&outcomes, args.output.json)
        }
    }
}

async fn service(config: &Config, events: &CommandEvents) -> Result<ClientService, CommandError> {
    let (store, _report) = open_store(config).await?;
    let audit = events.audit(&store);
    Ok(client_service(config, store).auditing(audit))
}

fn create_spec(args: &CreateClient) -> ClientSpec {
    ClientSpec {
        name: args.name.clone(),
        client_type: args.client_type.clone(),
        auth_method: args.auth_method.clone(),
        redirect_uris: args.redirect_uris.clone(),
        allowed_origins: args.origins.clone(),
        scopes: args.scopes.clone(),
        grant_types: args.grants.clone(),
        id_token_alg: args.id_token_alg.clone(),
        skip_consent: args.skip_consent,
        post_logout_redirect_uris: args.post_logout_redirect_uris.clone(),
        may_introspect_any: args.introspect_any,
        require_pushed_requests: args.require_par,
        resources: args.resources.clone(),
        dpop_bound: args.dpop_bound,
        jwks: None,
        jwks_uri: args.jwks_uri.clone(),
    }
}

fn client_update(args: &UpdateClient) -> ClientUpdate {
    let given = |list: &Vec<String>| (!list.is_empty()).then(|| list.clone());
    ClientUpdate {
        redirect_uris: given(&args.redirect_uris),
        allowed_origins: if args.clear_origins { Some(Vec::new()) } else { given(&args.origins) },
        scopes: given(&args.scopes),
        grant_types: given(&args.grants),
        skip_consent: args.skip_consent,
        post_logout_redirect_uris: if args.clear_post_logout_redirect_uris {
            Some(Vec::new())
        } else {
            given(&args.post_logout_redirect_uris)
        },
        may_introspect_any: args.introspect_any,
        require_pushed_requests: args.require_par,
        resources: if args.clear_resources { Some(Vec::new()) } else { given(&args.resources) },
        dpop_bound: args.dpop_bound,
        jwks: None,
        jwks_uri: args.jwks_uri.clone(),
    }
}

/// `24h`, `90m`, `7d`, `1h 30m`: at most a year, so a typo cannot keep an old secret alive for ever.
fn parse_grace(text: &str) -> Result<time::Duration, CommandError> {
    let grace = super::parse_duration("grace", text)?;
    if grace > time::Duration::days(366) {
        return Err(CommandError::refused("`grace`: must be at most a year"));
    }
    Ok(grace)
}

/// The `[[clients]]` tables of an apply file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyDocument {
    #[serde(default)]
    clients: Vec<ClientSpec>,
}

fn read_apply_file(path: &Path) -> Result<Vec<ClientSpec>, CommandError> {
    let document: ApplyDocument = super::apply_file::read(path)?;
    Ok(document.clients)
}

/// The registered metadata as JSON (RFC 7591 §2 names), with the secret when there is one to show.
fn describe(client: &Client, secret: Option<&ClientSecret>) -> Value {
    let m = &client.metadata;
    let time =
        |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string());
    let mut value = json!({
        "client_id": client.id.as_str(),
        "origin": client.origin.as_str(),
        "client_name": m.name,
        "client_type": m.client_type.as_str(),
        "token_endpoint_auth_method": m.auth_method.as_str(),
        "redirect_uris": strs(&m.redirect_uris),
        "allowed_origins": strs(&m.allowed_origins),
        "scope": strs(&m.scopes).join(" "),
        "grant_types": m.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "id_token_signed_response_alg": m.id_token_alg.as_str(),
        "skip_consent": m.skip_consent,
        "post_logout_redirect_uris": strs(&m.post_logout_redirect_uris),
        "may_introspect_any": m.may_introspect_any,
        "require_pushed_authorization_requests": m.require_pushed_requests,
        "dpop_bound_access_tokens": m.dpop_bound,
        "jwks": m.keys.as_ref().and_then(ClientKeys::registered).and_then(|text| serde_json::from_str::<Value>(text).ok()),
        "jwks_uri": m.keys.as_ref().and_then(ClientKeys::published).map(JwksUri::as_str),
        "resources": strs(&m.resources),
        "disabled": client.disabled,
        "secrets": client.secrets.iter().map(|s| json!({
            "created_at": time(s.created_at),
            "expires_at": s.expires_at.map(time),
        })).collect::<Vec<_>>(),
        "created_at": time(client.created_at),
        "updated_at": time(client.updated_at),
    });
    if let (Some(secret), Some(object)) = (secret, value.as_object_mut()) {
        object.insert("client_secret".into(), Value::String(secret.expose().to_owned()));
    }
    value
}

fn print_client(client: &Client, secret: Option<&ClientSecret>, json: bool) -> Result<(), CommandError> {
    if json {
        return say(&describe(client, secret).to_string());
    }
    let m = &client.metadata;
    let list = |items: Vec<&str>| if items.is_empty() { "-".to_owned() } else { items.join(" ") };
    let mut lines = vec![
        format!("client_id:      {}", client.id),
        format!("origin:         {}", client.origin),
        format!("name:           {}", m.name),
        format!("type:           {} ({})", m.client_type, m.auth_method),
        format!("redirect_uris:  {}", list(strs(&m.redirect_uris))),
        format!("origins:        {}", list(strs(&m.allowed_origins))),
        format!("scopes:         {}", list(strs(&m.scopes))),
        format!("grants:         {}", list(m.grant_types.iter().map(|g| g.as_str()).collect())),
        format!("id_token_alg:   {}", m.id_token_alg),
        format!("skip_consent:   {}", m.skip_consent),
        format!("logout_uris:    {}", list(strs(&m.post_logout_redirect_uris))),
        format!("introspect_any: {}", m.may_introspect_any),
        format!("require_par:    {}", m.require_pushed_requests),
        format!("dpop_bound:     {}", m.dpop_bound),
        format!("jwks:           {}", keys_summary(m.keys.as_ref())),
        format!("resources:      {}", list(strs(&m.resources))),
        format!("disabled:       {}", client.disabled),
        format!("secrets:        {}", secrets_summary(client)),
    ];
    if let Some(secret) = secret {
        lines.push(format!("client_secret:  {}", secret.expose()));
        lines.push("                (shown once: store it now; only its digest is kept)".into());
    }
    say(&lines.join("\n"))
}

fn keys_summary(keys: Option<&ClientKeys>) -> String {
    match keys {
        None => "-".into(),
        Some(ClientKeys::Registered(_)) => "registered (show --json)".into(),
        Some(ClientKeys::Published(uri)) => format!("published at {uri}"),
    }
}

fn secrets_summary(client: &Client) -> String {
    if client.secrets.is_empty() {
        return "none (public client)".into();
    }
    let each: Vec<String> = client
        .secrets
        .iter()
        .map(|s| match s.expires_at {
            None => "current".to_owned(),
            Some(end) => format!("previous, accepted until {}", end.format(&Rfc3339).unwrap_or_default()),
        })
        .collect();
    each.join("; ")
}

fn print_outcomes(outcomes: &[ApplyOutcome], json: bool) -> Result<(), CommandError> {
    let rows: Vec<(&str, &Client, Option<&ClientSecret>)> = outcomes
        .iter()
        .map(|o| match o {
            ApplyOutcome::Created(c, s) => ("created", c, s.as_ref()),
            ApplyOutcome::Updated(c) => ("updated", c, None),
            ApplyOutcome::Unchanged(c) => ("unchanged", c, None),
        })
        .collect();
    if json {
        let items: Vec<Value> = rows
            .iter()
            .map(|(what, client, secret)| {
                let mut value = describe(client, *secret);
                if let Some(object) = value.as_object_mut() {
                    object.insert("outcome".into(), Value::String((*what).to_owned()));
                }
                value
            })
            .collect();
        return say(&Value::Array(items).to_string());
    }
    let lines: Vec<String> = rows
        .iter()
        .map(|(what, client, secret)| match secret {
            Some(secret) => format!(
                "{what:<9}  {}  {}  client_secret={}",
                client.id,
                client.metadata.name,
                secret.expose()
            ),
            None => format!("{what:<9}  {}  {}", client.id, client.metadata.name),
        })
        .collect();
    say(&lines.join("\n"))
}

/// The items of a list as text.
fn strs<'a, T: AsRef<str> + 'a>(items: impl IntoIterator<Item = &'a T>) -> Vec<&'a str> {
    items.into_iter().map(AsRef::as_ref).collect()
}

fn client_error(error: ClientError) -> CommandError {
    if error.is_bad_input() { CommandError::refused(error) } else { CommandError::Runtime(error.to_string()) }
}

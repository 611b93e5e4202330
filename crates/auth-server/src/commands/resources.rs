//! `auth-server resources …`: the registry of the APIs access tokens are
//! for. Inputs are validated before anything is written, so a refused
//! command changes nothing.

use std::path::Path;
use std::sync::Arc;

use oauth_core::resource::Resource;
use oauth_core::scope::ScopeName;
use oauth_core::service::resources::{NewResource, ResourceError, ResourceService, ResourceUpdate};
use oauth_core::token::SigningAlg;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::app::open_store;
use crate::cli::{CreateResource, ResourcesCommand, UpdateResource};
use crate::clock::SystemClock;
use crate::config::Config;
use crate::exit::{CommandError, say};

/// Runs one `resources` subcommand.
pub async fn run(config: &Config, command: ResourcesCommand) -> Result<(), CommandError> {
    match command {
        ResourcesCommand::Create(args) => {
            let new = new_resource(&args)?;
            let resource = service(config).await?.create(&new).await.map_err(resource_error)?;
            print_resource(&resource, args.output.json)
        }
        ResourcesCommand::List(output) => {
            let resources = service(config).await?.list().await.map_err(resource_error)?;
            if output.json {
                return say(&Value::Array(resources.iter().map(describe).collect()).to_string());
            }
            let mut lines = vec![format!("{:<40}  {:<24}  {:<7}  {}", "URI", "NAME", "DYNAMIC", "SCOPES")];
            lines.extend(resources.iter().map(|r| {
                format!(
                    "{:<40}  {:<24}  {:<7}  {}",
                    r.uri,
                    r.name,
                    if r.allow_dynamic_clients { "yes" } else { "no" },
                    scopes(r)
                )
            }));
            say(&lines.join("\n"))
        }
        ResourcesCommand::Show(args) => {
            let resource = service(config).await?.find(&args.uri).await.map_err(resource_error)?;
            print_resource(&resource, args.output.json)
        }
        ResourcesCommand::Update(args) => {
            let update = resource_update(&args)?;
            let resource = service(config).await?.update(&args.uri, &update).await.map_err(resource_error)?;
            print_resource(&resource, args.output.json)
        }
        ResourcesCommand::Delete(args) => {
            service(config).await?.delete(&args.uri).await.map_err(resource_error)?;
            if args.output.json {
                say(&json!({ "deleted": args.uri }).to_string())
            } else {
                say(&format!("deleted resource {}", args.uri))
            }
        }
        ResourcesCommand::Apply(args) => {
            let entries = read_apply_file(&args.file)?;
            let outcomes = service(config).await?.apply(&entries).await.map_err(resource_error)?;
            if args.output.json {
                let items = outcomes.iter().map(|(what, resource)| {
                    let mut value = describe(resource);
                    if let Some(object) = value.as_object_mut() {
                        object.insert("outcome".into(), Value::String(what.as_str().to_owned()));
                    }
                    value
                });
                return say(&Value::Array(items.collect()).to_string());
            }
            let lines: Vec<String> = outcomes
                .iter()
                .map(|(what, r)| format!("{:<9}  {}  {}", what.as_str(), r.uri, r.name))
                .collect();
            say(&lines.join("\n"))
        }
        ResourcesCommand::Metadata(args) => {
            let issuer = config.server.issuer.clone();
            let document =
                service(config).await?.metadata(&args.uri, &issuer).await.map_err(resource_error)?;
            let text =
                serde_json::to_string_pretty(&document).map_err(|e| CommandError::Runtime(e.to_string()))?;
            say(&text)
        }
    }
}

async fn service(config: &Config) -> Result<ResourceService, CommandError> {
    let (store, _report) = open_store(config).await?;
    let store = Arc::new(store);
    Ok(ResourceService::new(store.clone(), store, Arc::new(SystemClock), Arc::new(config.scopes.clone())))
}

fn new_resource(args: &CreateResource) -> Result<NewResource, CommandError> {
    Ok(NewResource {
        uri: args.uri.clone(),
        name: args.name.clone(),
        scopes: args.scopes.clone(),
        allow_dynamic_clients: args.allow_dynamic_clients,
        access_token_ttl: args.access_token_ttl.as_deref().map(parse_ttl).transpose()?,
        access_token_alg: args.access_token_alg.clone(),
    })
}

fn resource_update(args: &UpdateResource) -> Result<ResourceUpdate, CommandError> {
    Ok(ResourceUpdate {
        name: args.name.clone(),
        scopes: if args.clear_scopes {
            Some(Vec::new())
        } else {
            (!args.scopes.is_empty()).then(|| args.scopes.clone())
        },
        allow_dynamic_clients: args.allow_dynamic_clients,
        access_token_ttl: if args.clear_access_token_ttl {
            Some(None)
        } else {
            args.access_token_ttl.as_deref().map(parse_ttl).transpose()?.map(Some)
        },
        access_token_alg: if args.clear_access_token_alg {
            Some(None)
        } else {
            args.access_token_alg.clone().map(Some)
        },
    })
}

/// `5m`, `1h`, `90s`: the service bounds it (1 minute to 24 hours).
fn parse_ttl(text: &str) -> Result<time::Duration, CommandError> {
    super::parse_duration("access_token_ttl", text)
}

/// One `[[resources]]` table of an apply file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceEntry {
    uri: String,
    name: String,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    allow_dynamic_clients: bool,
    #[serde(default)]
    access_token_ttl: Option<String>,
    #[serde(default)]
    access_token_alg: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplyDocument {
    #[serde(default)]
    resources: Vec<ResourceEntry>,
}

fn read_apply_file(path: &Path) -> Result<Vec<NewResource>, CommandError> {
    let document: ApplyDocument = super::apply_file::read(path)?;
    document
        .resources
        .into_iter()
        .map(|entry| {
            Ok(NewResource {
                access_token_ttl: entry.access_token_ttl.as_deref().map(parse_ttl).transpose()?,
                uri: entry.uri,
                name: entry.name,
                scopes: entry.scopes,
                allow_dynamic_clients: entry.allow_dynamic_clients,
                access_token_alg: entry.access_token_alg,
            })
        })
        .collect()
}

/// The registered resource as JSON.
fn describe(resource: &Resource) -> Value {
    let time =
        |t: time::OffsetDateTime| t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string());
    json!({
        "uri": resource.uri.as_str(),
        "name": resource.name,
        "scopes": resource.scopes.iter().map(ScopeName::as_str).collect::<Vec<_>>(),
        "allow_dynamic_clients": resource.allow_dynamic_clients,
        "access_token_ttl_seconds": resource.access_token_ttl.map(time::Duration::whole_seconds),
        "access_token_alg": resource.access_token_alg.map(SigningAlg::as_str),
        "created_at": time(resource.created_at),
        "updated_at": time(resource.updated_at),
    })
}

fn print_resource(resource: &Resource, json: bool) -> Result<(), CommandError> {
    if json {
        return say(&describe(resource).to_string());
    }
    let default = |value: Option<String>| value.unwrap_or_else(|| "server default".into());
    say(&[
        format!("uri:                   {}", resource.uri),
        format!("name:                  {}", resource.name),
        format!("scopes:                {}", scopes(resource)),
        format!("allow_dynamic_clients: {}", resource.allow_dynamic_clients),
        format!(
            "access_token_ttl:      {}",
            default(resource.access_token_ttl.map(|d| format!("{}s", d.whole_seconds())))
        ),
        format!(
            "access_token_alg:      {}",
            default(resource.access_token_alg.map(|a| a.as_str().to_owned()))
        ),
    ]
    .join("\n"))
}

fn scopes(resource: &Resource) -> String {
    if resource.scopes.is_empty() {
        return "-".into();
    }
    resource.scopes.iter().map(ScopeName::as_str).collect::<Vec<_>>().join(" ")
}

fn resource_error(error: ResourceError) -> CommandError {
    if error.is_bad_input() { CommandError::refused(error) } else { CommandError::Runtime(error.to_string()) }
}

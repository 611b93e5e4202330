//! `auth-server keys …`: the signing-key lifecycle from the command line.
//! A rotation here is seen by running instances within `key_refresh_secs`.

use std::sync::Arc;

use oauth_core::ports::SigningKeyRepository as _;
use oauth_core::token::SigningAlg;
use time::format_description::well_known::Rfc3339;

use super::audited::CommandEvents;
use crate::app::{audited_key_ring, key_ring, open_store};
use crate::cli::KeysCommand;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::exit::{CommandError, say};

/// Runs one `keys` subcommand.
pub async fn run(config: &Config, command: KeysCommand) -> Result<(), CommandError> {
    match command {
        KeysCommand::List(flags) => list(config, flags.json).await,
        KeysCommand::Rotate(args) => {
            let chosen: Vec<SigningAlg> = match args.alg.as_deref() {
                Some(text) => {
                    vec![text.parse().map_err(|e: String| CommandError::Usage(format!("--alg: {e}")))?]
                }
                None => SigningAlg::ALL.to_vec(),
            };
            let (store, _) = open_store(config).await?;
            let events = CommandEvents::default();
            let keys = audited_key_ring(config, &store, Arc::new(SystemClock), events.audit(&store)).await?;
            let rotated = rotate(&keys, chosen).await;
            events.flush().await;
            rotated
        }
    }
}

/// Rotates each algorithm of `chosen` and says which key is active now.
async fn rotate(
    keys: &oauth_core::service::key_ring::KeyRing,
    chosen: Vec<SigningAlg>,
) -> Result<(), CommandError> {
    for alg in chosen {
        let rotated = keys.rotate(alg).await.map_err(|e| CommandError::Runtime(e.to_string()))?;
        let active = keys.active_kid(alg).await.unwrap_or_default();
        if rotated {
            say(&format!("rotated {alg}: active key is now {active}"))?;
        } else {
            say(&format!("{alg} was rotated by another instance just now; active key is {active}"))?;
        }
    }
    Ok(())
}

/// Lists the keys; on a fresh database it first creates the initial ones, as
/// `serve` would, so the listing shows what the server signs with.
async fn list(config: &Config, json: bool) -> Result<(), CommandError> {
    let (store, _) = open_store(config).await?;
    key_ring(config, &store, Arc::new(SystemClock)).await?;
    let keys = store.list().await.map_err(|e| CommandError::Runtime(e.to_string()))?;
    let date = |t: Option<time::OffsetDateTime>| t.and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default();
    if json {
        let rows: Vec<serde_json::Value> = keys
            .iter()
            .map(|k| {
                serde_json::json!({
                    "kid": k.kid, "alg": k.alg.as_str(), "state": k.state.as_str(),
                    "created_at": date(Some(k.created_at)), "activated_at": date(k.activated_at),
                    "retired_at": date(k.retired_at),
                })
            })
            .collect();
        return say(&serde_json::Value::Array(rows).to_string());
    }
    let mut lines = vec!["kid\talg\tstate\tcreated\tactivated\tretired".to_owned()];
    for k in &keys {
        let fields = [
            k.kid.clone(),
            k.alg.to_string(),
            k.state.as_str().to_owned(),
            date(Some(k.created_at)),
            date(k.activated_at),
            date(k.retired_at),
        ];
        lines.push(fields.join("\t"));
    }
    say(&lines.join("\n"))
}

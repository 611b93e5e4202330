//! The TOML files of `clients apply` and `resources apply`: read whole and
//! refused with the failing field's path before anything is written.

use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Toml};
use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::exit::CommandError;

/// The document in the TOML file at `path`, or a usage error naming the
/// field that failed (unknown fields included).
pub(crate) fn read<D: DeserializeOwned>(path: &Path) -> Result<D, CommandError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CommandError::Usage(format!("refused: cannot read {}: {e}", path.display())))?;
    Figment::from(Toml::string(&text)).extract().map_err(|e| {
        let field = e.path.join(".");
        CommandError::Usage(format!(
            "refused: {}: `{field}`: {}; nothing was changed",
            path.display(),
            e.kind
        ))
    })
}

/// The JWK Set in the file at `path`, refused unless a client may register
/// it (`oauth_keys::check_client_jwks`: public keys we can verify with).
pub(crate) fn read_jwks(path: &Path) -> Result<String, CommandError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CommandError::Usage(format!("refused: cannot read {}: {e}", path.display())))?;
    check_jwks(&text)?;
    Ok(text)
}

/// A client's `jwks`, refused unless it is a usable set of public keys.
pub(crate) fn check_jwks(text: &str) -> Result<(), CommandError> {
    oauth_keys::check_client_jwks(text)
        .map_err(|why| CommandError::refused(format!("jwks: {why}; nothing was changed")))
}

/// A client's `jwks_uri` over plain `http` (admitted on loopback, for
/// development) is refused unless this server would fetch it: otherwise
/// every assertion of the client would fail.
pub(crate) fn check_jwks_uri(config: &Config, uri: Option<&str>) -> Result<(), CommandError> {
    let plain_http = uri.is_some_and(|uri| uri.trim_start().starts_with("http://"));
    if plain_http && !config.client_keys.allow_http_loopback {
        return Err(CommandError::refused(
            "jwks_uri: key sets are fetched over https only (jwks_uri_allow_http_loopback is off); \
             nothing was changed",
        ));
    }
    Ok(())
}

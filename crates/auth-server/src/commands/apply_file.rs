//! The TOML files of `clients apply` and `resources apply`: read whole and
//! refused with the failing field's path before anything is written.

use std::path::Path;

use figment::Figment;
use figment::providers::{Format, Toml};
use serde::de::DeserializeOwned;

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

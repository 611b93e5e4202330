//! One error for every refused configuration value: the key, where the value
//! came from when known, and the reason in plain words.

use std::fmt;
use std::path::Path;

use super::ENV_PREFIX;

/// A refused configuration: which key, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The offending key (or `--config` for the file itself).
    pub key: String,
    /// Where the value came from, when known (a file, an environment variable).
    pub source: Option<String>,
    /// What is wrong, in plain words.
    pub reason: String,
}

impl ConfigError {
    /// A refusal of `key`, whatever its source.
    pub fn new(key: &str, reason: impl Into<String>) -> Self {
        Self { key: key.to_owned(), source: None, reason: reason.into() }
    }

    /// A key no section declares.
    pub(super) fn unknown(key: &str, source: Option<String>, known: &[&str]) -> Self {
        Self {
            key: key.to_owned(),
            source,
            reason: format!("unknown key; known keys are: {}", known.join(", ")),
        }
    }

    /// A value figment could not read into its section.
    pub(super) fn from_figment(error: &figment::Error, file: Option<&Path>) -> Self {
        let error = error.clone().into_iter().next().unwrap_or_else(|| error.clone());
        let key = match &error.kind {
            figment::error::Kind::UnknownField(field, _) => field.clone(),
            _ => error.path.join("."),
        };
        let source = error.metadata.as_ref().map(|metadata| describe_source(metadata, &key, file));
        let reason = match &error.kind {
            figment::error::Kind::UnknownVariant(found, expected) => {
                format!("{found:?} is not one of: {}", expected.join(", "))
            }
            kind => kind.to_string(),
        };
        Self { key, source, reason }
    }
}

/// "environment variable `AUTH_BIND`" or "file auth.toml".
pub(super) fn describe_source(metadata: &figment::Metadata, key: &str, file: Option<&Path>) -> String {
    if metadata.name.contains("environment") {
        format!("environment variable {ENV_PREFIX}{}", key.to_uppercase())
    } else {
        file.map_or_else(|| metadata.name.to_string(), |p| format!("file {}", p.display()))
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: `{}`", self.key)?;
        if let Some(source) = &self.source {
            write!(f, " (from {source})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for ConfigError {}

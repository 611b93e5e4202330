//! How log lines are written and which are kept.

use serde::Deserialize;
use tracing_subscriber::EnvFilter;

use super::ConfigError;

/// Keys of the logging section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LoggingSettings {
    pub log_format: LogFormat,
    pub log_level: String,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for a log pipeline.
    Json,
}

/// The validated logging section.
#[derive(Debug, Clone)]
pub struct LoggingConfig {
    pub format: LogFormat,
    /// A level or `tracing` directives, already checked to parse.
    pub level: String,
}

impl LoggingSettings {
    pub fn validate(&self) -> Result<LoggingConfig, ConfigError> {
        EnvFilter::try_new(&self.log_level).map_err(|e| {
            ConfigError::new(
                "log_level",
                format!("{e}; expected a level (error, warn, info, debug, trace) or directives"),
            )
        })?;
        Ok(LoggingConfig { format: self.log_format, level: self.log_level.clone() })
    }
}

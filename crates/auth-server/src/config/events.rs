//! The security event log: how long events are kept (docs/OPERATIONS.md
//! § Security events).

use serde::Deserialize;

use super::ConfigError;

/// Keys of the security event section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct EventSettings {
    /// Days a security event is kept before the janitor deletes it.
    pub security_event_retention_days: u32,
}

/// The validated section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventConfig {
    /// How long events are kept.
    pub retention: time::Duration,
}

impl EventSettings {
    /// Checks every key: at least a day, at most ten years.
    pub fn validate(&self) -> Result<EventConfig, ConfigError> {
        let days = self.security_event_retention_days;
        if !(1..=3_650).contains(&days) {
            return Err(ConfigError::new("security_event_retention_days", "must be between 1 and 3650 days"));
        }
        Ok(EventConfig { retention: time::Duration::days(i64::from(days)) })
    }
}

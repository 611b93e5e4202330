//! The device authorization grant (RFC 8628): how long codes live, how
//! often devices may poll, and how many authorizations callers may make
//! (docs/SECURITY.md § Device grant).

use oauth_core::throttle::AuthorizeQuota;
use serde::Deserialize;

use super::{ConfigError, Duration};

/// Keys of the device grant section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DeviceSettings {
    /// RFC 8628 §3.2 `expires_in`: how long a device code and its user
    /// code live.
    pub device_code_lifetime_secs: Duration,
    /// RFC 8628 §3.2 `interval`: the least time between a device's polls
    /// at first.
    pub device_poll_interval_secs: Duration,
    /// Device authorizations one address (or IPv6 /64) may make per 10
    /// minutes; past it, 429.
    pub device_authorizations_per_ip: u32,
    /// Device authorizations every address together may make per 10
    /// minutes: with the lifetime, the bound on live user codes.
    pub device_authorizations_total: u32,
}

/// The validated section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceConfig {
    /// How long the codes live.
    pub lifetime: Duration,
    /// The first poll interval.
    pub interval: Duration,
    /// Per address per window.
    pub per_ip: AuthorizeQuota,
    /// Over every address per window.
    pub total: AuthorizeQuota,
}

impl DeviceSettings {
    /// Checks every key.
    pub fn validate(&self) -> Result<DeviceConfig, ConfigError> {
        if !(60..=1_800).contains(&self.device_code_lifetime_secs.as_secs()) {
            return Err(ConfigError::new("device_code_lifetime_secs", "must be between 60 and 1800 seconds"));
        }
        if !(1..=60).contains(&self.device_poll_interval_secs.as_secs()) {
            return Err(ConfigError::new("device_poll_interval_secs", "must be between 1 and 60 seconds"));
        }
        super::positive("device_authorizations_per_ip", self.device_authorizations_per_ip)?;
        if self.device_authorizations_total < self.device_authorizations_per_ip {
            return Err(ConfigError::new(
                "device_authorizations_total",
                "must be at least device_authorizations_per_ip",
            ));
        }
        let window = time::Duration::minutes(10);
        Ok(DeviceConfig {
            lifetime: self.device_code_lifetime_secs,
            interval: self.device_poll_interval_secs,
            per_ip: AuthorizeQuota { per_address: self.device_authorizations_per_ip, window },
            total: AuthorizeQuota { per_address: self.device_authorizations_total, window },
        })
    }
}

//! Clients nobody registered by hand: client ID metadata documents and
//! dynamic registration (both off by default), and the template every such
//! client is held to
//! (docs/SECURITY.md § Dynamic and metadata-document clients).

use std::collections::BTreeSet;

use oauth_core::client::SelfAssertedTemplate;
use oauth_core::scope::{ScopeCatalog, ScopeName};
use oauth_core::service::registration::RegistrationMode;
use serde::Deserialize;

use super::{ConfigError, Duration};

/// Keys of the self-asserted clients section.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SelfAssertedSettings {
    /// CIMD: a `client_id` that is an https URL names its metadata document.
    pub client_id_metadata_documents: bool,
    /// Development only (CIMD §8.6): `http://127.0.0.1:PORT/…` documents too.
    pub cimd_allow_http_loopback: bool,
    /// The most bytes of a document read (CIMD §6.6: 5 KB recommended).
    pub cimd_max_bytes: usize,
    /// The deadline of one fetch, connection included.
    pub cimd_timeout_secs: Duration,
    /// Documents are kept at least this long (unless `no-store`)…
    pub cimd_cache_min_secs: Duration,
    /// …and at most this long, whatever `Cache-Control` says.
    pub cimd_cache_max_secs: Duration,
    /// The most documents kept in memory.
    pub cimd_cache_entries: usize,
    /// New metadata-document clients one address (or IPv6 /64) may bring
    /// in per 10 minutes; past it `/oauth/authorize` answers 429.
    pub cimd_new_clients_per_ip: u32,
    /// New metadata-document clients all addresses together may bring in per
    /// 10 minutes: with the janitor's daily sweep, the bound on stored
    /// clients nobody approved.
    pub cimd_new_clients_total: u32,
    /// The scopes a self-asserted client may hold, beside those of resources
    /// created with `--allow-dynamic-clients`.
    pub registration_scopes: Vec<String>,
    /// Dynamic client registration (RFC 7591): `off`, `token` or `open`.
    pub registration: RegistrationSetting,
    /// Registrations one address (or IPv6 /64) may make per hour.
    pub registration_per_ip: u32,
    /// Registrations all addresses together may make per hour in `open` mode.
    pub registration_total: u32,
    /// Dynamic clients unused this many days are deleted by the janitor.
    pub registration_idle_days: u32,
    /// The most dynamic clients stored at once; past it, registration is 503.
    pub registration_max_clients: u64,
}

/// Who may register a client at `/oauth/register`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationSetting {
    /// Nobody: the endpoint does not exist.
    Off,
    /// Callers with an initial access token (`registration-tokens create`).
    Token,
    /// Anyone, within the per-address and total quotas.
    Open,
}

/// How dynamic registration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrationConfig {
    /// Who may register.
    pub mode: RegistrationMode,
    /// Registrations per address per hour.
    pub per_ip: u32,
    /// Registrations over every address per hour (`open` mode).
    pub total: u32,
    /// The most dynamic clients stored at once.
    pub max_clients: u64,
}

/// How client ID metadata documents are fetched and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataDocumentsConfig {
    /// Development only: `http` on the loopback literals.
    pub allow_http_loopback: bool,
    /// The most bytes read.
    pub max_bytes: usize,
    /// The deadline of one fetch.
    pub timeout: Duration,
    /// The least and most time a document is kept.
    pub cache_min: Duration,
    /// See `cache_min`.
    pub cache_max: Duration,
    /// The most documents kept.
    pub cache_entries: usize,
    /// New document clients per address per 10 minutes.
    pub new_clients_per_ip: u32,
    /// New document clients over every address per 10 minutes.
    pub new_clients_total: u32,
}

/// The validated section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfAssertedConfig {
    /// `None` while metadata documents are off.
    pub metadata_documents: Option<MetadataDocumentsConfig>,
    /// What every self-asserted client may become.
    pub template: SelfAssertedTemplate,
    /// `None` while registration is off.
    pub registration: Option<RegistrationConfig>,
    /// How long a dynamic client may go unused before the janitor deletes
    /// it; applies while registration is off too, to the clients it left.
    pub registration_idle: Duration,
}

impl SelfAssertedSettings {
    /// Checks every key against `catalog`, the server's scopes.
    pub fn validate(&self, catalog: &ScopeCatalog) -> Result<SelfAssertedConfig, ConfigError> {
        let mut scopes = BTreeSet::new();
        for name in &self.registration_scopes {
            let scope =
                ScopeName::parse(name).map_err(|e| ConfigError::new("registration_scopes", e.to_string()))?;
            if catalog.describe(&scope).is_none() {
                return Err(ConfigError::new(
                    "registration_scopes",
                    format!("{name:?} is not a scope of this server (OpenID Connect or api_scopes)"),
                ));
            }
            scopes.insert(scope);
        }
        if !(256..=65_536).contains(&self.cimd_max_bytes) {
            return Err(ConfigError::new("cimd_max_bytes", "must be between 256 and 65536"));
        }
        if !(1..=30).contains(&self.cimd_timeout_secs.as_secs()) {
            return Err(ConfigError::new("cimd_timeout_secs", "must be between 1 and 30 seconds"));
        }
        if self.cimd_cache_min_secs.as_secs() > self.cimd_cache_max_secs.as_secs()
            || self.cimd_cache_max_secs.as_secs() > 7 * 86_400
        {
            return Err(ConfigError::new(
                "cimd_cache_max_secs",
                "must be at least cimd_cache_min_secs and at most 7 days",
            ));
        }
        // Memory is bounded by entries × cimd_max_bytes; 10,000 × 64 KiB at most.
        if !(1..=10_000).contains(&self.cimd_cache_entries) {
            return Err(ConfigError::new("cimd_cache_entries", "must be between 1 and 10000"));
        }
        super::positive("cimd_new_clients_per_ip", self.cimd_new_clients_per_ip)?;
        if self.cimd_new_clients_total < self.cimd_new_clients_per_ip {
            return Err(ConfigError::new(
                "cimd_new_clients_total",
                "must be at least cimd_new_clients_per_ip",
            ));
        }
        if self.cimd_allow_http_loopback && !self.client_id_metadata_documents {
            return Err(ConfigError::new(
                "cimd_allow_http_loopback",
                "only has a meaning with client_id_metadata_documents = true",
            ));
        }
        let metadata_documents = self.client_id_metadata_documents.then_some(MetadataDocumentsConfig {
            allow_http_loopback: self.cimd_allow_http_loopback,
            max_bytes: self.cimd_max_bytes,
            timeout: self.cimd_timeout_secs,
            cache_min: self.cimd_cache_min_secs,
            cache_max: self.cimd_cache_max_secs,
            cache_entries: self.cimd_cache_entries,
            new_clients_per_ip: self.cimd_new_clients_per_ip,
            new_clients_total: self.cimd_new_clients_total,
        });
        super::positive("registration_per_ip", self.registration_per_ip)?;
        if self.registration_total < self.registration_per_ip {
            return Err(ConfigError::new("registration_total", "must be at least registration_per_ip"));
        }
        if !(1..=1_000_000).contains(&self.registration_max_clients) {
            return Err(ConfigError::new("registration_max_clients", "must be between 1 and 1000000"));
        }
        if !(1..=3650).contains(&self.registration_idle_days) {
            return Err(ConfigError::new("registration_idle_days", "must be between 1 and 3650"));
        }
        let mode = match self.registration {
            RegistrationSetting::Off => None,
            RegistrationSetting::Token => Some(RegistrationMode::Token),
            RegistrationSetting::Open => Some(RegistrationMode::Open),
        };
        let registration = mode.map(|mode| RegistrationConfig {
            mode,
            per_ip: self.registration_per_ip,
            total: self.registration_total,
            max_clients: self.registration_max_clients,
        });
        Ok(SelfAssertedConfig {
            metadata_documents,
            template: SelfAssertedTemplate { scopes },
            registration,
            registration_idle: Duration::days(u64::from(self.registration_idle_days)),
        })
    }
}

impl Default for SelfAssertedSettings {
    fn default() -> Self {
        Self {
            client_id_metadata_documents: false,
            cimd_allow_http_loopback: false,
            cimd_max_bytes: 5 * 1024,
            cimd_timeout_secs: Duration::seconds(5),
            cimd_cache_min_secs: Duration::minutes(1),
            cimd_cache_max_secs: Duration::hours(24),
            cimd_cache_entries: 1000,
            cimd_new_clients_per_ip: 10,
            cimd_new_clients_total: 200,
            registration_scopes: vec!["openid".into(), "profile".into(), "email".into()],
            registration: RegistrationSetting::Off,
            registration_per_ip: 10,
            registration_total: 100,
            registration_idle_days: 30,
            registration_max_clients: 10_000,
        }
    }
}

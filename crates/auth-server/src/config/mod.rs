//! Configuration: defaults, then a TOML file (`--config`), then `AUTH_<KEY>`
//! environment variables, merged by figment. Keys are flat in files and the
//! environment; in code they are grouped into sections, each of which reads
//! its own keys and validates itself. Everything is validated before anything
//! is created or written, and every refusal names its key.

mod client_keys;
mod database;
mod defaults;
mod device;
mod duration;
mod error;
mod events;
mod fields;
mod keys;
mod logging;
mod passwords;
mod self_asserted;
mod server;
mod sign_in;
mod tokens;

use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use figment::value::Dict;
use oauth_core::scope::ScopeCatalog;
use oauth_core::service::authorize::SignInPolicy;
use oauth_core::token::TokenPolicy;
use oauth_keys::Argon2Settings;

pub use client_keys::{ClientKeySettings, ClientKeysConfig, JWKS_URI_CACHE_MIN_SECS};
pub use database::{DatabaseConfig, DatabaseSettings};
pub use device::{DeviceConfig, DeviceSettings};
pub use duration::Duration;
pub use error::ConfigError;
pub use events::{EventConfig, EventSettings};
pub use keys::{KeySettings, KeysConfig, MasterKeySource};
pub use logging::{LogFormat, LoggingConfig, LoggingSettings};
pub use passwords::{PasswordSettings, argon2_below_owasp_minimum};
pub use self_asserted::{
    MetadataDocumentsConfig, RegistrationConfig, RegistrationSetting, SelfAssertedConfig,
    SelfAssertedSettings,
};
pub use server::{ServerConfig, ServerSettings};
pub use sign_in::SignInSettings;
pub use tokens::TokenSettings;

/// Prefix of the environment variables that override file keys.
pub const ENV_PREFIX: &str = "AUTH_";

/// The file and environment schema: one struct per section, whose field
/// names are the keys (`AUTH_` + upper case in the environment).
#[derive(Debug, Clone, Default)]
pub struct RawSettings {
    pub server: ServerSettings,
    pub logging: LoggingSettings,
    pub database: DatabaseSettings,
    pub passwords: PasswordSettings,
    pub sign_in: SignInSettings,
    pub tokens: TokenSettings,
    pub keys: KeySettings,
    pub self_asserted: SelfAssertedSettings,
    pub client_keys: ClientKeySettings,
    pub device: DeviceSettings,
    pub events: EventSettings,
}

impl RawSettings {
    /// Every key of every section, as written in files.
    pub fn keys() -> Vec<&'static str> {
        [
            fields::names::<ServerSettings>(),
            fields::names::<LoggingSettings>(),
            fields::names::<DatabaseSettings>(),
            fields::names::<PasswordSettings>(),
            fields::names::<SignInSettings>(),
            fields::names::<TokenSettings>(),
            fields::names::<KeySettings>(),
            fields::names::<SelfAssertedSettings>(),
            fields::names::<ClientKeySettings>(),
            fields::names::<DeviceSettings>(),
            fields::names::<EventSettings>(),
        ]
        .concat()
    }

    /// Reads each section from the merged sources; a key no section declares is refused.
    fn extract(figment: &Figment, file: Option<&Path>) -> Result<Self, ConfigError> {
        let keys = Self::keys();
        let read = |e: figment::Error| ConfigError::from_figment(&e, file);
        let present: Dict = figment.extract().map_err(read)?;
        if let Some(key) = present.keys().find(|key| !keys.contains(&key.as_str())) {
            let source = figment.find_metadata(key).map(|m| error::describe_source(m, key, file));
            return Err(ConfigError::unknown(key, source, &keys));
        }
        Ok(Self {
            server: figment.extract().map_err(read)?,
            logging: figment.extract().map_err(read)?,
            database: figment.extract().map_err(read)?,
            passwords: figment.extract().map_err(read)?,
            sign_in: figment.extract().map_err(read)?,
            tokens: figment.extract().map_err(read)?,
            keys: figment.extract().map_err(read)?,
            self_asserted: figment.extract().map_err(read)?,
            client_keys: figment.extract().map_err(read)?,
            device: figment.extract().map_err(read)?,
            events: figment.extract().map_err(read)?,
        })
    }
}

/// The validated configuration the rest of the binary uses.
#[derive(Debug, Clone)]
pub struct Config {
    pub server: ServerConfig,
    pub logging: LoggingConfig,
    pub database: DatabaseConfig,
    pub argon2: Argon2Settings,
    /// Every scope the server knows: the OIDC ones and `api_scopes`.
    pub scopes: ScopeCatalog,
    /// Codes, sessions, PKCE and the brute-force guard.
    pub sign_in: SignInPolicy,
    /// How long a pushed authorization request waits for the browser.
    pub pushed_request_lifetime: Duration,
    /// DPoP proofs must carry a server nonce (RFC 9449 §8).
    pub dpop_nonce: bool,
    /// `private_key_jwt` assertions may name the token endpoint's URL.
    pub assertion_token_endpoint_audience: bool,
    /// How key sets published at a client's `jwks_uri` are fetched and kept.
    pub client_keys: ClientKeysConfig,
    /// The device authorization grant (RFC 8628).
    pub device: DeviceConfig,
    /// The security event log.
    pub events: EventConfig,
    /// Lifetimes, audience and algorithms of issued tokens.
    pub tokens: TokenPolicy,
    /// The master key, and how keys are reloaded, published and rotated.
    pub keys: KeysConfig,
    /// Clients nobody registered by hand: metadata documents and their template.
    pub self_asserted: SelfAssertedConfig,
}

impl Config {
    /// Whether the issuer is served over HTTPS (turns on HSTS).
    pub fn https(&self) -> bool {
        self.server.issuer.starts_with("https://")
    }
}

/// Loads defaults, the file (if given) and the environment, then validates.
pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
    let mut figment = Figment::new();
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new("--config", format!("cannot read {}: {e}", path.display())))?;
        figment = figment.merge(Toml::string(&text));
    }
    // Only our keys: another AUTH_* variable in the environment is not a typo in our config.
    figment = figment.merge(Env::prefixed(ENV_PREFIX).only(&RawSettings::keys()));
    validate(&RawSettings::extract(&figment, file)?)
}

/// Checks every value and builds the configuration; nothing is created here.
pub fn validate(raw: &RawSettings) -> Result<Config, ConfigError> {
    let server = raw.server.validate()?;
    let database = raw.database.validate()?;
    let logging = raw.logging.validate()?;
    let argon2 = raw.passwords.validate()?;
    let sign_in = raw.sign_in.policy()?;
    let tokens = raw.tokens.policy(&server.issuer)?;
    let keys = raw.keys.validate(&database.url, &database.data_dir)?;
    let scopes = raw.sign_in.scopes()?;
    let self_asserted = raw.self_asserted.validate(&scopes)?;
    let client_keys = raw.client_keys.validate()?;
    let device = raw.device.validate()?;
    let events = raw.events.validate()?;
    // A dynamic client that refreshes within its token's idle limit must
    // not be swept as idle in between.
    if self_asserted.registration_idle.as_secs() < raw.tokens.refresh_token_idle_secs.as_secs() {
        return Err(ConfigError::new(
            "registration_idle_days",
            "must be at least refresh_token_idle_secs, or a client refreshing in time would be deleted",
        ));
    }
    let pushed_request_lifetime = raw.sign_in.pushed_request_lifetime_secs;
    let dpop_nonce = raw.tokens.dpop_nonce;
    let assertion_token_endpoint_audience = raw.tokens.insecure_private_key_jwt_token_endpoint_audience;
    Ok(Config {
        server,
        logging,
        database,
        argon2,
        scopes,
        sign_in,
        pushed_request_lifetime,
        dpop_nonce,
        assertion_token_endpoint_audience,
        client_keys,
        device,
        events,
        tokens,
        keys,
        self_asserted,
    })
}

fn positive(key: &str, value: impl TryInto<u64>) -> Result<(), ConfigError> {
    match value.try_into() {
        Ok(0) | Err(_) => Err(ConfigError::new(key, "must be at least 1")),
        Ok(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests;

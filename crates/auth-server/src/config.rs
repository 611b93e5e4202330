//! Configuration: defaults, then a TOML file (`--config`), then `AUTH_<KEY>`
//! environment variables, merged by figment. Everything is validated before
//! anything is created or written, and every refusal names its key.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use oauth_core::authorization_request::AuthorizePolicy;
use oauth_core::code::CodeLifetime;
use oauth_core::scope::ScopeCatalog;
use oauth_core::service::authorize::FlowPolicy;
use oauth_core::session::SessionLifetimes;
use oauth_core::throttle::ThrottlePolicy;
use oauth_core::token::{SigningAlg, TokenPolicy};
use oauth_keys::Argon2Settings;
use oauth_store_diesel::{DatabaseUrl, PoolOptions};
use serde::{Deserialize, Serialize};
use tracing_subscriber::EnvFilter;
use url::{Host, Url};

/// Prefix of the environment variables that override file keys.
pub const ENV_PREFIX: &str = "AUTH_";

/// The file and environment schema. Field names are the keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RawSettings {
    pub issuer: String,
    pub bind: String,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    pub log_level: String,
    pub http_workers: usize,
    pub shutdown_timeout_secs: u64,
    pub db_pool_size: u32,
    pub db_timeout_secs: u64,
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
    pub password_hash_concurrency: usize,
    /// API scopes beyond the OIDC ones: name → plain-words description for the consent page.
    pub api_scopes: BTreeMap<String, String>,
    pub code_lifetime_secs: u64,
    pub session_lifetime_secs: u64,
    /// RFC 9700 §2.1.1 recommends PKCE for confidential clients too; this lets them skip it.
    pub insecure_pkce_optional_for_confidential: bool,
    pub login_max_failures: u32,
    pub login_max_failures_per_ip: u32,
    pub login_lockout_secs: u64,
    /// Addresses of reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<String>,
    pub janitor_interval_secs: u64,
    /// How long this instance trusts a client it read (and its failure count)
    /// before reading it again; 0 reads on every request.
    pub client_cache_secs: u64,
    /// base64 of 32 bytes; seals private signing keys. Empty: `data_dir/master.key` on SQLite.
    pub master_key: Redacted,
    pub access_token_audience: String,
    pub access_token_alg: String,
    pub access_token_lifetime_secs: u64,
    pub id_token_lifetime_secs: u64,
    pub refresh_token_idle_secs: u64,
    pub refresh_token_absolute_secs: u64,
    pub jwks_max_age_secs: u64,
    pub key_refresh_secs: u64,
    /// 0: keys rotate only with `auth-server keys rotate`.
    pub key_rotation_interval_secs: u64,
}

/// A configuration value that is a secret: never printed by `Debug`.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Redacted(pub String);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "[REDACTED]" })
    }
}

/// Every key, as written in files; `AUTH_` + upper case in the environment.
pub const KEYS: &[&str] = &[
    "issuer",
    "bind",
    "database_url",
    "data_dir",
    "log_format",
    "log_level",
    "http_workers",
    "shutdown_timeout_secs",
    "db_pool_size",
    "db_timeout_secs",
    "argon2_memory_kib",
    "argon2_iterations",
    "argon2_parallelism",
    "password_hash_concurrency",
    "api_scopes",
    "code_lifetime_secs",
    "session_lifetime_secs",
    "insecure_pkce_optional_for_confidential",
    "login_max_failures",
    "login_max_failures_per_ip",
    "login_lockout_secs",
    "trusted_proxies",
    "janitor_interval_secs",
    "client_cache_secs",
    "master_key",
    "access_token_audience",
    "access_token_alg",
    "access_token_lifetime_secs",
    "id_token_lifetime_secs",
    "refresh_token_idle_secs",
    "refresh_token_absolute_secs",
    "jwks_max_age_secs",
    "key_refresh_secs",
    "key_rotation_interval_secs",
];

/// How log lines are written.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for a log pipeline.
    Json,
}

impl Default for RawSettings {
    fn default() -> Self {
        let argon2 = Argon2Settings::default();
        Self {
            issuer: "http://127.0.0.1:8080".into(),
            bind: "127.0.0.1:8080".into(),
            database_url: "sqlite://./data/auth.db".into(),
            data_dir: PathBuf::from("./data"),
            log_format: LogFormat::Pretty,
            log_level: "info".into(),
            http_workers: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            shutdown_timeout_secs: 30,
            db_pool_size: 8,
            db_timeout_secs: 3,
            argon2_memory_kib: argon2.memory_kib,
            argon2_iterations: argon2.iterations,
            argon2_parallelism: argon2.parallelism,
            password_hash_concurrency: argon2.max_concurrent,
            api_scopes: BTreeMap::new(),
            code_lifetime_secs: 60,
            session_lifetime_secs: 8 * 3600,
            insecure_pkce_optional_for_confidential: false,
            login_max_failures: 5,
            login_max_failures_per_ip: 30,
            login_lockout_secs: 15 * 60,
            trusted_proxies: Vec::new(),
            janitor_interval_secs: 300,
            client_cache_secs: 1,
            master_key: Redacted::default(),
            access_token_audience: String::new(),
            access_token_alg: "ES256".into(),
            access_token_lifetime_secs: 600,
            id_token_lifetime_secs: 600,
            refresh_token_idle_secs: 14 * 86_400,
            refresh_token_absolute_secs: 30 * 86_400,
            jwks_max_age_secs: 300,
            key_refresh_secs: 60,
            key_rotation_interval_secs: 0,
        }
    }
}

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
    fn new(key: &str, reason: impl Into<String>) -> Self {
        Self { key: key.to_owned(), source: None, reason: reason.into() }
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

/// The validated configuration the rest of the binary uses.
#[derive(Debug, Clone)]
pub struct Config {
    /// The issuer identifier, exactly as configured (OIDC Discovery §3: no query, no fragment).
    pub issuer: String,
    pub bind: SocketAddr,
    pub database: DatabaseUrl,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    pub log_level: String,
    pub http_workers: usize,
    pub shutdown_timeout: Duration,
    pub pool: PoolOptions,
    pub argon2: Argon2Settings,
    /// Every scope the server knows: the OIDC ones and `api_scopes`.
    pub scopes: ScopeCatalog,
    /// Codes, sessions, PKCE and the brute-force guard.
    pub flow: FlowPolicy,
    pub trusted_proxies: Vec<IpAddr>,
    /// How often expired codes, sessions and counters are deleted.
    pub janitor_interval: Duration,
    /// How stale a client may be when read from memory (docs/SECURITY.md § Read caches).
    pub client_cache_ttl: time::Duration,
    /// Lifetimes, audience and algorithms of issued tokens.
    pub tokens: TokenPolicy,
    /// Where private signing keys are sealed from.
    pub master_key: MasterKeySource,
    /// How keys are reloaded, published and rotated.
    pub keys: KeySettings,
}

/// Key publication and rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySettings {
    /// `Cache-Control: max-age` of the JWKS and metadata documents.
    pub jwks_max_age_secs: u32,
    /// A rotation made elsewhere is seen within this.
    pub refresh: time::Duration,
    /// Rotate automatically when the active key is this old; `None`: only on command.
    pub rotation_interval: Option<time::Duration>,
}

/// Where the master key comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum MasterKeySource {
    /// `master_key` / `AUTH_MASTER_KEY`, already checked to be 32 bytes.
    Configured(String),
    /// `data_dir/master.key`, created on first start (embedded SQLite only).
    File(PathBuf),
    /// PostgreSQL without `master_key`: refused by the commands that need keys.
    Missing,
}

impl fmt::Debug for MasterKeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Configured(_) => f.write_str("Configured([REDACTED])"),
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            Self::Missing => f.write_str("Missing"),
        }
    }
}

impl Config {
    /// Whether the issuer is served over HTTPS (turns on HSTS).
    pub fn https(&self) -> bool {
        self.issuer.starts_with("https://")
    }
}

/// Loads defaults, the file (if given) and the environment, then validates.
pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
    let mut figment = Figment::from(Serialized::defaults(RawSettings::default()));
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::new("--config", format!("cannot read {}: {e}", path.display())))?;
        figment = figment.merge(Toml::string(&text));
    }
    // Only our keys: another AUTH_* variable in the environment is not a typo in our config.
    figment = figment.merge(Env::prefixed(ENV_PREFIX).only(KEYS));
    let raw: RawSettings = figment.extract().map_err(|e| from_figment(&e, file))?;
    validate(raw)
}

fn from_figment(error: &figment::Error, file: Option<&Path>) -> ConfigError {
    let error = error.clone().into_iter().next().unwrap_or_else(|| error.clone());
    let key = match &error.kind {
        figment::error::Kind::UnknownField(field, _) => field.clone(),
        _ => error.path.join("."),
    };
    let source = error.metadata.as_ref().map(|metadata| {
        if metadata.name.contains("environment") {
            format!("environment variable {ENV_PREFIX}{}", key.to_uppercase())
        } else {
            file.map_or_else(|| metadata.name.to_string(), |p| format!("file {}", p.display()))
        }
    });
    let reason = match &error.kind {
        figment::error::Kind::UnknownField(_, _) => {
            format!("unknown key; known keys are: {}", KEYS.join(", "))
        }
        figment::error::Kind::UnknownVariant(found, expected) => {
            format!("{found:?} is not one of: {}", expected.join(", "))
        }
        kind => kind.to_string(),
    };
    ConfigError { key, source, reason }
}

/// Checks every value and builds the configuration; nothing is created here.
pub fn validate(raw: RawSettings) -> Result<Config, ConfigError> {
    let issuer = validate_issuer(&raw.issuer)?;
    let bind = raw
        .bind
        .parse::<SocketAddr>()
        .map_err(|e| ConfigError::new("bind", format!("{e}; expected HOST:PORT such as 127.0.0.1:8080")))?;
    let database =
        DatabaseUrl::parse(&raw.database_url).map_err(|e| ConfigError::new("database_url", e.to_string()))?;
    if raw.data_dir.as_os_str().is_empty() {
        return Err(ConfigError::new("data_dir", "must not be empty"));
    }
    if raw.data_dir.is_file() {
        return Err(ConfigError::new(
            "data_dir",
            format!("{} is a file, not a folder", raw.data_dir.display()),
        ));
    }
    EnvFilter::try_new(&raw.log_level).map_err(|e| {
        ConfigError::new(
            "log_level",
            format!("{e}; expected a level (error, warn, info, debug, trace) or directives"),
        )
    })?;
    positive("http_workers", raw.http_workers)?;
    positive("db_pool_size", u64::from(raw.db_pool_size))?;
    positive("db_timeout_secs", raw.db_timeout_secs)?;
    positive("password_hash_concurrency", raw.password_hash_concurrency)?;
    let argon2 = validate_argon2(&raw)?;
    let flow = validate_flow(&raw)?;
    let trusted_proxies = raw
        .trusted_proxies
        .iter()
        .map(|text| {
            text.parse::<IpAddr>()
                .map_err(|_| ConfigError::new("trusted_proxies", format!("{text:?} is not an IP address")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !(10..=86_400).contains(&raw.janitor_interval_secs) {
        return Err(ConfigError::new("janitor_interval_secs", "must be between 10 and 86400 seconds"));
    }
    // A disabled client is honoured everywhere within this: keep it short.
    if raw.client_cache_secs > 60 {
        return Err(ConfigError::new("client_cache_secs", "must be between 0 (off) and 60 seconds"));
    }
    let tokens = validate_tokens(&raw, &issuer)?;
    let master_key = validate_master_key(&raw, &database)?;
    let keys = validate_keys(&raw)?;
    let scopes = ScopeCatalog::new(raw.api_scopes.iter().map(|(name, text)| (name.as_str(), text.as_str())))
        .map_err(|e| ConfigError::new("api_scopes", e.to_string()))?;
    Ok(Config {
        issuer,
        bind,
        database,
        data_dir: raw.data_dir,
        log_format: raw.log_format,
        log_level: raw.log_level,
        http_workers: raw.http_workers,
        shutdown_timeout: Duration::from_secs(raw.shutdown_timeout_secs),
        pool: PoolOptions {
            max_size: raw.db_pool_size,
            connection_timeout: Duration::from_secs(raw.db_timeout_secs),
        },
        argon2,
        scopes,
        flow,
        trusted_proxies,
        janitor_interval: Duration::from_secs(raw.janitor_interval_secs),
        client_cache_ttl: time::Duration::seconds(i64::try_from(raw.client_cache_secs).unwrap_or(60)),
        tokens,
        master_key,
        keys,
    })
}

fn validate_keys(raw: &RawSettings) -> Result<KeySettings, ConfigError> {
    let jwks_max_age_secs = u32::try_from(raw.jwks_max_age_secs)
        .ok()
        .filter(|s| *s <= 86_400)
        .ok_or_else(|| ConfigError::new("jwks_max_age_secs", "must be at most 86400 seconds"))?;
    if !(1..=3_600).contains(&raw.key_refresh_secs) {
        return Err(ConfigError::new("key_refresh_secs", "must be between 1 and 3600 seconds"));
    }
    // A relying party caches the JWKS for `jwks_max_age_secs`; the next key
    // is published at least one rotation ahead, so rotating faster than a
    // cache lives would sign with keys some verifiers have not seen.
    let rotation_interval = match raw.key_rotation_interval_secs {
        0 => None,
        secs if secs >= 3_600 && secs >= 2 * raw.jwks_max_age_secs => {
            Some(time::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX)))
        }
        _ => {
            return Err(ConfigError::new(
                "key_rotation_interval_secs",
                "must be 0 (off) or at least 3600 seconds and twice jwks_max_age_secs",
            ));
        }
    };
    Ok(KeySettings {
        jwks_max_age_secs,
        refresh: time::Duration::seconds(i64::try_from(raw.key_refresh_secs).unwrap_or(60)),
        rotation_interval,
    })
}

fn validate_tokens(raw: &RawSettings, issuer: &str) -> Result<TokenPolicy, ConfigError> {
    let seconds = |key: &str, value: u64, range: std::ops::RangeInclusive<u64>| {
        if range.contains(&value) {
            Ok(time::Duration::seconds(i64::try_from(value).unwrap_or(i64::MAX)))
        } else {
            Err(ConfigError::new(
                key,
                format!("must be between {} and {} seconds", range.start(), range.end()),
            ))
        }
    };
    let access_token_alg =
        raw.access_token_alg.parse::<SigningAlg>().map_err(|e| ConfigError::new("access_token_alg", e))?;
    let audience = if raw.access_token_audience.is_empty() {
        issuer.to_owned()
    } else if raw.access_token_audience.contains(char::is_whitespace) {
        return Err(ConfigError::new("access_token_audience", "must be one URI without spaces"));
    } else {
        raw.access_token_audience.clone()
    };
    let idle = seconds("refresh_token_idle_secs", raw.refresh_token_idle_secs, 60..=365 * 86_400)?;
    let absolute =
        seconds("refresh_token_absolute_secs", raw.refresh_token_absolute_secs, 60..=365 * 86_400)?;
    if idle > absolute {
        return Err(ConfigError::new(
            "refresh_token_idle_secs",
            "must not exceed refresh_token_absolute_secs",
        ));
    }
    Ok(TokenPolicy {
        issuer: issuer.to_owned(),
        audience,
        access_token_lifetime: seconds(
            "access_token_lifetime_secs",
            raw.access_token_lifetime_secs,
            10..=86_400,
        )?,
        id_token_lifetime: seconds("id_token_lifetime_secs", raw.id_token_lifetime_secs, 10..=86_400)?,
        access_token_alg,
        refresh_idle_lifetime: idle,
        refresh_absolute_lifetime: absolute,
    })
}

/// The master key: configured (checked now), or a file beside the embedded
/// database. PostgreSQL deployments are several instances that must share one,
/// so there it must be configured (checked when a command needs the keys).
fn validate_master_key(raw: &RawSettings, database: &DatabaseUrl) -> Result<MasterKeySource, ConfigError> {
    let configured = raw.master_key.0.trim();
    if !configured.is_empty() {
        oauth_keys::MasterKey::from_base64(configured)
            .map_err(|e| ConfigError::new("master_key", e.to_string()))?;
        return Ok(MasterKeySource::Configured(configured.to_owned()));
    }
    match database {
        DatabaseUrl::Sqlite(_) => Ok(MasterKeySource::File(raw.data_dir.join("master.key"))),
        DatabaseUrl::Postgres(_) => Ok(MasterKeySource::Missing),
    }
}

fn validate_flow(raw: &RawSettings) -> Result<FlowPolicy, ConfigError> {
    let seconds = |value: u64| time::Duration::seconds(i64::try_from(value).unwrap_or(i64::MAX));
    let code_lifetime = CodeLifetime::new(seconds(raw.code_lifetime_secs)).ok_or_else(|| {
        ConfigError::new("code_lifetime_secs", "must be between 1 and 600 seconds (RFC 6749 §4.1.2)")
    })?;
    if !(60..=30 * 86_400).contains(&raw.session_lifetime_secs) {
        return Err(ConfigError::new("session_lifetime_secs", "must be between 60 seconds and 30 days"));
    }
    positive("login_max_failures", raw.login_max_failures)?;
    positive("login_max_failures_per_ip", raw.login_max_failures_per_ip)?;
    if !(1..=86_400).contains(&raw.login_lockout_secs) {
        return Err(ConfigError::new("login_lockout_secs", "must be between 1 and 86400 seconds"));
    }
    Ok(FlowPolicy {
        authorize: AuthorizePolicy {
            allow_confidential_without_pkce: raw.insecure_pkce_optional_for_confidential,
        },
        code_lifetime,
        sessions: SessionLifetimes {
            authenticated: seconds(raw.session_lifetime_secs),
            ..SessionLifetimes::default()
        },
        throttle: ThrottlePolicy {
            account_limit: raw.login_max_failures,
            ip_limit: raw.login_max_failures_per_ip,
            window: seconds(raw.login_lockout_secs),
        },
    })
}

fn positive(key: &str, value: impl TryInto<u64>) -> Result<(), ConfigError> {
    match value.try_into() {
        Ok(0) | Err(_) => Err(ConfigError::new(key, "must be at least 1")),
        Ok(_) => Ok(()),
    }
}

/// OIDC Discovery §3 and RFC 8414 §2: an `https` URL with no query and no
/// fragment. Plain `http` is accepted only on a loopback host, for development.
fn validate_issuer(text: &str) -> Result<String, ConfigError> {
    let fail = |reason: &str| ConfigError::new("issuer", reason);
    let url = Url::parse(text).map_err(|e| ConfigError::new("issuer", format!("not a URL: {e}")))?;
    if url.query().is_some() {
        return Err(fail("must not have a query (OIDC Discovery §3)"));
    }
    if url.fragment().is_some() {
        return Err(fail("must not have a fragment (OIDC Discovery §3)"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(fail("must not carry credentials"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => return Err(fail("must use https; plain http is allowed only on a loopback host")),
        other => return Err(ConfigError::new("issuer", format!("scheme {other:?} is not http(s)"))),
    }
    if text.ends_with('/') {
        return Err(fail("must not end with '/': endpoint URLs are formed by appending to it"));
    }
    Ok(text.to_owned())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(domain)) => domain == "localhost",
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn validate_argon2(raw: &RawSettings) -> Result<Argon2Settings, ConfigError> {
    // Limits from RFC 9106 §3.1: at least one pass, 1..2^24 lanes, 8 KiB of memory per lane.
    if raw.argon2_iterations == 0 {
        return Err(ConfigError::new("argon2_iterations", "must be at least 1"));
    }
    if raw.argon2_parallelism == 0 || raw.argon2_parallelism >= 1 << 24 {
        return Err(ConfigError::new("argon2_parallelism", "must be between 1 and 16777215"));
    }
    if raw.argon2_memory_kib < 8 * raw.argon2_parallelism {
        return Err(ConfigError::new("argon2_memory_kib", "must be at least 8 × argon2_parallelism"));
    }
    let settings = Argon2Settings {
        memory_kib: raw.argon2_memory_kib,
        iterations: raw.argon2_iterations,
        parallelism: raw.argon2_parallelism,
        max_concurrent: raw.password_hash_concurrency,
    };
    oauth_keys::Argon2Hasher::new(&settings)
        .map_err(|e| ConfigError::new("argon2_memory_kib", e.to_string()))?;
    Ok(settings)
}

/// Whether the argon2 costs are below OWASP's minimum (worth a warning, not a refusal:
/// a test deployment may want cheap hashes).
pub fn argon2_below_owasp_minimum(settings: &Argon2Settings) -> bool {
    settings.memory_kib < 19_456 || settings.iterations < 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(change: impl FnOnce(&mut RawSettings)) -> Result<Config, ConfigError> {
        let mut raw = RawSettings::default();
        change(&mut raw);
        validate(raw)
    }

    #[test]
    fn defaults_are_valid() {
        let config = with(|_| {}).unwrap();
        assert_eq!(config.issuer, "http://127.0.0.1:8080");
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database, DatabaseUrl::Sqlite(PathBuf::from("./data/auth.db")));
        assert!(!config.https());
    }

    #[test]
    fn refusals_name_their_key() {
        type Change = fn(&mut RawSettings);
        let rows: &[(&str, Change, &str)] = &[
            ("issuer query", |r| r.issuer = "https://a.example/?x=1".into(), "issuer"),
            ("issuer fragment", |r| r.issuer = "https://a.example/#f".into(), "issuer"),
            ("issuer not a URL", |r| r.issuer = "not a url".into(), "issuer"),
            ("issuer http public", |r| r.issuer = "http://auth.example.com".into(), "issuer"),
            ("issuer trailing slash", |r| r.issuer = "https://a.example/auth/".into(), "issuer"),
            ("issuer credentials", |r| r.issuer = "https://u:p@a.example".into(), "issuer"),
            ("bind", |r| r.bind = "localhost".into(), "bind"),
            ("database scheme", |r| r.database_url = "mysql://x/y".into(), "database_url"),
            ("log level", |r| r.log_level = "loud[".into(), "log_level"),
            ("workers", |r| r.http_workers = 0, "http_workers"),
            ("argon2 memory", |r| r.argon2_memory_kib = 4, "argon2_memory_kib"),
            ("argon2 iterations", |r| r.argon2_iterations = 0, "argon2_iterations"),
            ("code lifetime zero", |r| r.code_lifetime_secs = 0, "code_lifetime_secs"),
            ("code lifetime over ten minutes", |r| r.code_lifetime_secs = 601, "code_lifetime_secs"),
            ("session lifetime", |r| r.session_lifetime_secs = 10, "session_lifetime_secs"),
            ("login failures", |r| r.login_max_failures = 0, "login_max_failures"),
            ("login lockout", |r| r.login_lockout_secs = 0, "login_lockout_secs"),
            ("proxy", |r| r.trusted_proxies = vec!["proxy.local".into()], "trusted_proxies"),
            ("janitor", |r| r.janitor_interval_secs = 1, "janitor_interval_secs"),
            ("client cache", |r| r.client_cache_secs = 61, "client_cache_secs"),
            ("master key", |r| r.master_key = Redacted("c2hvcnQ=".into()), "master_key"),
            ("access alg", |r| r.access_token_alg = "HS256".into(), "access_token_alg"),
            ("access lifetime", |r| r.access_token_lifetime_secs = 0, "access_token_lifetime_secs"),
            ("idle beyond absolute", |r| r.refresh_token_idle_secs = 31 * 86_400, "refresh_token_idle_secs"),
            ("key refresh", |r| r.key_refresh_secs = 0, "key_refresh_secs"),
            ("rotation too fast", |r| r.key_rotation_interval_secs = 60, "key_rotation_interval_secs"),
            (
                "api scope redeclares oidc",
                |r| {
                    r.api_scopes.insert("openid".into(), "x".into());
                },
                "api_scopes",
            ),
            (
                "api scope with space",
                |r| {
                    r.api_scopes.insert("api read".into(), "x".into());
                },
                "api_scopes",
            ),
        ];
        for (name, change, key) in rows {
            let error = with(*change).unwrap_err();
            assert_eq!(error.key, *key, "case {name}: {error}");
        }
    }

    #[test]
    fn https_issuer_with_a_path_is_accepted() {
        let config = with(|r| r.issuer = "https://example.com/auth".into()).unwrap();
        assert_eq!(config.issuer, "https://example.com/auth");
        assert!(config.https());
        assert!(with(|r| r.issuer = "http://localhost:9000".into()).is_ok());
        assert!(with(|r| r.issuer = "http://[::1]:9000".into()).is_ok());
    }

    #[test]
    fn every_key_is_listed() {
        let value = serde_json::to_value(RawSettings::default()).unwrap();
        let mut fields: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        let mut keys = KEYS.to_vec();
        fields.sort_unstable();
        keys.sort_unstable();
        assert_eq!(fields, keys);
    }
}

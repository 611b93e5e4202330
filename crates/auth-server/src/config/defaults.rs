//! Every default, in one place: what a server runs with when neither the file
//! nor the environment sets a key (README.md § Configuration lists them).

use std::collections::BTreeMap;
use std::path::PathBuf;

use oauth_core::throttle::AuthorizeQuota;
use oauth_keys::Argon2Settings;
use secrecy::SecretString;

use super::{
    ClientKeySettings, DatabaseSettings, DeviceSettings, Duration, EventSettings, KeySettings, LogFormat,
    LoggingSettings, PasswordSettings, ServerSettings, SignInSettings, TokenSettings,
};

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            issuer: "http://127.0.0.1:8080".into(),
            bind: "127.0.0.1:8080".into(),
            http_workers: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            shutdown_timeout_secs: Duration::seconds(30),
            trusted_proxies: Vec::new(),
            metrics_bind: None,
        }
    }
}

impl Default for LoggingSettings {
    fn default() -> Self {
        Self { log_format: LogFormat::Pretty, log_level: "info".into(), otlp_endpoint: String::new() }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://./data/auth.db".into(),
            data_dir: PathBuf::from("./data"),
            db_pool_size: 8,
            db_timeout_secs: Duration::seconds(3),
            janitor_interval_secs: Duration::minutes(5),
            client_cache_secs: Duration::seconds(1),
        }
    }
}

impl Default for PasswordSettings {
    fn default() -> Self {
        let argon2 = Argon2Settings::default();
        Self {
            argon2_memory_kib: argon2.memory_kib,
            argon2_iterations: argon2.iterations,
            argon2_parallelism: argon2.parallelism,
            password_hash_concurrency: argon2.max_concurrent,
        }
    }
}

impl Default for SignInSettings {
    fn default() -> Self {
        Self {
            api_scopes: BTreeMap::new(),
            code_lifetime_secs: Duration::minutes(1),
            session_lifetime_secs: Duration::hours(8),
            insecure_pkce_optional_for_confidential: false,
            login_max_failures: 5,
            login_max_failures_per_ip: 30,
            login_lockout_secs: Duration::minutes(15),
            authorize_requests_per_ip: AuthorizeQuota::default().per_address,
            require_pushed_authorization_requests: false,
            pushed_request_lifetime_secs: Duration::seconds(
                oauth_core::pushed_request::DEFAULT_PUSHED_REQUEST_LIFETIME.whole_seconds().unsigned_abs(),
            ),
        }
    }
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            access_token_audience: String::new(),
            access_token_alg: "ES256".into(),
            access_token_lifetime_secs: Duration::minutes(10),
            id_token_lifetime_secs: Duration::minutes(10),
            refresh_token_idle_secs: Duration::days(14),
            refresh_token_absolute_secs: Duration::days(30),
            dpop_nonce: false,
            insecure_private_key_jwt_token_endpoint_audience: false,
        }
    }
}

impl Default for KeySettings {
    fn default() -> Self {
        Self {
            master_key: SecretString::default(),
            jwks_max_age_secs: Duration::minutes(5),
            key_refresh_secs: Duration::minutes(1),
            key_rotation_interval_secs: Duration::seconds(0),
        }
    }
}

impl Default for ClientKeySettings {
    fn default() -> Self {
        Self {
            jwks_uri_timeout_secs: Duration::seconds(5),
            jwks_uri_cache_max_secs: Duration::hours(1),
            jwks_uri_allow_http_loopback: false,
        }
    }
}

impl Default for DeviceSettings {
    fn default() -> Self {
        Self {
            device_code_lifetime_secs: Duration::minutes(10),
            device_poll_interval_secs: Duration::seconds(5),
            device_authorizations_per_ip: 20,
            device_authorizations_total: 1_000,
        }
    }
}

impl Default for EventSettings {
    fn default() -> Self {
        let days = oauth_core::security_event::DEFAULT_RETENTION.whole_days();
        Self { security_event_retention_days: u32::try_from(days).unwrap_or(90) }
    }
}

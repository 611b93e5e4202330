use std::path::PathBuf;

use figment::providers::{Format, Toml};
use oauth_store_diesel::DatabaseUrl;
use secrecy::SecretString;

use super::*;

fn with(change: impl FnOnce(&mut RawSettings)) -> Result<Config, ConfigError> {
    let mut raw = RawSettings::default();
    change(&mut raw);
    validate(&raw)
}

fn from_toml(text: &str) -> Result<RawSettings, ConfigError> {
    RawSettings::extract(&Figment::from(Toml::string(text)), None)
}

#[test]
fn defaults_are_valid() {
    let config = with(|_| {}).unwrap();
    assert_eq!(config.server.issuer, "http://127.0.0.1:8080");
    assert_eq!(config.server.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(config.database.url, DatabaseUrl::Sqlite(PathBuf::from("./data/auth.db")));
    assert!(!config.https());
    assert_eq!(config.server.metrics_bind, None, "metrics are off unless asked for");
}

#[test]
fn refusals_name_their_key() {
    type Change = fn(&mut RawSettings);
    let rows: &[(&str, Change, &str)] = &[
        ("issuer query", |r| r.server.issuer = "https://a.example/?x=1".into(), "issuer"),
        ("issuer fragment", |r| r.server.issuer = "https://a.example/#f".into(), "issuer"),
        ("issuer not a URL", |r| r.server.issuer = "not a url".into(), "issuer"),
        ("issuer http public", |r| r.server.issuer = "http://auth.example.com".into(), "issuer"),
        ("issuer trailing slash", |r| r.server.issuer = "https://a.example/auth/".into(), "issuer"),
        ("issuer credentials", |r| r.server.issuer = "https://u:p@a.example".into(), "issuer"),
        ("bind", |r| r.server.bind = "localhost".into(), "bind"),
        ("metrics bind", |r| r.server.metrics_bind = Some("localhost".into()), "metrics_bind"),
        (
            "metrics on the public port",
            |r| r.server.metrics_bind = Some("0.0.0.0:8080".into()),
            "metrics_bind",
        ),
        ("database scheme", |r| r.database.database_url = "mysql://x/y".into(), "database_url"),
        ("log level", |r| r.logging.log_level = "loud[".into(), "log_level"),
        ("otlp not a URL", |r| r.logging.otlp_endpoint = "collector:4318".into(), "otlp_endpoint"),
        ("otlp scheme", |r| r.logging.otlp_endpoint = "grpc://127.0.0.1:4317".into(), "otlp_endpoint"),
        ("otlp query", |r| r.logging.otlp_endpoint = "http://127.0.0.1:4318/?a=1".into(), "otlp_endpoint"),
        (
            "otlp credentials",
            |r| r.logging.otlp_endpoint = "https://u:p@otel.example".into(),
            "otlp_endpoint",
        ),
        ("workers", |r| r.server.http_workers = 0, "http_workers"),
        (
            "shutdown timeout",
            |r| r.server.shutdown_timeout_secs = Duration::seconds(3601),
            "shutdown_timeout_secs",
        ),
        ("db timeout zero", |r| r.database.db_timeout_secs = Duration::seconds(0), "db_timeout_secs"),
        (
            "db timeout huge",
            |r| r.database.db_timeout_secs = Duration::seconds(u64::MAX / 2),
            "db_timeout_secs",
        ),
        ("argon2 memory", |r| r.passwords.argon2_memory_kib = 4, "argon2_memory_kib"),
        ("argon2 iterations", |r| r.passwords.argon2_iterations = 0, "argon2_iterations"),
        ("code lifetime zero", |r| r.sign_in.code_lifetime_secs = Duration::seconds(0), "code_lifetime_secs"),
        (
            "code lifetime over ten minutes",
            |r| r.sign_in.code_lifetime_secs = Duration::seconds(601),
            "code_lifetime_secs",
        ),
        (
            "session lifetime",
            |r| r.sign_in.session_lifetime_secs = Duration::seconds(10),
            "session_lifetime_secs",
        ),
        ("login failures", |r| r.sign_in.login_max_failures = 0, "login_max_failures"),
        ("login lockout", |r| r.sign_in.login_lockout_secs = Duration::seconds(0), "login_lockout_secs"),
        ("authorize quota", |r| r.sign_in.authorize_requests_per_ip = 0, "authorize_requests_per_ip"),
        (
            "pushed request lifetime",
            |r| r.sign_in.pushed_request_lifetime_secs = Duration::seconds(5),
            "pushed_request_lifetime_secs",
        ),
        ("proxy", |r| r.server.trusted_proxies = vec!["proxy.local".into()], "trusted_proxies"),
        ("janitor", |r| r.database.janitor_interval_secs = Duration::seconds(1), "janitor_interval_secs"),
        ("client cache", |r| r.database.client_cache_secs = Duration::seconds(61), "client_cache_secs"),
        ("master key", |r| r.keys.master_key = SecretString::from("c2hvcnQ="), "master_key"),
        ("access alg", |r| r.tokens.access_token_alg = "HS256".into(), "access_token_alg"),
        (
            "access lifetime",
            |r| r.tokens.access_token_lifetime_secs = Duration::seconds(0),
            "access_token_lifetime_secs",
        ),
        (
            "idle beyond absolute",
            |r| r.tokens.refresh_token_idle_secs = Duration::days(31),
            "refresh_token_idle_secs",
        ),
        ("key refresh", |r| r.keys.key_refresh_secs = Duration::seconds(0), "key_refresh_secs"),
        (
            "rotation too fast",
            |r| r.keys.key_rotation_interval_secs = Duration::seconds(60),
            "key_rotation_interval_secs",
        ),
        (
            "api scope redeclares oidc",
            |r| {
                r.sign_in.api_scopes.insert("openid".into(), "x".into());
            },
            "api_scopes",
        ),
        (
            "api scope with space",
            |r| {
                r.sign_in.api_scopes.insert("api read".into(), "x".into());
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
    let config = with(|r| r.server.issuer = "https://example.com/auth".into()).unwrap();
    assert_eq!(config.server.issuer, "https://example.com/auth");
    assert!(config.https());
    assert!(with(|r| r.server.issuer = "http://localhost:9000".into()).is_ok());
    assert!(with(|r| r.server.issuer = "http://[::1]:9000".into()).is_ok());
}

#[test]
fn otlp_endpoint_is_off_when_empty_and_kept_when_a_url() {
    assert_eq!(with(|_| {}).unwrap().logging.otlp_endpoint, None, "no traces by default");
    for (text, kept) in [
        ("http://127.0.0.1:4318", "http://127.0.0.1:4318/"),
        ("https://otel.example/otlp/", "https://otel.example/otlp/"),
    ] {
        let config = with(|r| r.logging.otlp_endpoint = text.into()).unwrap();
        assert_eq!(config.logging.otlp_endpoint.as_ref().map(url::Url::as_str), Some(kept), "{text}");
    }
}

#[test]
fn otlp_endpoint_takes_plain_http_only_on_a_loopback_host() {
    // The exporter sends the collector's token header with every batch.
    for text in ["http://otel.example:4318", "http://192.0.2.7:4318", "http://127.0.0.1.example:4318"] {
        let error = with(|r| r.logging.otlp_endpoint = text.into()).unwrap_err();
        assert_eq!(error.key, "otlp_endpoint", "{text}");
        assert!(error.reason.starts_with("must use https"), "{text}: {error}");
    }
    for text in
        ["http://127.0.0.1:4318", "http://127.0.0.2:4318", "http://localhost:4318", "http://[::1]:4318"]
    {
        assert!(with(|r| r.logging.otlp_endpoint = text.into()).is_ok(), "{text}");
    }
}

#[test]
fn every_key_keeps_its_flat_name() {
    // These names are the file keys and, as AUTH_<KEY>, the variables of
    // existing deployments: a section may move a key, never rename it.
    let mut keys = RawSettings::keys();
    keys.sort_unstable();
    let mut expected = vec![
        "issuer",
        "bind",
        "database_url",
        "data_dir",
        "log_format",
        "log_level",
        "otlp_endpoint",
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
        "authorize_requests_per_ip",
        "require_pushed_authorization_requests",
        "pushed_request_lifetime_secs",
        "trusted_proxies",
        "metrics_bind",
        "janitor_interval_secs",
        "client_cache_secs",
        "master_key",
        "access_token_audience",
        "access_token_alg",
        "access_token_lifetime_secs",
        "id_token_lifetime_secs",
        "refresh_token_idle_secs",
        "refresh_token_absolute_secs",
        "dpop_nonce",
        "insecure_private_key_jwt_token_endpoint_audience",
        "jwks_max_age_secs",
        "key_refresh_secs",
        "key_rotation_interval_secs",
        "client_id_metadata_documents",
        "cimd_allow_http_loopback",
        "cimd_max_bytes",
        "cimd_timeout_secs",
        "cimd_cache_min_secs",
        "cimd_cache_max_secs",
        "cimd_cache_entries",
        "cimd_new_clients_per_ip",
        "cimd_new_clients_total",
        "registration_scopes",
        "registration",
        "registration_per_ip",
        "registration_total",
        "registration_idle_days",
        "registration_max_clients",
        "jwks_uri_timeout_secs",
        "jwks_uri_cache_max_secs",
        "jwks_uri_allow_http_loopback",
        "device_code_lifetime_secs",
        "device_poll_interval_secs",
        "device_authorizations_per_ip",
        "device_authorizations_total",
        "security_event_retention_days",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
}

#[test]
fn a_file_reads_flat_keys_with_bare_seconds_or_units() {
    let raw = from_toml(
        "bind = \"127.0.0.1:0\"\ncode_lifetime_secs = 90\nsession_lifetime_secs = \"12h\"\n\
         refresh_token_idle_secs = \"14d\"\nmaster_key = \"KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=\"\n",
    )
    .unwrap();
    assert_eq!(raw.server.bind, "127.0.0.1:0");
    assert_eq!(raw.sign_in.code_lifetime_secs, Duration::seconds(90));
    assert_eq!(raw.sign_in.session_lifetime_secs, Duration::hours(12));
    assert_eq!(raw.tokens.refresh_token_idle_secs, Duration::days(14));
    assert_eq!(raw.server.issuer, ServerSettings::default().issuer, "unset keys keep their default");
    assert!(matches!(validate(&raw).unwrap().keys.master_key, MasterKeySource::Configured(_)));
}

#[test]
fn a_file_refusal_names_the_key() {
    let rows: &[(&str, &str, &str)] = &[
        ("unknown key", "colour = \"blue\"\n", "colour"),
        ("section table", "[server]\nbind = \"127.0.0.1:0\"\n", "server"),
        ("wrong type", "bind = 8080\n", "bind"),
        ("duration word", "login_lockout_secs = \"a while\"\n", "login_lockout_secs"),
        ("log format", "log_format = \"xml\"\n", "log_format"),
    ];
    for (name, text, key) in rows {
        let error = from_toml(text).unwrap_err();
        assert_eq!(error.key, *key, "case {name}: {error}");
    }
}

#[test]
fn debug_output_hides_secrets() {
    let key = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
    let mut raw = RawSettings::default();
    raw.keys.master_key = SecretString::from(key);
    let raw_text = format!("{raw:?}");
    let config_text = format!("{:?}", validate(&raw).unwrap());
    for text in [raw_text, config_text] {
        assert!(!text.contains(key), "{text}");
        assert!(text.contains("REDACTED"), "{text}");
    }
}

#[test]
fn metadata_documents_are_off_by_default_and_checked_when_on() {
    let config = validate(&RawSettings::default()).expect("defaults");
    assert_eq!(config.self_asserted.metadata_documents, None, "off by default");
    let on = from_toml("client_id_metadata_documents = true\n");
    let documents =
        validate(&on.expect("readable")).expect("valid").self_asserted.metadata_documents.expect("on");
    assert_eq!((documents.max_bytes, documents.allow_http_loopback), (5 * 1024, false));
    let refused = [
        ("registration_scopes = [\"payroll:admin\"]\n", "registration_scopes"),
        ("client_id_metadata_documents = true\ncimd_max_bytes = 10\n", "cimd_max_bytes"),
        ("cimd_allow_http_loopback = true\n", "cimd_allow_http_loopback"),
        (
            "client_id_metadata_documents = true\ncimd_cache_min_secs = \"2h\"\ncimd_cache_max_secs = \"1h\"\n",
            "cimd_cache_max_secs",
        ),
    ];
    for (text, key) in refused {
        let error = validate(&from_toml(text).expect("readable")).expect_err(text);
        assert!(error.to_string().contains(key), "{text}: {error}");
    }
}

#[test]
fn registration_is_off_by_default_and_checked_when_on() {
    use oauth_core::service::registration::RegistrationMode;
    let config = validate(&RawSettings::default()).expect("defaults");
    assert_eq!(config.self_asserted.registration, None, "off by default");
    assert_eq!(config.self_asserted.registration_idle.as_secs(), 30 * 86_400);
    for (text, mode) in [
        ("registration = \"token\"\n", RegistrationMode::Token),
        ("registration = \"open\"\n", RegistrationMode::Open),
    ] {
        let on = validate(&from_toml(text).expect("readable")).expect("valid");
        let registration = on.self_asserted.registration.expect("on");
        assert_eq!((registration.mode, registration.per_ip, registration.total), (mode, 10, 100));
    }
    let refused = [
        ("registration = \"anyone\"\n", "registration"),
        ("registration_per_ip = 0\n", "registration_per_ip"),
        ("registration_per_ip = 20\nregistration_total = 10\n", "registration_total"),
        ("registration_idle_days = 0\n", "registration_idle_days"),
        ("registration_max_clients = 0\n", "registration_max_clients"),
        ("registration_idle_days = 10\n", "registration_idle_days"),
    ];
    for (text, key) in refused {
        let error = from_toml(text).and_then(|raw| validate(&raw)).expect_err(text);
        assert!(error.to_string().contains(key), "{text}: {error}");
    }
}

#[test]
fn jwks_uri_fetches_are_bounded() {
    let defaults = validate(&RawSettings::default()).unwrap().client_keys;
    assert_eq!(defaults.timeout, Duration::seconds(5));
    assert_eq!(defaults.cache_max, Duration::hours(1));
    assert!(!defaults.allow_http_loopback, "plain http is a development switch, off");
    for (toml, key) in [
        ("jwks_uri_timeout_secs = 0", "jwks_uri_timeout_secs"),
        ("jwks_uri_timeout_secs = 31", "jwks_uri_timeout_secs"),
        ("jwks_uri_cache_max_secs = 59", "jwks_uri_cache_max_secs"),
        ("jwks_uri_cache_max_secs = \"2d\"", "jwks_uri_cache_max_secs"),
    ] {
        let error = validate(&from_toml(toml).unwrap()).unwrap_err();
        assert!(error.to_string().contains(key), "{toml}: {error}");
    }
}

#[test]
fn the_device_grant_is_bounded() {
    let defaults = validate(&RawSettings::default()).unwrap().device;
    assert_eq!((defaults.lifetime, defaults.interval), (Duration::minutes(10), Duration::seconds(5)));
    assert_eq!((defaults.per_ip.per_address, defaults.total.per_address), (20, 1_000));
    for (toml, key) in [
        ("device_code_lifetime_secs = 59", "device_code_lifetime_secs"),
        ("device_code_lifetime_secs = \"1h\"", "device_code_lifetime_secs"),
        ("device_poll_interval_secs = 0", "device_poll_interval_secs"),
        ("device_authorizations_per_ip = 0", "device_authorizations_per_ip"),
        ("device_authorizations_total = 5", "device_authorizations_total"),
    ] {
        let error = validate(&from_toml(toml).unwrap()).unwrap_err();
        assert!(error.to_string().contains(key), "{toml}: {error}");
    }
}

#[test]
fn metrics_bind_reads_from_a_file() {
    let raw = from_toml("metrics_bind = \"127.0.0.1:9090\"\n").unwrap();
    let config = validate(&raw).unwrap();
    assert_eq!(config.server.metrics_bind.map(|a| a.to_string()).as_deref(), Some("127.0.0.1:9090"));
}

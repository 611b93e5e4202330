//! The server in this process: on its own database (SQLite, or PostgreSQL
//! when `TEST_DATABASE_URL` is set), on port 0, with a clock that moves only
//! when a test advances it.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use auth_server::app::Application;
use auth_server::config::{Config, Duration, RawSettings, validate};
use auth_server::security_events::SecurityEventLog;
use oauth_core::testing::ManualClock;
use oauth_core::testing::fixtures::T0;
use oauth_store_diesel::testing::TestDatabase;
use secrecy::SecretString;

/// A fixed master key for tests on PostgreSQL (32 bytes of 0x2a, base64).
pub const TEST_MASTER_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

/// The server running in this process, on its own database, with a clock
/// that moves only when a test advances it.
pub struct TestApp {
    pub address: String,
    /// Base URL of the metrics listener, when `metrics_bind` is set.
    pub metrics_address: Option<String>,
    pub http: reqwest::Client,
    pub db: TestDatabase,
    pub config: Config,
    pub clock: Arc<ManualClock>,
    /// The security event sink: `flush` it before reading the event table.
    pub events: SecurityEventLog,
    _data_dir: tempfile::TempDir,
}

/// Settings for a test: loopback on port 0, the given database, a temp data
/// folder, with `change` applied.
pub fn test_config_with(db: &TestDatabase, data_dir: &Path, change: impl FnOnce(&mut RawSettings)) -> Config {
    let mut raw = RawSettings::default();
    raw.database.database_url = db.url_text();
    data_dir.clone_into(&mut raw.database.data_dir);
    raw.server.bind = "127.0.0.1:0".into();
    raw.server.http_workers = 1;
    raw.server.shutdown_timeout_secs = Duration::seconds(1);
    // PostgreSQL needs a configured master key; SQLite uses data_dir/master.key.
    if db.url_text().starts_with("postgres") {
        raw.keys.master_key = SecretString::from(TEST_MASTER_KEY);
    }
    change(&mut raw);
    validate(&raw).expect("test configuration is valid")
}

/// Starts the application in-process on `db`.
pub async fn spawn_app_on(db: TestDatabase) -> TestApp {
    spawn_app_with(db, |_| {}).await
}

/// Starts the application in-process on `db` with changed settings.
pub async fn spawn_app_with(db: TestDatabase, change: impl FnOnce(&mut RawSettings)) -> TestApp {
    let data_dir = tempfile::TempDir::new().expect("temp dir");
    let config = test_config_with(&db, data_dir.path(), change);
    let clock = Arc::new(ManualClock::at(T0));
    let running = start_running(&config, clock.clone()).await;
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let (address, metrics_address, events) = (running.address, running.metrics_address, running.events);
    TestApp { address, metrics_address, http, db, config, clock, events, _data_dir: data_dir }
}

/// Starts the application on SQLite with its issuer set to the address it
/// really listens on, so that discovery URLs can be followed over HTTP.
pub async fn spawn_app_at_its_issuer() -> TestApp {
    spawn_app_at_its_issuer_with(|_| {}).await
}

/// [`spawn_app_at_its_issuer`] with changed settings.
pub async fn spawn_app_at_its_issuer_with(change: impl FnOnce(&mut RawSettings)) -> TestApp {
    let db = TestDatabase::sqlite();
    let data_dir = tempfile::TempDir::new().expect("temp dir");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let issuer = format!("http://{}", listener.local_addr().expect("address"));
    let config = test_config_with(&db, data_dir.path(), |raw| {
        raw.server.issuer.clone_from(&issuer);
        change(raw);
    });
    let clock = Arc::new(ManualClock::at(T0));
    let app = Application::build_with_clock(&config, listener, clock.clone()).await.expect("build app");
    let events = app.security_events();
    let metrics_address = app.metrics_address().map(|address| format!("http://{address}"));
    tokio::spawn(app.run_until_stopped());
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    TestApp { address: issuer, metrics_address, http, db, config, clock, events, _data_dir: data_dir }
}

/// Builds and runs one more instance of `config` (another server on the same
/// database) with `clock`; returns its base URL.
pub async fn start(config: &Config, clock: Arc<ManualClock>) -> String {
    start_running(config, clock).await.address
}

/// One more running instance: its base URL, its metrics listener's base URL
/// when `metrics_bind` is set, and its security event sink.
pub struct Running {
    pub address: String,
    pub metrics_address: Option<String>,
    pub events: SecurityEventLog,
}

/// [`start`], with what a test may need of the instance.
pub async fn start_running(config: &Config, clock: Arc<ManualClock>) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = Application::build_with_clock(config, listener, clock).await.expect("build app");
    let address = format!("http://{}", app.address());
    let metrics_address = app.metrics_address().map(|address| format!("http://{address}"));
    let events = app.security_events();
    tokio::spawn(app.run_until_stopped());
    Running { address, metrics_address, events }
}

/// Starts the application in-process on a fresh SQLite file.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(TestDatabase::sqlite()).await
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.address)).send().await.expect("request")
    }

    /// `POST {path}` with `body` exactly as given and `headers`: for requests
    /// that no HTML form would send.
    pub async fn post_raw(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = self.http.post(format!("{}{path}", self.address)).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request")
    }
}

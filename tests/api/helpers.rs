//! Shared test plumbing: an in-process app, the binary, a minimal HTTP client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use std::sync::Arc;

use auth_server::app::Application;
use auth_server::config::{Config, RawSettings, Redacted, validate};

/// A fixed master key for tests on PostgreSQL (32 bytes of 0x2a, base64).
pub const TEST_MASTER_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";
use oauth_core::testing::ManualClock;
use oauth_core::testing::fixtures::T0;
use oauth_store_diesel::testing::TestDatabase;

/// The server running in this process, on its own database, with a clock
/// that moves only when a test advances it.
pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub db: TestDatabase,
    pub config: Config,
    pub clock: Arc<ManualClock>,
    _data_dir: tempfile::TempDir,
}

/// Settings for a test: loopback on port 0, the given database, a temp data
/// folder, with `change` applied.
pub fn test_config_with(db: &TestDatabase, data_dir: &Path, change: impl FnOnce(&mut RawSettings)) -> Config {
    let mut raw = RawSettings {
        database_url: db.url_text(),
        data_dir: data_dir.to_owned(),
        bind: "127.0.0.1:0".into(),
        http_workers: 1,
        shutdown_timeout_secs: 1,
        // PostgreSQL needs a configured master key; SQLite uses data_dir/master.key.
        master_key: if db.url_text().starts_with("postgres") {
            Redacted(TEST_MASTER_KEY.into())
        } else {
            Redacted::default()
        },
        ..RawSettings::default()
    };
    change(&mut raw);
    validate(raw).expect("test configuration is valid")
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
    let address = start(&config, clock.clone()).await;
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    TestApp { address, http, db, config, clock, _data_dir: data_dir }
}

/// Starts the application on SQLite with its issuer set to the address it
/// really listens on, so that discovery URLs can be followed over HTTP.
pub async fn spawn_app_at_its_issuer() -> TestApp {
    let db = TestDatabase::sqlite();
    let data_dir = tempfile::TempDir::new().expect("temp dir");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let issuer = format!("http://{}", listener.local_addr().expect("address"));
    let config = test_config_with(&db, data_dir.path(), |raw| raw.issuer.clone_from(&issuer));
    let clock = Arc::new(ManualClock::at(T0));
    let app = Application::build_with_clock(&config, listener, clock.clone()).await.expect("build app");
    tokio::spawn(app.run_until_stopped());
    let http =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    TestApp { address: issuer, http, db, config, clock, _data_dir: data_dir }
}

/// Builds and runs one more instance of `config` (another server on the same
/// database) with `clock`; returns its base URL.
pub async fn start(config: &Config, clock: Arc<ManualClock>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = Application::build_with_clock(config, listener, clock).await.expect("build app");
    let address = format!("http://{}", app.address());
    tokio::spawn(app.run_until_stopped());
    address
}

/// Starts the application in-process on a fresh SQLite file.
pub async fn spawn_app() -> TestApp {
    spawn_app_on(TestDatabase::sqlite()).await
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.address)).send().await.expect("request")
    }
}

/// The `auth-server` binary, run in its own empty working folder with no
/// `AUTH_*` variable inherited from the developer's shell.
pub struct Binary {
    pub dir: tempfile::TempDir,
}

impl Binary {
    pub fn new() -> Self {
        Self { dir: tempfile::TempDir::new().expect("temp dir") }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_auth-server"));
        command.current_dir(self.dir.path());
        for (key, _) in std::env::vars() {
            if key.starts_with("AUTH_") {
                command.env_remove(key);
            }
        }
        command.env("AUTH_LOG_FORMAT", "json").env("AUTH_LOG_LEVEL", "info");
        command
    }

    /// Runs to completion with `stdin` as standard input.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
        let mut child = self
            .command()
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn auth-server");
        // A command that refuses its arguments exits without reading stdin: a
        // broken pipe then is the expected outcome, not a test failure.
        match child.stdin.take().expect("stdin").write_all(stdin.as_bytes()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => panic!("write stdin: {e}"),
        }
        child.wait_with_output().expect("wait")
    }

    /// Starts `serve` and returns once it logged its address (no polling, no sleep).
    pub fn serve(&self, env: &[(&str, &str)]) -> RunningServer {
        self.serve_args(&[], env)
    }

    /// [`Binary::serve`] with arguments (`["serve", "--demo"]`).
    pub fn serve_args(&self, args: &[&str], env: &[(&str, &str)]) -> RunningServer {
        let mut child = self
            .command()
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn auth-server");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let mut seen = Vec::new();
        let address = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!("server exited before listening; stderr:\n{}", seen.join("\n"));
            };
            if let Ok(event) = serde_json::from_str::<serde_json::Value>(&line)
                && event["message"] == "listening"
            {
                break event["address"]
                    .as_str()
                    .expect("address field")
                    .trim_start_matches("http://")
                    .to_owned();
            }
            seen.push(line);
        };
        RunningServer { child, address, stderr: lines }
    }
}

/// A server process started by [`Binary::serve`].
pub struct RunningServer {
    pub child: Child,
    pub address: String,
    stderr: std::io::Lines<BufReader<std::process::ChildStderr>>,
}

impl RunningServer {
    /// Sends SIGTERM and returns the exit status and the rest of the log.
    pub fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        let rest: Vec<String> = self.stderr.by_ref().map_while(Result::ok).collect();
        let status = self.child.wait().expect("wait");
        (status, rest.join("\n"))
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 GET over loopback, for tests that run outside a runtime.
/// Returns (status, body).
pub fn http_get(address: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("status line");
    let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
    (status, body)
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

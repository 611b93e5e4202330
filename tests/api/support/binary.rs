//! The real `auth-server` binary, driven through argv, stdin and signals, and
//! a minimal HTTP/1.1 client for tests that run outside an async runtime.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

use oauth_store_diesel::testing::TestDatabase;

/// The databases a CLI test runs on: SQLite always, PostgreSQL when
/// `TEST_DATABASE_URL` is set (a fresh database named after `test`).
pub fn databases(test: &str) -> Vec<(&'static str, TestDatabase)> {
    let mut found = vec![("sqlite", TestDatabase::sqlite())];
    if let Some(db) = TestDatabase::postgres(test) {
        found.push(("postgres", db));
    }
    found
}

/// `clients create` of one client named `name` with the `openid` scope, then `more`.
pub fn create_client<'a>(
    name: &'a str,
    client_type: &'a str,
    redirect_uri: &'a str,
    more: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "clients",
        "create",
        "--name",
        name,
        "--type",
        client_type,
        "--redirect-uri",
        redirect_uri,
        "--scope",
        "openid",
    ];
    args.extend_from_slice(more);
    args
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

    /// Spawns the binary with `args` and `env`, its output piped.
    fn spawn(&self, args: &[&str], env: &[(&str, &str)], stdin: Stdio) -> Child {
        let mut command = self.command();
        command
            .args(args)
            .envs(env.iter().copied())
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command.spawn().expect("spawn auth-server")
    }

    /// Runs to completion with `stdin` as standard input.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
        let mut child = self.spawn(args, env, Stdio::piped());
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
        self.start(args, env, json_listening)
    }

    /// [`Binary::serve`] with the pretty log format (the default outside tests).
    pub fn serve_pretty(&self, env: &[(&str, &str)]) -> RunningServer {
        let mut env = env.to_vec();
        env.push(("AUTH_LOG_FORMAT", "pretty"));
        self.start(&[], &env, pretty_listening)
    }

    /// Spawns the server and reads its log until `listening` finds the address.
    fn start(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
        listening: fn(&str) -> Option<String>,
    ) -> RunningServer {
        let mut child = self.spawn(args, env, Stdio::null());
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let mut seen = Vec::new();
        let address = loop {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                panic!("server exited before listening; stderr:\n{}", seen.join("\n"));
            };
            if let Some(address) = listening(&line) {
                break address;
            }
            seen.push(line);
        };
        RunningServer { child, address, seen, stderr: lines }
    }
}

/// The address of a JSON `listening` line.
fn json_listening(line: &str) -> Option<String> {
    let event = serde_json::from_str::<serde_json::Value>(line).ok()?;
    if event["message"] != "listening" {
        return None;
    }
    let address = event["address"].as_str().expect("address field");
    Some(address.trim_start_matches("http://").to_owned())
}

/// The address of a pretty `listening` line: `… INFO listening address=http://… issuer=…`.
fn pretty_listening(line: &str) -> Option<String> {
    let mut words = line.split_whitespace().skip_while(|word| *word != "listening");
    words.next()?;
    words.find_map(|word| word.strip_prefix("address=http://")).map(str::to_owned)
}

/// A server process started by [`Binary::serve`].
pub struct RunningServer {
    pub child: Child,
    pub address: String,
    /// The log lines before the `listening` line.
    pub seen: Vec<String>,
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

/// A plain HTTP/1.1 form POST over loopback. Returns (status, head, body).
pub fn http_post_form(address: &str, path: &str, form: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("status line");
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((response.as_str(), ""));
    (status, head.to_owned(), body.to_owned())
}

/// Standard error as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Standard output as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

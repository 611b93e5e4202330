//! A small driver for the authorization code + PKCE flow against a running
//! server, for `scripts/bench.sh`: N flows, sequential or C at a time, each
//! either with a login (a fresh browser: authorize → login → consent when
//! asked → code → token) or reusing one signed-in browser per worker
//! (authorize → code → token); or, in `refresh` mode, one sign-in per
//! worker and then a chain of refresh requests, each sending the refresh
//! token the previous one returned. Prints one JSON line: flows (or
//! requests) per second, p50, p99, failures.
//!
//! With `WARMUP=W` each worker first runs W unmeasured flows (or refreshes),
//! and once every worker has, the shell command in `AFTER_WARMUP` runs (for
//! instance `callgrind_control -z PID`, so a profile counts only the
//! measured flows).
//!
//! BASE may list several instances of one issuer, separated by commas: flow
//! k then runs its browser steps on instance k and its token request on the
//! next one, and a refresh chain takes its instances in turn, so every flow
//! crosses instances and shares state only through the database. Cookies and forms are handled as a browser would, by hand, so
//! nothing is hidden: every request is one the server really answers. `{n}`
//! in USER is replaced by the flow's number (login) or the worker's
//! (session): the server refuses a sign-in while another one of the same
//! account is in flight, so concurrent logins need distinct accounts.
//!
//! ```text
//! cargo run --release -p auth-server --example flow_driver -- \
//!   BASE[,BASE…] CLIENT_ID CLIENT_SECRET USER PASSWORD FLOWS CONCURRENCY login|session|refresh
//! ```
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    missing_docs,
    missing_debug_implementations // Settings and Browser hold a secret and a session cookie
)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use oauth_core::pkce::{CodeChallenge, CodeVerifier};

const REDIRECT_URI: &str = "http://127.0.0.1:9999/cb";
const COOKIE: &str = "manumu_session";

/// Where and as whom the flows run.
pub struct Settings {
    /// The base URL of each instance of the issuer.
    pub instances: Vec<String>,
    pub client_id: String,
    pub client_secret: String,
    /// `{n}` is replaced by the flow's or the worker's number.
    pub user: String,
    pub password: String,
    pub scope: String,
}

impl Settings {
    /// The base URL of instance `turn`, taken in turn.
    fn instance(&self, turn: usize) -> &str {
        &self.instances[turn % self.instances.len()]
    }
}

/// One browser: its session cookie.
pub struct Browser {
    pub http: reqwest::Client,
    pub cookie: Option<String>,
}

impl Browser {
    fn remember(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let pair = value.to_str().unwrap_or("").split(';').next().unwrap_or("");
            if let Some(secret) = pair.strip_prefix(&format!("{COOKIE}=")) {
                self.cookie = (!secret.is_empty()).then(|| secret.to_owned());
            }
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, String> {
        let request = match &self.cookie {
            Some(cookie) => request.header(reqwest::header::COOKIE, format!("{COOKIE}={cookie}")),
            None => request,
        };
        let response = request.send().await.map_err(|e| e.to_string())?;
        self.remember(&response);
        Ok(response)
    }
}

fn location(response: &reqwest::Response) -> Result<String, String> {
    response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| format!("expected a redirect, got {}", response.status()))
}

/// The hidden inputs of the page's form (tera escapes `/` and `&`).
fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let attribute = |tag: &str, name: &str| {
        tag.split(&format!("{name}=\"")).nth(1).map(|rest| rest.split('"').next().unwrap_or("").to_owned())
    };
    html.split("<input")
        .skip(1)
        .filter_map(|input| {
            let tag = input.split('>').next()?;
            if !tag.contains("type=\"hidden\"") {
                return None;
            }
            let value = attribute(tag, "value")?.replace("&#x2F;", "/").replace("&amp;", "&");
            Some((attribute(tag, "name")?, value))
        })
        .collect()
}

/// A code from the authorization endpoint and the PKCE verifier it needs.
#[derive(Clone)]
pub struct IssuedCode {
    pub code: String,
    pub verifier: String,
}

impl IssuedCode {
    /// The token request's form (RFC 6749 §4.1.3, RFC 7636 §4.5).
    pub fn exchange_form(&self) -> Vec<(&'static str, String)> {
        vec![
            ("grant_type", "authorization_code".into()),
            ("code", self.code.clone()),
            ("redirect_uri", REDIRECT_URI.into()),
            ("code_verifier", self.verifier.clone()),
        ]
    }
}

/// The browser steps of a flow on instance `turn`: authorize, then the login
/// form as `user` and consent when asked, to the code.
pub async fn code_for(
    browser: &mut Browser,
    settings: &Settings,
    user: &str,
    turn: usize,
) -> Result<IssuedCode, String> {
    let verifier_text = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let verifier = CodeVerifier::parse(&verifier_text).map_err(|e| e.to_string())?;
    let state = uuid::Uuid::new_v4().simple().to_string();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", settings.client_id.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("scope", settings.scope.as_str()),
            ("state", state.as_str()),
            ("code_challenge", CodeChallenge::s256(&verifier).as_str()),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    let base = settings.instance(turn);
    let mut response = browser.send(browser.http.get(format!("{base}/oauth/authorize?{query}"))).await?;
    // Pages until the redirect to the client: the login form, then consent when asked.
    for _ in 0..3 {
        if response.status().is_redirection() {
            let next = location(&response)?;
            if next.starts_with(REDIRECT_URI) {
                break;
            }
            response = browser.send(browser.http.get(format!("{base}{next}"))).await?;
            continue;
        }
        let html = response.text().await.map_err(|e| e.to_string())?;
        let mut fields = hidden_fields(&html);
        let action = if html.contains("name=\"password\"") {
            fields.push(("username".into(), user.to_owned()));
            fields.push(("password".into(), settings.password.clone()));
            "/login"
        } else if html.contains("value=\"approve\"") {
            fields.push(("decision".into(), "approve".into()));
            "/consent"
        } else {
            return Err("an unexpected page".into());
        };
        response = browser.send(browser.http.post(format!("{base}{action}")).form(&fields)).await?;
    }
    let redirect = url::Url::parse(&location(&response)?).map_err(|e| e.to_string())?;
    let pairs: HashMap<String, String> = redirect.query_pairs().into_owned().collect();
    if pairs.get("state") != Some(&state) {
        return Err("state did not come back".into());
    }
    let code = pairs.get("code").ok_or("no code in the redirect")?;
    Ok(IssuedCode { code: code.clone(), verifier: verifier_text })
}

/// A flow's time and the refresh token it got, if any.
pub struct Flowed {
    pub took: Duration,
    pub refresh_token: Option<String>,
}

/// One flow from `browser`'s state, signing in as `user` if asked, its
/// browser steps on instance `turn` and its token request on the next.
pub async fn flow(
    browser: &mut Browser,
    settings: &Settings,
    user: &str,
    turn: usize,
) -> Result<Flowed, String> {
    let started = Instant::now();
    let code = code_for(browser, settings, user, turn).await?;
    let body = token_request(&browser.http, settings, turn + 1, &code.exchange_form()).await?;
    if body["id_token"].as_str().is_none() || body["access_token"].as_str().is_none() {
        return Err("no tokens in the answer".into());
    }
    let refresh_token = body["refresh_token"].as_str().map(str::to_owned);
    Ok(Flowed { took: started.elapsed(), refresh_token })
}

/// A token request as the confidential client on instance `turn`; the
/// JSON answer when it is a success.
async fn token_request<F: serde::Serialize + ?Sized>(
    http: &reqwest::Client,
    settings: &Settings,
    turn: usize,
    form: &F,
) -> Result<serde_json::Value, String> {
    let response = http
        .post(format!("{}/oauth/token", settings.instance(turn)))
        .basic_auth(&settings.client_id, Some(&settings.client_secret))
        .form(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("token endpoint answered {}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}

/// One refresh request on instance `turn`; returns its time and the successor token.
pub async fn refresh(
    http: &reqwest::Client,
    settings: &Settings,
    token: &str,
    turn: usize,
) -> Result<(Duration, String), String> {
    let started = Instant::now();
    let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
    let body = token_request(http, settings, turn, &form).await?;
    let next = body["refresh_token"].as_str().ok_or("no refresh token in the answer")?;
    Ok((started.elapsed(), next.to_owned()))
}

/// Waits for every worker's warm-up; one of them runs `AFTER_WARMUP`.
async fn after_warmup(warmed: &tokio::sync::Barrier) {
    if warmed.wait().await.is_leader()
        && let Ok(command) = std::env::var("AFTER_WARMUP")
    {
        // A child process is waited for on the blocking pool, not on a worker.
        let run = move || std::process::Command::new("sh").args(["-c", &command]).status();
        let status = tokio::task::spawn_blocking(run).await.unwrap().expect("AFTER_WARMUP");
        assert!(status.success(), "AFTER_WARMUP failed: {status}");
    }
    warmed.wait().await;
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

#[tokio::main]
#[allow(dead_code)] // compiled into the test suite as a module, where `main` is not used
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    assert!(
        args.len() == 8,
        "usage: BASE[,BASE…] CLIENT_ID CLIENT_SECRET USER PASSWORD FLOWS CONCURRENCY login|session|refresh"
    );
    let mode = args[7].clone();
    let default_scope = if mode == "refresh" { "openid offline_access api:read" } else { "openid api:read" };
    let settings = Arc::new(Settings {
        instances: args[0].split(',').map(|base| base.trim_end_matches('/').to_owned()).collect(),
        client_id: args[1].clone(),
        client_secret: args[2].clone(),
        user: args[3].clone(),
        password: args[4].clone(),
        scope: std::env::var("FLOW_SCOPE").unwrap_or_else(|_| default_scope.to_owned()),
    });
    let flows: usize = args[5].parse().expect("FLOWS");
    let concurrency: usize = args[6].parse().expect("CONCURRENCY");
    let session = mode != "login";
    let refreshing = mode == "refresh";
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let per_worker = flows.div_ceil(concurrency);
    let mut workers = Vec::new();
    let started = Instant::now();
    let numbers = Arc::new(AtomicUsize::new(0));
    let warmup: usize = std::env::var("WARMUP").map_or(0, |w| w.parse().expect("WARMUP"));
    let warmed = Arc::new(tokio::sync::Barrier::new(concurrency));
    for worker in 0..concurrency {
        let (settings, http, numbers, warmed) =
            (settings.clone(), http.clone(), numbers.clone(), warmed.clone());
        workers.push(tokio::spawn(async move {
            let mut browser = Browser { http: http.clone(), cookie: None };
            let worker_user = settings.user.replace("{n}", &(worker + 1).to_string());
            let mut times = Vec::with_capacity(per_worker);
            let mut failures = Vec::new();
            let mut chain = None;
            if session {
                // Signed in once, unmeasured (the first flow also consents).
                let first =
                    flow(&mut browser, &settings, &worker_user, worker).await.expect("the first sign-in");
                chain = first.refresh_token;
            }
            if refreshing {
                let mut token = chain.expect("offline_access: a refresh token");
                for turn in 0..warmup {
                    token = refresh(&http, &settings, &token, turn).await.expect("a warm-up refresh").1;
                }
                after_warmup(&warmed).await;
                for turn in worker..worker + per_worker {
                    match refresh(&http, &settings, &token, turn).await {
                        Ok((took, next)) => (times.push(took), token = next),
                        Err(why) => {
                            // A failed rotation ends the chain: its token may be spent.
                            failures.push(why);
                            break;
                        }
                    };
                }
                return (times, failures);
            }
            for turn in 0..warmup {
                let user = settings.user.replace("{n}", &(worker + 1).to_string());
                flow(&mut browser, &settings, &user, turn).await.expect("a warm-up flow");
            }
            after_warmup(&warmed).await;
            for turn in worker..worker + per_worker {
                let user = if session {
                    worker_user.clone()
                } else {
                    browser = Browser { http: http.clone(), cookie: None };
                    let n = numbers.fetch_add(1, Ordering::Relaxed) + 1;
                    settings.user.replace("{n}", &n.to_string())
                };
                match flow(&mut browser, &settings, &user, turn).await {
                    Ok(flowed) => times.push(flowed.took),
                    Err(why) => failures.push(why),
                }
            }
            (times, failures)
        }));
    }
    let mut times = Vec::new();
    let mut failures = Vec::new();
    for worker in workers {
        let (t, f) = worker.await.unwrap();
        times.extend(t);
        failures.extend(f);
    }
    let elapsed = started.elapsed().as_secs_f64();
    times.sort();
    let report = serde_json::json!({
        "mode": mode,
        "instances": settings.instances.len(),
        "concurrency": concurrency,
        "flows": times.len() + failures.len(),
        "failed": failures.len(),
        "first_failure": failures.first(),
        "flows_per_s": (times.len() as f64 / elapsed * 10.0).round() / 10.0,
        "p50_ms": (percentile(&times, 50.0) * 100.0).round() / 100.0,
        "p99_ms": (percentile(&times, 99.0) * 100.0).round() / 100.0,
    });
    println!("{report}");
}

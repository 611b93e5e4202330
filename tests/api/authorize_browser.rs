//! The whole flow in a real browser: Debian's headless Chromium driven over
//! WebDriver (chromedriver) signs in, approves consent and lands on the
//! client's redirect URI with a code. This is the test that catches what
//! only a browser enforces, such as a CSP `form-action` blocking the redirect
//! after the consent POST.
//!
//! Skipped (with a message) when Chromium or chromedriver is not installed,
//! unless `REQUIRE_BROWSER` is set, as `.ci/run` does.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::support::app::spawn_app;
use crate::support::browser::authorize_query;
use crate::support::seed::{EMAIL, PASSWORD, seed_with};
use crate::support::token::post_form;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver, stopped when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver on a free port and returns once it says it listens.
fn start_driver() -> (Driver, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let stdout = child.stdout.take().unwrap();
    let driver = Driver(child);
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines.next().expect("chromedriver exited before it started").unwrap();
        if line.contains("started successfully") {
            break;
        }
    }
    (driver, port)
}

/// A stand-in for the client's callback: answers every request with a small page.
async fn start_client_site() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0_u8; 4096];
                let _ = stream.read(&mut buffer).await;
                let body = "<!doctype html><title>Client</title><p>Signed in.</p>";
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    port
}

fn browser_available() -> bool {
    let present = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var_os("REQUIRE_BROWSER").is_none(),
            "REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipped: browser ({CHROMIUM} or {CHROMEDRIVER} is not installed)");
    }
    present
}

/// A headless Chromium session through chromedriver on `driver_port`.
async fn headless(driver_port: u16) -> fantoccini::Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
        }),
    );
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a WebDriver session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_browser_signs_in_consents_and_lands_on_the_client_with_a_code() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let client_port = start_client_site().await;
    let callback = format!("http://127.0.0.1:{client_port}/callback");
    let seed = seed_with(&app, |spec| spec.redirect_uris = vec![callback.clone()]).await;
    let (_driver, driver_port) = start_driver();
    let browser = headless(driver_port).await;

    let query = authorize_query(&seed, &[("redirect_uri", Some(&callback))]);
    browser.goto(&format!("{}/oauth/authorize?{query}", app.address)).await.unwrap();
    browser.find(Locator::Css("input[name=username]")).await.unwrap().send_keys(EMAIL).await.unwrap();
    browser.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();

    let approve =
        browser.wait().for_element(Locator::Css("button[name=decision][value=approve]")).await.unwrap();
    approve.click().await.unwrap();
    // The client's page, not ours: the redirect after the consent POST was followed.
    let landed = browser
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(Locator::XPath("//p[text()='Signed in.']"))
        .await;
    let url = browser.current_url().await.unwrap();
    browser.close().await.unwrap();
    landed.expect("the browser reached the client's callback");

    assert!(url.as_str().starts_with(&callback), "the browser landed on {url}");
    let params: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(params.get("code").map(String::len), Some(43), "{url}");
    assert_eq!(params.get("state").map(String::as_str), Some("st@te with spaces & symbols"));
    assert_eq!(params.get("iss").map(String::as_str), Some("http://127.0.0.1:8080"));
}

/// The device grant's pages in a real browser (RFC 8628 §3.3): the
/// complete URI fills the code in, the user submits it, signs in, sees
/// the code on the approval page and allows; the device then polls its
/// tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_browser_connects_a_device_from_its_complete_uri() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let cli = seed_with(&app, |spec| {
        spec.redirect_uris = vec![];
        spec.grant_types = vec!["device_code".into()];
        spec.scopes = vec!["openid".into()];
    })
    .await;
    let url = format!("{}/oauth/device_authorization", app.address);
    let codes = post_form(&app.http, &url, &[("client_id", &cli.client_id), ("scope", "openid")], None).await;
    let user_code = codes.field("user_code");
    let (_driver, driver_port) = start_driver();
    let browser = headless(driver_port).await;

    browser.goto(&format!("{}/device?user_code={user_code}", app.address)).await.unwrap();
    let field = browser.find(Locator::Css("input[name=user_code]")).await.unwrap();
    assert_eq!(
        field.prop("value").await.unwrap().as_deref(),
        Some(user_code.as_str()),
        "filled in, not sent"
    );
    browser.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let username = browser.wait().for_element(Locator::Css("input[name=username]")).await.unwrap();
    username.send_keys(EMAIL).await.unwrap();
    browser.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let approve =
        browser.wait().for_element(Locator::Css("button[name=decision][value=approve]")).await.unwrap();
    let shown = browser.find(Locator::Css("#user-code")).await.unwrap().text().await.unwrap();
    approve.click().await.unwrap();
    let done = browser.wait().for_element(Locator::Css("#device-done")).await.map(|_| ());
    browser.close().await.unwrap();
    assert_eq!(shown, user_code, "the approval page shows the code to compare");
    done.expect("the browser reached the end page");

    let fields = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", &codes.field("device_code")),
        ("client_id", &cli.client_id),
    ];
    let granted = crate::support::token::token(&app, &fields, None).await;
    assert_eq!(granted.status, reqwest::StatusCode::OK, "{}", granted.body);
}

/// The account page in a real browser: the user signs in at `/account`,
/// finds the app they allowed, revokes it, and the page says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_browser_revokes_an_app_on_the_account_page() {
    if !browser_available() {
        return;
    }
    let app = spawn_app().await;
    let seed = seed_with(&app, |_| {}).await;
    // The user allowed the app once, elsewhere.
    crate::support::browser::Browser::approved(&app, &seed).await;
    let (_driver, driver_port) = start_driver();
    let browser = headless(driver_port).await;

    browser.goto(&format!("{}/account", app.address)).await.unwrap();
    browser.find(Locator::Css("input[name=username]")).await.unwrap().send_keys(EMAIL).await.unwrap();
    browser.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    browser.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let listed = browser.wait().for_element(Locator::Css("#apps .app-name")).await.unwrap();
    let name = listed.text().await.unwrap();
    browser.find(Locator::Css("#apps form button[type=submit]")).await.unwrap().click().await.unwrap();
    let notice = browser.wait().for_element(Locator::Css("#account-notice")).await.unwrap();
    let said = notice.text().await.unwrap();
    let empty = browser.find(Locator::Css("#no-apps")).await.map(|_| ());
    browser.close().await.unwrap();
    assert_eq!(name, "Billing <App>");
    assert_eq!(said, "Billing <App> no longer has access to your account.");
    empty.expect("no app is listed any more");
}

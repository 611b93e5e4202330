//! The security event log of the real binary (ASVS 16.3.1–16.3.3, 16.4.1;
//! RFC 6749 §10.5; RFC 9700 §4.14.2): a flow with a failed and a successful
//! login, a failed client authentication, a PKCE failure, a replayed code and
//! a reused refresh token leaves one JSON line per event, with the event
//! names, no secret of the flow, and no raw control character.

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Response, StatusCode};
use serde_json::Value;

use crate::support::binary::{Binary, create_client, stderr, stdout};
use crate::support::browser::{CHALLENGE, Form, client_redirect};
use crate::support::seed::{EMAIL, PASSWORD, REDIRECT_URI};
use crate::support::token::VERIFIER;

const WRONG_PASSWORD: &str = "Tr0ub4dor&3 is not it";
/// Typed into the username field: an ANSI colour, a line break and a forged line.
const HOSTILE_USERNAME: &str = "ada\u{1b}[31m@example.com\r\n{\"event\":\"login_succeeded\"}";

/// The session cookie a response sets.
fn session_cookie(response: &Response) -> Option<String> {
    response.headers().get_all(SET_COOKIE).iter().find_map(|value| {
        let pair = value.to_str().ok()?.split(';').next()?;
        pair.strip_prefix("manumu_session=").filter(|v| !v.is_empty()).map(str::to_owned)
    })
}

struct Driver {
    http: reqwest::Client,
    base: String,
    client_id: String,
    secret: String,
}

impl Driver {
    async fn authorize(&self, cookie: Option<&str>) -> Response {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("response_type", "code"),
                ("client_id", self.client_id.as_str()),
                ("redirect_uri", REDIRECT_URI),
                ("scope", "openid offline_access"),
                ("state", "s1"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "S256"),
            ])
            .finish();
        let mut request = self.http.get(format!("{}/oauth/authorize?{query}", self.base));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, format!("manumu_session={cookie}"));
        }
        request.send().await.unwrap()
    }

    async fn login(&self, cookie: &str, html: &str, username: &str, password: &str) -> Response {
        let form = Form::read(html);
        self.http
            .post(format!("{}/login", self.base))
            .header(COOKIE, format!("manumu_session={cookie}"))
            .form(&form.submission(&[("username", username), ("password", password)]))
            .send()
            .await
            .unwrap()
    }

    async fn token(&self, fields: &[(&str, &str)], secret: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/oauth/token", self.base))
            .basic_auth(&self.client_id, Some(secret))
            .form(fields)
            .send()
            .await
            .unwrap();
        (response.status(), response.json().await.unwrap_or(Value::Null))
    }

    async fn redeem(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        let fields = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", verifier),
        ];
        self.token(&fields, &self.secret).await
    }

    async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)], &self.secret).await
    }
}

fn field(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap_or_else(|| panic!("no {name} in {body}")).to_owned()
}

#[tokio::test]
async fn a_flow_logs_its_security_events_without_secrets_or_control_characters() {
    let binary = Binary::new();
    let created = binary.run(
        &create_client(
            "Billing",
            "confidential",
            REDIRECT_URI,
            &["--scope", "offline_access", "--skip-consent", "--json"],
        ),
        &[],
        "",
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let client: Value = serde_json::from_str(&stdout(&created)).unwrap();
    let user = binary.run(
        &["users", "create", "--email", EMAIL, "--name", "Ada", "--password-stdin"],
        &[],
        &format!("{PASSWORD}\n"),
    );
    assert!(user.status.success(), "{}", stderr(&user));
    let server = binary.serve(&[("AUTH_BIND", "127.0.0.1:0")]);
    let driver = Driver {
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        base: format!("http://{}", server.address),
        client_id: field(&client, "client_id"),
        secret: field(&client, "client_secret"),
    };
    let mut secrets = vec![PASSWORD.to_owned(), WRONG_PASSWORD.to_owned(), driver.secret.clone()];

    // Logins: one failure (with a hostile username), one success.
    let page = driver.authorize(None).await;
    let anonymous = session_cookie(&page).expect("a session for the login form");
    let html = page.text().await.unwrap();
    secrets.extend([anonymous.clone(), Form::read(&html).get("csrf_token").to_owned()]);
    let failed = driver.login(&anonymous, &html, HOSTILE_USERNAME, WRONG_PASSWORD).await;
    assert_eq!(failed.status(), 200);
    let signed_in = driver.login(&anonymous, &html, EMAIL, PASSWORD).await;
    assert_eq!(signed_in.status(), 303);
    let cookie = session_cookie(&signed_in).expect("a new session at login");
    let first_code = client_redirect(&signed_in, REDIRECT_URI)["code"].clone();
    secrets.extend([cookie.clone(), first_code.clone()]);

    // A failed client authentication, then a PKCE failure (which burns the code).
    let fields = [
        ("grant_type", "authorization_code"),
        ("code", first_code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", VERIFIER),
    ];
    assert_eq!(driver.token(&fields, "not-the-secret").await.0, StatusCode::UNAUTHORIZED);
    let wrong_verifier = "A".repeat(43);
    assert_eq!(driver.redeem(&first_code, &wrong_verifier).await.0, StatusCode::BAD_REQUEST);

    // A code redeemed, its refresh token rotated then reused, the code replayed.
    let again = driver.authorize(Some(&cookie)).await;
    assert_eq!(again.status(), StatusCode::FOUND);
    let code = client_redirect(&again, REDIRECT_URI)["code"].clone();
    let (status, tokens) = driver.redeem(&code, VERIFIER).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let first_refresh = field(&tokens, "refresh_token");
    let (status, rotated) = driver.refresh(&first_refresh).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    assert_eq!(driver.refresh(&first_refresh).await.0, StatusCode::BAD_REQUEST, "reuse");
    assert_eq!(driver.redeem(&code, VERIFIER).await.0, StatusCode::BAD_REQUEST, "replay");
    secrets.extend([code, first_refresh, VERIFIER.to_owned(), wrong_verifier]);
    for body in [&tokens, &rotated] {
        secrets.extend(["access_token", "refresh_token", "id_token"].map(|name| field(body, name)));
    }
    // A path carrying (percent-encoded) control characters.
    let odd = driver.http.get(format!("{}/%1B%5B31m%0D%0Aforged", driver.base)).send().await.unwrap();
    assert_eq!(odd.status(), StatusCode::NOT_FOUND);

    let (status, log) = server.terminate();
    assert!(status.success(), "{log}");
    let lines: Vec<Value> = log
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON object ({e}): {line:?}"))
        })
        .collect();
    let events: Vec<&str> = lines.iter().filter_map(|line| line["event"].as_str()).collect();
    for expected in [
        "login_failed",
        "login_succeeded",
        "client_authentication_failed",
        "code_issued",
        "tokens_issued",
        "refresh_family_revoked",
        "pkce_failed",
        "refresh_reused",
        "code_replayed",
    ] {
        assert!(events.contains(&expected), "no {expected} event in {events:?}");
    }
    assert_eq!(events.iter().filter(|e| **e == "login_succeeded").count(), 1, "no forged login line");
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "a secret of the flow is in the log: {secret}");
    }
    let control = log.chars().find(|c| c.is_control() && *c != '\n');
    assert_eq!(control, None, "a raw control character in the log");
}

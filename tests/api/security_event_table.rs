//! The security event table (docs/SECURITY.md § Security events), on SQLite
//! and (when `TEST_DATABASE_URL` is set) PostgreSQL: every stored kind is
//! written by the flow or command that causes it, as often as it happens;
//! `events list` filters by kind, user, client and time; no event holds a
//! secret of the flow; and a failed client authentication is logged but
//! never stored.

use std::collections::BTreeMap;

use oauth_store_diesel::testing::TestDatabase;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::support::account;
use crate::support::app::{TEST_MASTER_KEY, TestApp, spawn_app_with};
use crate::support::binary::{Binary, create_client, stderr, stdout};
use crate::support::browser::{Browser, authorize_query, client_redirect};
use crate::support::registration;
use crate::support::seed::{EMAIL, PASSWORD, REDIRECT_URI, Seed, seed, seeded_user_id};
use crate::support::token::{VERIFIER, borrowed, code_for, exchange, refresh_fields, revoke, token};

const SCOPE: &str = "openid offline_access";

#[tokio::test(flavor = "multi_thread")]
async fn every_event_kind_is_stored_once_per_cause_on_sqlite() {
    every_event_kind_is_stored_once_per_cause(TestDatabase::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_kind_is_stored_once_per_cause_on_postgres() {
    if let Some(db) = TestDatabase::postgres("every_event_kind_is_stored_once_per_cause_on_postgres") {
        every_event_kind_is_stored_once_per_cause(db).await;
    }
}

/// The binary on the app's database and master key.
struct Cli {
    binary: Binary,
    env: Vec<(&'static str, String)>,
}

impl Cli {
    fn new(app: &TestApp) -> Self {
        let env =
            vec![("AUTH_DATABASE_URL", app.db.url_text()), ("AUTH_MASTER_KEY", TEST_MASTER_KEY.to_owned())];
        Self { binary: Binary::new(), env }
    }

    fn run(&self, args: &[&str], stdin: &str) -> String {
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let output = self.binary.run(args, &env, stdin);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        stdout(&output)
    }

    fn events(&self, filters: &[&str]) -> Vec<Value> {
        let mut args = vec!["events", "list", "--json"];
        args.extend_from_slice(filters);
        serde_json::from_str::<Value>(&self.run(&args, "")).unwrap().as_array().unwrap().clone()
    }
}

/// A code flow of `seed`'s user in a signed-in `browser`: the tokens.
async fn tokens(app: &TestApp, browser: &mut Browser<'_>, seed: &Seed) -> Value {
    let code = code_for(browser, seed, SCOPE).await;
    let answer = token(app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

/// What [`cause_every_event`] made: the secrets no event may hold, and the
/// ids of the clients it registered.
struct Caused {
    secrets: Vec<String>,
    dynamic_id: String,
    ops_id: String,
}

/// Runs every flow and command that causes an event, each kind's cause once
/// unless a comment says otherwise.
async fn cause_every_event(app: &TestApp, cli: &Cli, seed: &Seed) -> Caused {
    let mut secrets: Vec<String> = vec![PASSWORD.to_owned(), VERIFIER.to_owned()];

    // A failed then a successful sign-in, a consent, a code, its exchange,
    // a refresh, the old refresh token reused and the code replayed.
    let mut browser = Browser::new(app);
    let query = authorize_query(seed, &[("scope", Some(SCOPE))]);
    let html = browser.login_page(&query).await;
    browser.submit_login(&html, EMAIL, "not the password").await;
    let to_consent = browser.sign_in(&query).await;
    let redirect = browser.decide(&to_consent, "approve").await;
    let code = client_redirect(&redirect, REDIRECT_URI)["code"].clone();
    let first = token(app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let first_refresh = first.field("refresh_token");
    let refreshed = token(app, &borrowed(&refresh_fields(&seed.client_id, &first_refresh, None)), None).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let reused = token(app, &borrowed(&refresh_fields(&seed.client_id, &first_refresh, None)), None).await;
    assert_eq!(reused.error(), "invalid_grant");
    assert_eq!(token(app, &exchange(&seed.client_id, &code), None).await.error(), "invalid_grant");
    secrets.extend([code, first_refresh, first.field("access_token"), refreshed.field("refresh_token")]);

    // A family revoked by its client (RFC 7009).
    let second = tokens(app, &mut browser, seed).await;
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    let revoked = revoke(app, &[("token", &second_refresh), ("client_id", &seed.client_id)], None).await;
    assert_eq!(revoked.status, 200);
    secrets.push(second_refresh);

    // The consent revoked by its user on the account page (both families
    // are revoked already, so no family event), then given again.
    let page = browser.get("/account").await.text().await.unwrap();
    let (status, revoked) = account::revoke(&mut browser, &page, &seed.client_id).await;
    assert_eq!(status, 200);
    assert!(revoked.contains("no longer has access"), "{revoked}");

    // A family ended by a password change (the third flow's).
    let third = tokens(app, &mut browser, seed).await;
    secrets.push(third["refresh_token"].as_str().unwrap().to_owned());
    cli.run(&["users", "set-password", "--email", EMAIL, "--password-stdin"], "a brand new passphrase\n");

    // Guesses at another account until the guard locks it (5 per address),
    // then more: the lock is stored once, the refusals only logged.
    let mut guesser = Browser::new(app);
    for _ in 0..12 {
        let html = guesser.login_page(&query).await;
        guesser.submit_login(&html, "mallory@example.com", "guess").await;
    }

    // A client authentication failure: logged, never stored.
    let unauthenticated = token(app, &exchange(&seed.client_id, "x"), Some((&seed.client_id, "wrong"))).await;
    assert_eq!(unauthenticated.status, 401);

    // A client that registers itself (RFC 7591).
    let body = json!({"client_name": "Agent", "redirect_uris": [REDIRECT_URI], "token_endpoint_auth_method": "none"});
    let registered = registration::register(app, &body, None).await;
    assert_eq!(registered.status, 201);
    let dynamic_id = registered.text("client_id");

    // An operator's changes.
    cli.run(
        &["users", "create", "--email", "grace@example.com", "--name", "Grace", "--password-stdin"],
        "cobol compiler\n",
    );
    cli.run(&["users", "disable", "--email", "grace@example.com"], "");
    let created = cli.run(&create_client("Ops", "confidential", REDIRECT_URI, &["--json"]), "");
    let ops_id = serde_json::from_str::<Value>(&created).unwrap()["client_id"].as_str().unwrap().to_owned();
    cli.run(&["clients", "update", &ops_id, "--skip-consent", "true"], "");
    cli.run(&["clients", "rotate-secret", &ops_id], "");
    cli.run(&["clients", "disable", &ops_id], "");
    cli.run(&["clients", "delete", &ops_id], "");
    cli.run(&["keys", "rotate", "--alg", "ES256"], "");
    Caused { secrets, dynamic_id, ops_id }
}

async fn every_event_kind_is_stored_once_per_cause(db: TestDatabase) {
    let app = spawn_app_with(db, |raw| {
        raw.keys.master_key = SecretString::from(TEST_MASTER_KEY);
        raw.self_asserted.registration = auth_server::config::RegistrationSetting::Open;
    })
    .await;
    let seed = seed(&app).await;
    let cli = Cli::new(&app);
    let Caused { secrets, dynamic_id, ops_id } = cause_every_event(&app, &cli, &seed).await;
    app.events.flush().await;
    let events = cli.events(&[]);
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for event in &events {
        *counts.entry(event["kind"].as_str().unwrap().to_owned()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = [
        ("login_failed", 6),
        ("login_locked", 1),
        ("login_succeeded", 1),
        ("consent_granted", 2),
        ("consent_revoked", 1),
        ("code_issued", 3),
        ("tokens_issued", 4),
        ("code_replayed", 1),
        ("refresh_family_revoked", 3),
        ("client_created", 2),
        ("client_updated", 1),
        ("client_secret_rotated", 1),
        ("client_disabled", 1),
        ("client_deleted", 1),
        ("key_rotated", 1),
        ("user_created", 1),
        ("user_disabled", 1),
        ("password_set", 1),
    ]
    .into_iter()
    .map(|(kind, n)| (kind.to_owned(), n))
    .collect();
    assert_eq!(counts, expected, "{events:#?}");

    let reasons: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "refresh_family_revoked")
        .map(|e| e["details"]["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["reuse", "revocation", "password_change"]);
    let dynamic = events.iter().find(|e| e["client_id"] == dynamic_id.as_str()).unwrap();
    assert_eq!(dynamic["details"]["source"], "registration");
    assert_eq!(dynamic["details"]["address"], "127.0.0.1");
    let issued = events.iter().find(|e| e["kind"] == "tokens_issued").unwrap();
    assert_eq!(issued["details"]["grant"], "authorization_code");
    assert_eq!(issued["details"]["client_type"], "public");
    assert!(issued["details"]["jti"].as_str().is_some_and(|jti| !jti.is_empty()));

    // Filters.
    let failed = cli.events(&["--kind", "login_failed"]);
    assert_eq!(failed.len(), 6);
    let user_id = seeded_user_id(&app).await;
    let mine = cli.events(&["--user", EMAIL]);
    assert!(mine.len() >= 10, "{mine:#?}");
    assert!(mine.iter().all(|e| e["user_id"] == user_id.as_str()), "{mine:#?}");
    assert_eq!(cli.events(&["--client", &ops_id]).len(), 5);
    assert_eq!(cli.events(&["--since", "1m", "--kind", "key_rotated"]).len(), 1);
    assert_eq!(cli.events(&["--since", "20000y", "--kind", "key_rotated"]).len(), 1, "since the beginning");

    let text = serde_json::to_string(&events).unwrap();
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "an event holds a secret: {secret}");
    }
}

#[test]
fn events_list_refuses_bad_filters_before_opening_anything() {
    let binary = Binary::new();
    for (args, key) in [
        (vec!["events", "list", "--kind", "everything"], "--kind"),
        (vec!["events", "list", "--since", "soon"], "--since"),
        (vec!["events", "list", "--user", "not-an-email"], "--user"),
        (vec!["events", "list", "--limit", "0"], "--limit"),
    ] {
        let output = binary.run(&args, &[], "");
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(key), "{args:?}: {}", stderr(&output));
        assert!(!binary.path("data").exists(), "{args:?}: nothing is created");
    }
}

//! `users set-password`, `users disable` and `users sign-out` end everything
//! the user was signed in with: sessions, refresh families and the access
//! tokens issued so far.

use crate::support::app::{TestApp, spawn_app};
use crate::support::binary::{Binary, stderr, stdout};
use crate::support::browser::{Browser, authorize_query};
use crate::support::seed::{EMAIL, Seed, confidential, seed_with};
use crate::support::token::{introspect, token, tokens_for};

/// Runs `auth-server users <args>` on the app's database.
fn users(app: &TestApp, args: &[&str], stdin: &str) -> String {
    let binary = Binary::new();
    let url = app.db.url_text();
    let env = [("AUTH_DATABASE_URL", url.as_str())];
    let mut command = vec!["users"];
    command.extend_from_slice(args);
    let output = binary.run(&command, &env, stdin);
    assert!(output.status.success(), "users {args:?}: {}", stderr(&output));
    stdout(&output)
}

/// Signs in through the browser and returns (access token, refresh token).
async fn signed_in(app: &TestApp, browser: &mut Browser<'_>) -> (String, String, (String, String)) {
    let seed = seed_with(app, confidential).await;
    let tokens = tokens_for(app, browser, &seed, "openid offline_access").await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let access = tokens.body["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens.body["refresh_token"].as_str().unwrap().to_owned();
    (access, refresh, (seed.client_id.clone(), seed.secret.clone().unwrap()))
}

/// The refresh token, the access token and the browser session are all dead.
async fn everything_ended(
    app: &TestApp,
    browser: &mut Browser<'_>,
    tokens: (&str, &str),
    client: (&str, &str),
) {
    let (access, refresh) = tokens;
    let refreshed =
        token(app, &[("grant_type", "refresh_token"), ("refresh_token", refresh)], Some(client)).await;
    assert_eq!((refreshed.status.as_u16(), refreshed.body["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(introspect(app, access, Some(client)).await.body, serde_json::json!({ "active": false }));
    let seed = Seed { client_id: client.0.to_owned(), secret: None };
    // No single sign-on left: the browser is asked to sign in again.
    browser.login_page(&authorize_query(&seed, &[])).await;
}

#[tokio::test]
async fn set_password_ends_sessions_and_tokens() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let (access, refresh, (id, secret)) = signed_in(&app, &mut browser).await;
    assert_eq!(introspect(&app, &access, Some((&id, &secret))).await.body["active"], true);

    let said = users(&app, &["set-password", "--email", EMAIL, "--password-stdin"], "a brand new password\n");
    assert!(said.contains("every session and token ended"), "{said}");
    everything_ended(&app, &mut browser, (&access, &refresh), (&id, &secret)).await;
}

#[tokio::test]
async fn disable_ends_sessions_and_tokens_for_good() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let (access, refresh, (id, secret)) = signed_in(&app, &mut browser).await;
    users(&app, &["disable", "--email", EMAIL], "");
    users(&app, &["enable", "--email", EMAIL], "");
    // Enabling the user again revives nothing that was ended.
    everything_ended(&app, &mut browser, (&access, &refresh), (&id, &secret)).await;
}

#[tokio::test]
async fn sign_out_alone_ends_sessions_and_tokens() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let (access, refresh, (id, secret)) = signed_in(&app, &mut browser).await;
    let said = users(&app, &["sign-out", "--email", EMAIL], "");
    assert!(said.contains("1 sessions ended, 1 refresh families revoked"), "{said}");
    everything_ended(&app, &mut browser, (&access, &refresh), (&id, &secret)).await;
}

//! Two instances of the server on one database, as several instances scale
//! out: every flow crosses them (browser steps on one, token requests on the
//! other), refresh chains alternate, and a code or a refresh token raced by
//! 32 requests spread over both is redeemed exactly once, on SQLite and
//! PostgreSQL. The flows are the benchmark driver's (`examples/flow_driver.rs`).

use std::sync::Arc;

use auth_server::app::{client_service, open_store, user_service};
use oauth_core::client::ClientSpec;
use oauth_core::service::users::NewUser;
use oauth_store_diesel::testing::TestDatabase;
use secrecy::SecretString;

use crate::support::app::{TestApp, spawn_app_on, start};
use crate::support::binary::databases;
use crate::support::flow_driver::{Browser, Settings, flow, refresh};

/// Both instances, and the driver's settings for a confidential client that
/// may refresh, with one user.
async fn two_instances(db: TestDatabase) -> (TestApp, Settings) {
    let app = spawn_app_on(db).await;
    let second = start(&app.config, app.clock.clone()).await;
    let (store, _) = open_store(&app.config).await.unwrap();
    let user = NewUser {
        email: "bench1@example.com".into(),
        display_name: "Bench".into(),
        password: SecretString::from("bench-password".to_owned()),
        email_verified: true,
    };
    user_service(&app.config, store.clone()).unwrap().create(user).await.unwrap();
    let spec = ClientSpec {
        name: "two-instances".into(),
        client_type: "confidential".into(),
        redirect_uris: vec!["http://127.0.0.1:9999/cb".into()],
        scopes: vec!["openid".into(), "offline_access".into()],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        ..ClientSpec::default()
    };
    let (client, secret) = client_service(&app.config, store).create(&spec).await.unwrap();
    let settings = Settings {
        instances: vec![app.address.clone(), second],
        client_id: client.id.as_str().to_owned(),
        client_secret: secret.unwrap().expose().to_owned(),
        user: "bench1@example.com".into(),
        password: "bench-password".into(),
        scope: "openid offline_access".into(),
    };
    (app, settings)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A signed-in browser and a refresh token, from a flow that crossed instances.
async fn signed_in(settings: &Settings) -> (Browser, String) {
    let mut browser = Browser { http: http(), cookie: None };
    let first =
        flow(&mut browser, settings, "bench1@example.com", 0).await.expect("sign-in across instances");
    (browser, first.refresh_token.expect("offline_access: a refresh token"))
}

/// POSTs a token request to `base` and returns the status and `error`, if any.
async fn token_request(base: &str, settings: &Settings, form: &[(&str, &str)]) -> (u16, Option<String>) {
    let response = http()
        .post(format!("{base}/oauth/token"))
        .basic_auth(&settings.client_id, Some(&settings.client_secret))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    (status, body["error"].as_str().map(str::to_owned))
}

async fn flows_and_chains_cross_instances(db: TestDatabase) {
    let (_app, settings) = two_instances(db).await;
    let (mut browser, mut token) = signed_in(&settings).await;
    for turn in 1..5 {
        flow(&mut browser, &settings, "bench1@example.com", turn)
            .await
            .expect("the session on either instance");
    }
    for turn in 0..6 {
        let (_, next) =
            refresh(&browser.http, &settings, &token, turn).await.expect("a chain across instances");
        token = next;
    }
}

/// 32 refreshes of one token, spread over both instances: one succeeds, the
/// rest are refused as reuse.
async fn a_refresh_race_over_two_instances_has_one_winner(db: TestDatabase) {
    let (_app, settings) = two_instances(db).await;
    let (_, token) = signed_in(&settings).await;
    let form = vec![("grant_type", "refresh_token".to_owned()), ("refresh_token", token)];
    race_has_one_winner(settings, form).await;
}

/// 32 exchanges of one code, spread over both instances: exactly one gets tokens.
async fn a_code_race_over_two_instances_has_one_winner(db: TestDatabase) {
    let (_app, settings) = two_instances(db).await;
    let (mut browser, _) = signed_in(&settings).await;
    let code = crate::support::flow_driver::code_for(&mut browser, &settings, "bench1@example.com", 0)
        .await
        .expect("a code");
    race_has_one_winner(settings, code.exchange_form()).await;
}

/// Sends one token request 32 times at once, alternating instances: one
/// answer is 200, the other 31 `invalid_grant`.
async fn race_has_one_winner(settings: Settings, form: Vec<(&'static str, String)>) {
    let (settings, form) = (Arc::new(settings), Arc::new(form));
    let racers: Vec<_> = (0..32)
        .map(|i| {
            let (settings, form) = (settings.clone(), form.clone());
            tokio::spawn(async move {
                let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                token_request(&settings.instances[i % 2], &settings, &fields).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for racer in racers {
        outcomes.push(racer.await.unwrap());
    }
    let won = outcomes.iter().filter(|(status, _)| *status == 200).count();
    let refused = outcomes.iter().filter(|o| **o == (400, Some("invalid_grant".into()))).count();
    assert_eq!((won, refused), (1, 31), "{outcomes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flows_and_refresh_chains_cross_two_instances_on_one_database() {
    for (_, db) in databases("flows_and_refresh_chains_cross_two_instances_on_one_database") {
        flows_and_chains_cross_instances(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_raced_over_two_instances_rotates_once() {
    for (_, db) in databases("a_refresh_token_raced_over_two_instances_rotates_once") {
        a_refresh_race_over_two_instances_has_one_winner(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_raced_over_two_instances_is_exchanged_once() {
    for (_, db) in databases("a_code_raced_over_two_instances_is_exchanged_once") {
        a_code_race_over_two_instances_has_one_winner(db).await;
    }
}

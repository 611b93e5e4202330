//! The benchmark's own flow driver (`examples/flow_driver.rs`, run by
//! `scripts/bench.sh`) against the real server: a sign-in flow, a flow that
//! reuses the session, and a wrong password that must fail rather than be
//! counted as a flow.

use auth_server::app::{client_service, open_store, user_service};
use oauth_core::client::ClientSpec;
use oauth_core::service::users::NewUser;
use secrecy::SecretString;

use crate::support::app::spawn_app_at_its_issuer;
use crate::support::flow_driver::{Browser, Settings, flow};

#[tokio::test]
async fn the_flow_driver_signs_in_reuses_the_session_and_fails_on_a_wrong_password() {
    let app = spawn_app_at_its_issuer().await;
    let (store, _) = open_store(&app.config).await.unwrap();
    let users = user_service(&app.config, store.clone()).unwrap();
    for n in 1..=2 {
        users
            .create(NewUser {
                email: format!("bench{n}@example.com"),
                display_name: format!("Bench {n}"),
                password: SecretString::from("bench-password".to_owned()),
                email_verified: true,
            })
            .await
            .unwrap();
    }
    let spec = ClientSpec {
        name: "bench-confidential".into(),
        client_type: "confidential".into(),
        redirect_uris: vec!["http://127.0.0.1:9999/cb".into()],
        scopes: vec!["openid".into()],
        ..ClientSpec::default()
    };
    let (client, secret) = client_service(&app.config, store).create(&spec).await.unwrap();
    let settings = Settings {
        instances: vec![app.address.clone()],
        client_id: client.id.as_str().to_owned(),
        client_secret: secret.unwrap().expose().to_owned(),
        user: "bench{n}@example.com".into(),
        password: "bench-password".into(),
        scope: "openid".into(),
    };
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut browser = Browser { http: http.clone(), cookie: None };
    flow(&mut browser, &settings, "bench1@example.com", 0).await.expect("login, consent, code, tokens");
    assert!(browser.cookie.is_some(), "signed in");
    flow(&mut browser, &settings, "bench1@example.com", 1)
        .await
        .expect("the session reused: code and tokens");

    let mut stranger = Browser { http, cookie: None };
    let wrong = Settings { password: "wrong-password".into(), ..settings };
    assert!(
        flow(&mut stranger, &wrong, "bench2@example.com", 0).await.is_err(),
        "a refused login is not a flow"
    );
}

//! The user and client a flow signs in with, registered through the real
//! services (`user_service`, `client_service`) on the app's own database.

use auth_server::app::{client_service, open_store, user_service};
use oauth_core::client::ClientSpec;
use oauth_core::service::users::NewUser;
use secrecy::SecretString;

use crate::support::app::TestApp;

pub const PASSWORD: &str = "correct horse battery staple";
pub const EMAIL: &str = "ada@example.com";
pub const REDIRECT_URI: &str = "https://rp.example/cb";

/// A registered public client and a user, through the real services.
pub struct Seed {
    pub client_id: String,
    /// A confidential client's secret, shown once at registration.
    pub secret: Option<String>,
}

pub async fn seed(app: &TestApp) -> Seed {
    seed_with(app, |_| {}).await
}

pub async fn seed_with(app: &TestApp, change: impl FnOnce(&mut ClientSpec)) -> Seed {
    let (store, _) = open_store(&app.config).await.expect("store");
    let users = user_service(&app.config, store).expect("users");
    users
        .create(NewUser {
            email: EMAIL.into(),
            display_name: "Ada Lovelace".into(),
            password: SecretString::from(PASSWORD.to_owned()),
            email_verified: true,
        })
        .await
        .expect("user");
    register(app, "Billing <App>", change).await
}

/// Registers one more client; `secret` is set for a confidential one.
pub async fn register(app: &TestApp, name: &str, change: impl FnOnce(&mut ClientSpec)) -> Seed {
    let (store, _) = open_store(&app.config).await.expect("store");
    let mut spec = ClientSpec {
        name: name.into(),
        client_type: "public".into(),
        redirect_uris: vec![REDIRECT_URI.into(), "https://rp.example/cb2?tenant=7".into()],
        scopes: vec!["openid".into(), "email".into(), "profile".into(), "offline_access".into()],
        ..ClientSpec::default()
    };
    change(&mut spec);
    let (client, secret) = client_service(&app.config, store).create(&spec).await.expect("client");
    Seed { client_id: client.id.as_str().to_owned(), secret: secret.map(|s| s.expose().to_owned()) }
}

//! The user and client a flow signs in with, registered through the real
//! services (`user_service`, `client_service`) on the app's own database.

use auth_server::app::{client_service, open_store, user_service};
use oauth_core::client::ClientSpec;
use oauth_core::service::users::NewUser;
use secrecy::SecretString;

use crate::support::app::{TestApp, spawn_app};

pub const PASSWORD: &str = "correct horse battery staple";
pub const EMAIL: &str = "ada@example.com";
pub const REDIRECT_URI: &str = "https://rp.example/cb";

/// A registered public client and a user, through the real services.
pub struct Seed {
    pub client_id: String,
    /// A confidential client's secret, shown once at registration.
    pub secret: Option<String>,
}

impl Seed {
    /// A confidential client's Basic credentials (RFC 6749 §2.3.1).
    pub fn credentials(&self) -> (&str, &str) {
        (self.client_id.as_str(), self.secret.as_deref().expect("a confidential client"))
    }
}

/// The app on a fresh SQLite file, with the user and the public client.
pub async fn seeded_app() -> (TestApp, Seed) {
    seeded_app_with(|_| {}).await
}

/// [`seeded_app`] with the client's registration changed by `change`.
pub async fn seeded_app_with(change: impl FnOnce(&mut ClientSpec)) -> (TestApp, Seed) {
    let app = spawn_app().await;
    let seed = seed_with(&app, change).await;
    (app, seed)
}

/// Registers the client as confidential, with a secret.
pub fn confidential(spec: &mut ClientSpec) {
    spec.client_type = "confidential".into();
}

/// Registers a confidential `client_credentials` client named `name`, with no
/// redirect URI and the `openid` scope.
pub async fn register_machine(app: &TestApp, name: &str) -> Seed {
    register(app, name, |spec| {
        confidential(spec);
        spec.redirect_uris = vec![];
        spec.grant_types = vec!["client_credentials".into()];
        spec.scopes = vec!["openid".into()];
    })
    .await
}

/// The seeded user's id, as the `sub` claim carries it.
pub async fn seeded_user_id(app: &TestApp) -> String {
    let (store, _) = open_store(&app.config).await.expect("store");
    let users = user_service(&app.config, store).expect("users");
    users.find(EMAIL).await.expect("the seeded user").id.to_string()
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

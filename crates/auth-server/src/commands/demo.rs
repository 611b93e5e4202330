//! `auth-server serve --demo`: a newcomer's first five minutes. On the
//! embedded SQLite database only, and only when asked for, it makes sure a
//! demo user and a demo public client exist and prints how to walk the whole
//! authorization code flow with PKCE by hand.

use oauth_core::client::ClientSpec;
use oauth_core::digest::IssuedSecret;
use oauth_core::pkce::{CodeChallenge, CodeVerifier};
use oauth_core::service::users::NewUser;
use oauth_keys::OsRandom;
use oauth_store_diesel::DatabaseUrl;
use secrecy::SecretString;

use crate::app::{client_service, open_store, user_service};
use crate::config::Config;
use crate::exit::{CommandError, say};

/// The demo user's email.
pub const DEMO_EMAIL: &str = "demo@example.com";
/// The demo client's name and callback (nothing needs to listen there: the
/// code is read from the browser's address bar).
pub const DEMO_CLIENT: &str = "ManuMu Demo";
pub const DEMO_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

/// Makes sure the demo user and client exist; prints credentials, an
/// authorization URL with a fresh PKCE pair, and the token request.
pub async fn prepare(config: &Config) -> Result<(), CommandError> {
    if !matches!(config.database.url, DatabaseUrl::Sqlite(_)) {
        return Err(CommandError::Usage("--demo runs only on the embedded SQLite database".into()));
    }
    let random = OsRandom::new();
    let fresh = || -> Result<String, CommandError> {
        // 256 random bits in base64url: a password, and an RFC 7636 verifier.
        Ok(IssuedSecret::<()>::generate(&random)
            .map_err(|e| CommandError::Runtime(e.to_string()))?
            .expose()
            .to_owned())
    };
    let (store, _) = open_store(config).await?;
    let users = user_service(config, store.clone())?;
    let password = fresh()?;
    // A new password at every demo start: the old one was printed, not stored.
    if users.find(DEMO_EMAIL).await.is_ok() {
        users.set_password(DEMO_EMAIL, SecretString::from(password.clone())).await.map_err(demo_error)?;
    } else {
        users
            .create(NewUser {
                email: DEMO_EMAIL.into(),
                display_name: "Demo User".into(),
                password: SecretString::from(password.clone()),
                email_verified: true,
            })
            .await
            .map_err(demo_error)?;
    }
    let clients = client_service(config, store);
    let existing =
        clients.list().await.map_err(demo_error)?.into_iter().find(|c| c.metadata.name == DEMO_CLIENT);
    let client = if let Some(client) = existing {
        client
    } else {
        let spec = ClientSpec {
            name: DEMO_CLIENT.into(),
            client_type: "public".into(),
            redirect_uris: vec![DEMO_REDIRECT_URI.into()],
            scopes: vec!["openid".into(), "email".into(), "profile".into(), "offline_access".into()],
            ..ClientSpec::default()
        };
        clients.create(&spec).await.map_err(demo_error)?.0
    };
    let verifier_text = fresh()?;
    let verifier = CodeVerifier::parse(&verifier_text).map_err(|e| CommandError::Runtime(e.to_string()))?;
    let challenge = CodeChallenge::s256(&verifier);
    let state = fresh()?;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client.id.as_str())
        .append_pair("redirect_uri", DEMO_REDIRECT_URI)
        .append_pair("scope", "openid email offline_access")
        .append_pair("state", &state[..16])
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256")
        .finish();
    let issuer = &config.server.issuer;
    say(&format!(
        "\
demo mode: a demo user and a demo public client are ready.

  sign in as:   {DEMO_EMAIL}
  password:     {password}

1. Open this URL in a browser, sign in, and allow access:

   {issuer}/oauth/authorize?{query}

2. The browser lands on {DEMO_REDIRECT_URI}?code=…&state=…&iss=… (nothing listens
   there; copy the code from the address bar), then, within 60 seconds:

   curl -s {issuer}/oauth/token \\
     -d grant_type=authorization_code \\
     -d client_id={client_id} \\
     -d redirect_uri={redirect} \\
     -d code_verifier={verifier} \\
     -d code=PASTE_THE_CODE_HERE

3. Verify the access token with the keys at {issuer}/jwks.json
   (docs/VERIFYING_TOKENS.md).
",
        client_id = client.id.as_str(),
        redirect = DEMO_REDIRECT_URI,
        verifier = verifier.expose(),
    ))
}

fn demo_error(error: impl std::fmt::Display) -> CommandError {
    CommandError::Runtime(format!("demo set-up failed: {error}"))
}

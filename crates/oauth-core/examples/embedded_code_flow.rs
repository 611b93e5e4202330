//! Embedding `oauth-core`: the in-memory adapters wired to the services, and
//! one whole authorization code + PKCE flow (RFC 6749 §4.1, RFC 7636): a
//! client is registered, a user signs in and consents, the code is
//! exchanged, and the access token is honoured at userinfo. A real service
//! swaps the testing adapters for its own ports (docs/EMBEDDING.md).

use std::error::Error;
use std::sync::Arc;

use oauth_core::authorization_request::AuthorizationParams;
use oauth_core::client::ClientSpec;
use oauth_core::client_auth::PresentedCredentials;
use oauth_core::password::Password;
use oauth_core::ports::PasswordHasher as _;
use oauth_core::scope::ScopeCatalog;
use oauth_core::service::authorize::{
    AuthorizationResponse, AuthorizeOutcome, AuthorizePorts, AuthorizeService, Decision, LoginForm,
    LoginOutcome, Next, SignInPolicy,
};
use oauth_core::service::clients::ClientService;
use oauth_core::service::token::TokenParams;
use oauth_core::service::token_endpoints::{TokenEndpointPorts, TokenEndpoints};
use oauth_core::service::users::{NewUser, UserService};
use oauth_core::testing::{
    InMemoryStore, ManualClock, PlainTextHasher, RecordingSigner, SeqRandom, fixtures,
};
use oauth_core::token::TokenPolicy;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"; // RFC 7636 Appendix B
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const CALLBACK: &str = "https://app.example/cb";
const ADDRESS: &str = "192.0.2.1";
const EMAIL: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";

/// Runs the flow; returns the signed-in user's `sub` as userinfo reports it.
pub async fn run() -> Result<String, Box<dyn Error>> {
    let (store, clock) = (Arc::new(InMemoryStore::default()), Arc::new(ManualClock::at(fixtures::T0)));
    let (random, hasher) = (Arc::new(SeqRandom::new(1)), Arc::new(PlainTextHasher));
    let scopes = Arc::new(ScopeCatalog::default());
    let clients = ClientService::new(store.clone(), clock.clone(), random.clone(), scopes.clone());
    let (client, _) = clients.create(&ClientSpec::public("App", CALLBACK, &["openid"])).await?;
    let users = UserService::new(store.clone(), hasher.clone(), clock.clone(), random.clone());
    users.create(NewUser::verified(EMAIL, "Ada", PASSWORD)).await?;

    // Unknown usernames are checked against a throwaway hash, so timing does not tell them apart.
    let dummy = hasher.hash(&Password::new("a throwaway password".into())?).await?;
    let ports = AuthorizePorts::over(&store, hasher, clock.clone(), random.clone());
    let authorize = AuthorizeService::new(ports, scopes.clone(), SignInPolicy::default(), dummy);
    let query = format!("response_type=code&client_id={}&redirect_uri={CALLBACK}&scope=openid", client.id);
    let query = format!("{query}&code_challenge={CHALLENGE}&code_challenge_method=S256");
    let params = AuthorizationParams::from_urlencoded(query.as_bytes());
    let begun = authorize.begin(params, None, ADDRESS).await?;
    let (AuthorizeOutcome::Login(page), Some(cookie)) = (begun.outcome, begun.new_session) else {
        return Err("expected the login page".into());
    };
    let form = LoginForm::answering(&page, EMAIL, PASSWORD, ADDRESS);
    let signed_in = authorize.login(form, Some(cookie.expose())).await?;
    let LoginOutcome::SignedIn { session, next: Next::Consent { pending, .. } } = signed_in else {
        return Err("expected the consent page".into());
    };
    let csrf = oauth_core::session::csrf_token(session.expose());
    let decided = authorize
        .decide(Some(session.expose()), &csrf, &pending, client.id.as_str(), Decision::Approve)
        .await?;
    let AuthorizationResponse::Code { code, .. } = decided else { return Err("consent refused".into()) };

    let signer = Arc::new(RecordingSigner::default());
    let ports = TokenEndpointPorts::over(&store, signer.clone(), signer, clock, random);
    let endpoints = TokenEndpoints::compose(ports, scopes, TokenPolicy::for_issuer("https://auth.example"));
    let credentials = PresentedCredentials::public(client.id.as_str());
    let params = TokenParams::authorization_code(code.expose(), CALLBACK, VERIFIER);
    let granted = endpoints.token.token(&credentials, params, ADDRESS).await?;
    Ok(endpoints.userinfo.userinfo(&granted.response.access_token).await?.sub)
}

#[cfg_attr(test, allow(dead_code))]
#[allow(clippy::print_stdout)] // an example reports to its terminal
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    println!("signed in and authorized: sub = {}", run().await?);
    Ok(())
}

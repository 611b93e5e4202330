use std::sync::Arc;

use secrecy::SecretString;
use time::Duration;

use super::*;
use crate::authorization_request::{AuthorizationParams, Untrusted};
use crate::code::Consumed;
use crate::password::PasswordHash;
use crate::ports::{
    ClientRepository, Clock, CodeRepository, ConsentRepository, LoginAttemptRepository, MockPasswordHasher,
    PasswordHasher, SessionRepository, UserRepository,
};
use crate::service::logout::{LogoutPorts, LogoutService};
use crate::testing::fixtures::{self, T0};
use crate::testing::{InMemoryStore, ManualClock, PlainTextHasher, RecordingSigner, SeqRandom};

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const PASSWORD: &str = "correct horse battery";
/// Where the browser's requests come from.
const ADDRESS: &str = "192.0.2.7";

pub(crate) struct Harness {
    pub(crate) service: AuthorizeService,
    /// Sign-out and RP-initiated logout over the same store.
    pub(crate) logout: LogoutService,
    pub(crate) store: Arc<InMemoryStore>,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) user: User,
    /// Signs the ID tokens that RP-initiated logout takes as hints.
    pub(crate) signer: Arc<RecordingSigner>,
}

fn plain(password: &str) -> PasswordHash {
    PasswordHash::new(format!("$plaintext-test-only${password}"))
}

async fn harness_with(hasher: Arc<dyn PasswordHasher>) -> Harness {
    let store = Arc::new(InMemoryStore::default());
    let clock = Arc::new(ManualClock::at(T0));
    let mut user = fixtures::user(1, "ada@example.com");
    user.password_hash = plain(PASSWORD);
    UserRepository::insert(store.as_ref(), &user).await.unwrap();
    ClientRepository::insert(store.as_ref(), &fixtures::client(1, "Billing", "s")).await.unwrap();
    let signer = Arc::new(RecordingSigner::default());
    let ports = AuthorizePorts::over(&store, hasher, clock.clone(), Arc::new(SeqRandom::new(7)));
    let service = AuthorizeService::new(ports, Arc::default(), SignInPolicy::default(), plain("dummy"));
    let logout = LogoutService::new(LogoutPorts::over(&store), signer.clone(), clock.clone());
    Harness { service, logout, store, clock, user, signer }
}

pub(crate) async fn harness() -> Harness {
    harness_with(Arc::new(PlainTextHasher)).await
}

pub(crate) fn request(extra: &[(&str, &str)]) -> AuthorizationParams {
    let mut pairs: Vec<(String, String)> = [
        ("client_id", "client1"),
        ("redirect_uri", "https://rp.example/cb"),
        ("response_type", "code"),
        ("scope", "openid email"),
        ("state", "s t&ate"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (key, value) in extra {
        pairs.retain(|(k, _)| k != key);
        pairs.push(((*key).to_owned(), (*value).to_owned()));
    }
    AuthorizationParams::new(pairs)
}

fn login_form(page: &LoginPage, username: &str, password: &str) -> LoginForm {
    LoginForm::answering(page, username, password, ADDRESS)
}

/// Starts a request without a session: the login page and the new cookie.
async fn login_page(h: &Harness, params: AuthorizationParams) -> (LoginPage, String) {
    let answer = h.service.begin(params, None, ADDRESS).await.unwrap();
    let AuthorizeOutcome::Login(page) = answer.outcome else { panic!("expected the login page") };
    (page, answer.new_session.unwrap().expose().to_owned())
}

/// Signs in through the login page; returns the new cookie and where to go next.
pub(crate) async fn sign_in(h: &Harness, params: AuthorizationParams) -> (String, Next) {
    let (page, cookie) = login_page(h, params).await;
    let outcome = h.service.login(login_form(&page, "ada@example.com", PASSWORD), Some(&cookie)).await;
    let Ok(LoginOutcome::SignedIn { session, next }) = outcome else { panic!("expected a sign-in") };
    (session.expose().to_owned(), next)
}

fn code_of(response: AuthorizationResponse) -> crate::code::CodeValue {
    match response {
        AuthorizationResponse::Code { code, state, redirect_uri } => {
            assert_eq!(state.as_deref(), Some("s t&ate"), "state byte for byte");
            assert_eq!(redirect_uri, "https://rp.example/cb");
            code
        }
        AuthorizationResponse::Error(error) => panic!("expected a code, got {error:?}"),
    }
}

fn error_code(outcome: AuthorizeOutcome) -> &'static str {
    match outcome {
        AuthorizeOutcome::Redirect(AuthorizationResponse::Error(e)) => e.error.code(),
        other => panic!("expected an error redirect, got {other:?}"),
    }
}

/// Builds scope sets in tests.
struct BTreeSetExt;
impl BTreeSetExt {
    fn of(names: &[&str]) -> std::collections::BTreeSet<crate::scope::ScopeName> {
        names.iter().map(|n| crate::scope::ScopeName::parse(n).unwrap()).collect()
    }
}

mod account;
mod device;
mod flow;
mod lockout;
mod login;
mod overload;
mod quota;

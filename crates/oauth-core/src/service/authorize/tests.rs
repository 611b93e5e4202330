#![allow(clippy::too_many_lines)]

use std::sync::Arc;

use secrecy::SecretString;
use time::Duration;

use super::*;
use crate::authorization_request::{AuthorizationParams, Untrusted};
use crate::code::Consumed;
use crate::password::PasswordHash;
use crate::ports::MockPasswordHasher;
use crate::testing::fixtures::{self, T0};
use crate::testing::{InMemoryStore, ManualClock, PlainTextHasher, RecordingSigner, SeqRandom};

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const PASSWORD: &str = "correct horse battery";

struct Harness {
    service: AuthorizeService,
    store: Arc<InMemoryStore>,
    clock: Arc<ManualClock>,
    user: User,
    /// Signs the ID tokens that RP-initiated logout takes as hints.
    signer: Arc<RecordingSigner>,
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
    let ports = FlowPorts::over(&store, hasher, signer.clone(), clock.clone(), Arc::new(SeqRandom::new(7)));
    let service = AuthorizeService::new(ports, Arc::default(), FlowPolicy::default(), plain("dummy"));
    Harness { service, store, clock, user, signer }
}

async fn harness() -> Harness {
    harness_with(Arc::new(PlainTextHasher)).await
}

fn request(extra: &[(&str, &str)]) -> AuthorizationParams {
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
    LoginForm {
        pending: page.interaction.pending.clone(),
        client_id: page.interaction.client_id.as_str().to_owned(),
        csrf: page.interaction.csrf.clone(),
        username: username.to_owned(),
        password: SecretString::from(password.to_owned()),
        address: "192.0.2.7".to_owned(),
    }
}

/// Starts a request without a session: the login page and the new cookie.
async fn login_page(h: &Harness, params: AuthorizationParams) -> (LoginPage, String) {
    let answer = h.service.begin(params, None).await.unwrap();
    let AuthorizeOutcome::Login(page) = answer.outcome else { panic!("expected the login page") };
    (page, answer.new_session.unwrap().expose().to_owned())
}

/// Signs in through the login page; returns the new cookie and where to go next.
async fn sign_in(h: &Harness, params: AuthorizationParams) -> (String, Next) {
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

#[tokio::test]
async fn full_flow_issues_a_bound_code_and_remembers_consent() {
    let h = harness().await;
    let (cookie, next) = sign_in(&h, request(&[("nonce", "n-1")])).await;
    let Next::Consent { pending, client_id } = next else { panic!("first visit asks for consent") };
    let page = h.service.consent_page(Some(&cookie), &pending, client_id.as_str()).await.unwrap();
    assert!(page.scopes.iter().all(|s| s.is_new), "nothing granted yet");
    assert_eq!(page.user, "ada@example.com");
    let csrf = crate::session::csrf_token(&cookie);
    let response = h
        .service
        .decide(Some(&cookie), &csrf, &pending, client_id.as_str(), Decision::Approve)
        .await
        .unwrap();
    let code = code_of(response);
    let Consumed::Now(stored) = h.store.consume(&code.digest(), T0).await.unwrap() else { panic!("stored") };
    assert_eq!(stored.user_id, h.user.id);
    assert_eq!(stored.nonce.as_deref(), Some("n-1"));
    assert_eq!(stored.auth_time, T0);
    assert_eq!(stored.expires_at, T0 + Duration::seconds(60));
    assert_eq!(stored.code_challenge.unwrap().as_str(), CHALLENGE);

    // Same scopes again: no page, straight to a code.
    let again = h.service.begin(request(&[]), Some(&cookie)).await.unwrap();
    let AuthorizeOutcome::Redirect(response) = again.outcome else { panic!("consent remembered") };
    code_of(response);

    // A new scope: the consent page, marking only the new one.
    let wider = h.service.begin(request(&[("scope", "openid email offline_access")]), Some(&cookie)).await;
    let AuthorizeOutcome::Consent(page) = wider.unwrap().outcome else { panic!("new scope asks again") };
    let new: Vec<&str> = page.scopes.iter().filter(|s| s.is_new).map(|s| s.name.as_str()).collect();
    assert_eq!(new, ["offline_access"]);
}

#[tokio::test]
async fn the_consent_form_works_once_and_deny_is_access_denied() {
    let h = harness().await;
    let (cookie, next) = sign_in(&h, request(&[])).await;
    let Next::Consent { pending, client_id } = next else { panic!("consent") };
    let csrf = crate::session::csrf_token(&cookie);
    let denied = h.service.decide(Some(&cookie), &csrf, &pending, client_id.as_str(), Decision::Deny).await;
    let Ok(AuthorizationResponse::Error(error)) = denied else { panic!("deny redirects with an error") };
    assert_eq!(error.error.code(), "access_denied");
    assert_eq!(error.state.as_deref(), Some("s t&ate"));
    let replay =
        h.service.decide(Some(&cookie), &csrf, &pending, client_id.as_str(), Decision::Approve).await;
    assert!(matches!(replay, Err(FlowError::StartAgain(_))), "the pending request was taken");
    assert!(h.store.granted(h.user.id, &client_id).await.unwrap().is_empty(), "nothing remembered");
}

#[tokio::test]
async fn login_renews_the_session_secret() {
    let h = harness().await;
    let (page, anonymous) = login_page(&h, request(&[])).await;
    let form = login_form(&page, "ada@example.com", PASSWORD);
    let Ok(LoginOutcome::SignedIn { session, .. }) = h.service.login(form, Some(&anonymous)).await else {
        panic!("signed in")
    };
    assert_ne!(session.expose(), anonymous);
    assert!(
        SessionRepository::find(h.store.as_ref(), &SessionDigest::of(&anonymous)).await.unwrap().is_none(),
        "fixation defeated"
    );
    assert!(h.service.signed_in_as(Some(session.expose())).await.unwrap().is_some());
}

#[tokio::test]
async fn bad_credentials_all_look_the_same() {
    let h = harness().await;
    let mut disabled = fixtures::user(2, "off@example.com");
    disabled.password_hash = plain(PASSWORD);
    disabled.disabled = true;
    UserRepository::insert(h.store.as_ref(), &disabled).await.unwrap();
    let (page, cookie) = login_page(&h, request(&[])).await;
    let mut answers = Vec::new();
    for (username, password) in
        [("nobody@example.com", PASSWORD), ("ada@example.com", "wrong"), ("off@example.com", PASSWORD)]
    {
        let outcome = h.service.login(login_form(&page, username, password), Some(&cookie)).await.unwrap();
        let LoginOutcome::Refused(refused) = outcome else { panic!("{username} refused") };
        assert_eq!(refused.failure, Some(LoginFailure::InvalidCredentials), "{username}");
        answers.push((refused.interaction, refused.failure));
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn unknown_users_cost_a_password_verification() {
    // The interaction is the point: the dummy hash is verified, once.
    let mut hasher = MockPasswordHasher::new();
    hasher
        .expect_verify()
        .withf(|_, hash| hash.as_str() == "$plaintext-test-only$dummy")
        .times(1)
        .returning(|_, _| Ok(false));
    let h = harness_with(Arc::new(hasher)).await;
    let (page, cookie) = login_page(&h, request(&[])).await;
    let outcome = h.service.login(login_form(&page, "nobody@example.com", "x"), Some(&cookie)).await.unwrap();
    assert!(matches!(outcome, LoginOutcome::Refused(_)));
}

#[tokio::test]
async fn too_many_failures_lock_the_account_until_the_window_passes() {
    let h = harness().await;
    let (page, cookie) = login_page(&h, request(&[])).await;
    for _ in 0..5 {
        let outcome = h.service.login(login_form(&page, "ada@example.com", "wrong"), Some(&cookie)).await;
        assert!(matches!(
            outcome,
            Ok(LoginOutcome::Refused(LoginPage { failure: Some(LoginFailure::InvalidCredentials), .. }))
        ));
    }
    let locked =
        h.service.login(login_form(&page, "ADA@example.com", PASSWORD), Some(&cookie)).await.unwrap();
    assert!(
        matches!(locked, LoginOutcome::Refused(LoginPage { failure: Some(LoginFailure::Throttled), .. })),
        "the right password is refused while locked"
    );
    h.clock.advance(Duration::minutes(15));
    let (page, cookie) = login_page(&h, request(&[])).await;
    let outcome =
        h.service.login(login_form(&page, "ada@example.com", PASSWORD), Some(&cookie)).await.unwrap();
    assert!(matches!(outcome, LoginOutcome::SignedIn { .. }));
}

#[tokio::test]
async fn forms_need_their_session_and_its_csrf_token() {
    let h = harness().await;
    let (page, cookie) = login_page(&h, request(&[])).await;
    let (_, other_cookie) = login_page(&h, request(&[])).await;
    let mut wrong = login_form(&page, "ada@example.com", PASSWORD);
    wrong.csrf = crate::session::csrf_token(&other_cookie);
    assert!(matches!(h.service.login(wrong, Some(&cookie)).await, Err(FlowError::Forbidden)));
    let mut missing = login_form(&page, "ada@example.com", PASSWORD);
    missing.csrf = String::new();
    assert!(matches!(h.service.login(missing, Some(&cookie)).await, Err(FlowError::Forbidden)));
    let lost = h.service.login(login_form(&page, "ada@example.com", PASSWORD), None).await;
    let Err(FlowError::StartAgain(start_again)) = lost else { panic!("no cookie: start again") };
    assert_eq!(start_again.back_to.as_deref(), Some("https://rp.example/"));
    // Another session's pending request is not ours to continue.
    let mut foreign = login_form(&page, "ada@example.com", PASSWORD);
    foreign.csrf = crate::session::csrf_token(&other_cookie);
    assert!(matches!(h.service.login(foreign, Some(&other_cookie)).await, Err(FlowError::StartAgain(_))));
}

#[tokio::test]
async fn a_page_left_open_too_long_starts_again() {
    let h = harness().await;
    let (page, cookie) = login_page(&h, request(&[])).await;
    h.clock.advance(Duration::minutes(11));
    let outcome = h.service.login(login_form(&page, "ada@example.com", PASSWORD), Some(&cookie)).await;
    assert!(matches!(outcome, Err(FlowError::StartAgain(_))));
}

#[tokio::test]
async fn prompt_none_never_shows_a_page() {
    let h = harness().await;
    let none = h.service.begin(request(&[("prompt", "none")]), None).await.unwrap();
    assert_eq!(error_code(none.outcome), "login_required");
    assert!(none.new_session.is_none(), "no session for a silent request");
    let (cookie, _) = sign_in(&h, request(&[])).await;
    let none = h.service.begin(request(&[("prompt", "none")]), Some(&cookie)).await.unwrap();
    assert_eq!(error_code(none.outcome), "consent_required");
}

#[tokio::test]
async fn prompt_login_and_max_age_ask_for_a_new_login() {
    let h = harness().await;
    let (cookie, _) = sign_in(&h, request(&[("scope", "openid")])).await;
    h.store
        .grant(h.user.id, &fixtures::client(1, "Billing", "s").id, &BTreeSetExt::of(&["openid", "email"]), T0)
        .await
        .unwrap();
    h.clock.advance(Duration::seconds(100));
    let fresh_enough = h.service.begin(request(&[("max_age", "1000")]), Some(&cookie)).await.unwrap();
    let AuthorizeOutcome::Redirect(response) = fresh_enough.outcome else { panic!("within max_age") };
    let Consumed::Now(code) = h.store.consume(&code_of(response).digest(), T0).await.unwrap() else {
        panic!()
    };
    assert_eq!(code.auth_time, T0, "auth_time is the login, not the request");
    let too_old = h.service.begin(request(&[("max_age", "99")]), Some(&cookie)).await.unwrap();
    assert!(matches!(too_old.outcome, AuthorizeOutcome::Login(_)));
    let forced = h.service.begin(request(&[("prompt", "login")]), Some(&cookie)).await.unwrap();
    assert!(matches!(forced.outcome, AuthorizeOutcome::Login(_)));
}

#[tokio::test]
async fn logout_ends_the_session_and_needs_its_token() {
    let h = harness().await;
    let (cookie, _) = sign_in(&h, request(&[])).await;
    assert!(matches!(h.service.logout(Some(&cookie), "forged").await, Err(FlowError::Forbidden)));
    let csrf = crate::session::csrf_token(&cookie);
    assert!(h.service.logout(Some(&cookie), &csrf).await.unwrap());
    assert!(h.service.signed_in_as(Some(&cookie)).await.unwrap().is_none());
    assert!(!h.service.logout(Some(&cookie), &csrf).await.unwrap(), "nothing left to end");
}

#[tokio::test]
async fn untrusted_requests_never_redirect() {
    let h = harness().await;
    let unknown = h.service.begin(request(&[("client_id", "nobody")]), None).await;
    assert!(matches!(unknown, Err(FlowError::Untrusted(Untrusted::UnknownClient))));
    let altered = h.service.begin(request(&[("redirect_uri", "https://rp.example/cb/evil")]), None).await;
    assert!(matches!(altered, Err(FlowError::Untrusted(Untrusted::UnregisteredRedirectUri))));
}

#[tokio::test]
async fn purge_removes_what_expired() {
    let h = harness().await;
    let (cookie, next) = sign_in(&h, request(&[])).await;
    let Next::Consent { pending, client_id } = next else { panic!("consent") };
    let csrf = crate::session::csrf_token(&cookie);
    h.service.decide(Some(&cookie), &csrf, &pending, client_id.as_str(), Decision::Approve).await.unwrap();
    h.clock.advance(Duration::days(2));
    assert!(h.service.purge_expired(100).await.unwrap() >= 2, "the session and the code");
    assert_eq!(h.service.purge_expired(100).await.unwrap(), 0);
}

/// Builds scope sets in tests.
struct BTreeSetExt;
impl BTreeSetExt {
    fn of(names: &[&str]) -> std::collections::BTreeSet<crate::scope::ScopeName> {
        names.iter().map(|n| crate::scope::ScopeName::parse(n).unwrap()).collect()
    }
}

#[tokio::test]
async fn the_consent_step_cannot_skip_a_login_the_request_demands() {
    let h = harness().await;
    let (cookie, _) = sign_in(&h, request(&[])).await;
    h.clock.advance(Duration::seconds(100));
    for extra in [("prompt", "login"), ("max_age", "10")] {
        let answer = h.service.begin(request(&[extra]), Some(&cookie)).await.unwrap();
        let AuthorizeOutcome::Login(page) = answer.outcome else { panic!("{extra:?}: the login page") };
        let handle = page.interaction.pending.clone();
        let csrf = crate::session::csrf_token(&cookie);
        // Straight to the consent step with the old login: refused.
        let page = h.service.consent_page(Some(&cookie), &handle, "client1").await;
        assert!(matches!(page, Err(FlowError::StartAgain(_))), "{extra:?}: consent page");
        let decided = h.service.decide(Some(&cookie), &csrf, &handle, "client1", Decision::Approve).await;
        assert!(matches!(decided, Err(FlowError::StartAgain(_))), "{extra:?}: decision");
    }
}

/// Verifies slowly (it yields) and counts its verifications.
#[derive(Debug, Default)]
struct CountingHasher(std::sync::atomic::AtomicU32);

#[async_trait::async_trait]
impl PasswordHasher for CountingHasher {
    async fn hash(&self, _: &crate::password::Password) -> Result<PasswordHash, crate::ports::HashError> {
        Ok(plain("x"))
    }

    async fn verify(&self, _: &SecretString, _: &PasswordHash) -> Result<bool, crate::ports::HashError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        Ok(false)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_get_no_more_verifications_than_the_limit() {
    let hasher = Arc::new(CountingHasher::default());
    let h = Arc::new(harness_with(hasher.clone()).await);
    let (page, cookie) = login_page(&h, request(&[])).await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (h, form, cookie) =
                (h.clone(), login_form(&page, "ada@example.com", "guess"), cookie.clone());
            tokio::spawn(async move { h.service.login(form, Some(&cookie)).await.unwrap() })
        })
        .collect();
    for task in tasks {
        assert!(matches!(task.await.unwrap(), LoginOutcome::Refused(_)));
    }
    let verified = hasher.0.load(std::sync::atomic::Ordering::SeqCst);
    assert!(verified <= 5, "{verified} password checks for 12 parallel guesses; the limit is 5");
}

mod end_session {
    use super::*;
    use crate::client::ClientId;
    use crate::ports::TokenSigner as _;
    use crate::redirect_uri::RedirectUri;
    use crate::service::authorize::{EndSession, EndSessionParams};
    use crate::token::{IdTokenClaims, SigningAlg};

    const BACK: &str = "https://rp.example/signed-out";

    async fn with_logout_uri(h: &Harness) {
        let id = ClientId::parse("client1").unwrap();
        let mut client = ClientRepository::find(h.store.as_ref(), &id).await.unwrap().unwrap();
        client.metadata.post_logout_redirect_uris =
            vec![RedirectUri::parse(BACK, client.metadata.client_type).unwrap()];
        ClientRepository::update(h.store.as_ref(), &client).await.unwrap();
    }

    async fn hint_for(h: &Harness, sub: &str) -> String {
        let claims = IdTokenClaims {
            iss: "https://id.example".into(),
            sub: sub.into(),
            aud: "client1".into(),
            exp: T0.unix_timestamp() + 600,
            iat: T0.unix_timestamp(),
            auth_time: T0.unix_timestamp(),
            nonce: None,
            at_hash: String::new(),
            azp: "client1".into(),
        };
        h.signer.sign_id_token(&claims, SigningAlg::Rs256).await.unwrap()
    }

    fn params(hint: Option<&str>, client: Option<&str>, uri: Option<&str>) -> EndSessionParams {
        EndSessionParams {
            id_token_hint: hint.map(str::to_owned),
            client_id: client.map(str::to_owned),
            post_logout_redirect_uri: uri.map(str::to_owned),
            state: Some("st&1".into()),
        }
    }

    #[tokio::test]
    async fn a_hint_for_the_signed_in_user_ends_the_session_and_returns_with_state() {
        let h = harness().await;
        with_logout_uri(&h).await;
        let (cookie, _) = sign_in(&h, request(&[])).await;
        let hint = hint_for(&h, &h.user.id.to_string()).await;
        // Expired hints are fine (RP-Initiated Logout §2).
        h.clock.advance(Duration::hours(2));
        let ended = h.service.end_session(params(Some(&hint), None, Some(BACK)), Some(&cookie), None).await;
        assert_eq!(ended.unwrap(), EndSession::Ended { redirect: Some(format!("{BACK}?state=st%261")) });
        assert!(h.service.signed_in_as(Some(&cookie)).await.unwrap().is_none(), "the session is gone");
    }

    #[tokio::test]
    async fn without_a_matching_hint_the_user_is_asked_and_the_form_needs_its_token() {
        let h = harness().await;
        with_logout_uri(&h).await;
        let (cookie, _) = sign_in(&h, request(&[])).await;
        let someone_else = hint_for(&h, "another-user").await;
        for request in [params(None, Some("client1"), Some(BACK)), params(Some(&someone_else), None, None)] {
            let asked = h.service.end_session(request, Some(&cookie), None).await.unwrap();
            let EndSession::Confirm { email, csrf, .. } = asked else { panic!("asks first") };
            assert_eq!((email.as_str(), csrf), ("ada@example.com", crate::session::csrf_token(&cookie)));
        }
        let forged =
            h.service.end_session(params(None, Some("client1"), Some(BACK)), Some(&cookie), Some("x")).await;
        assert!(matches!(forged, Err(FlowError::Forbidden)));
        assert!(h.service.signed_in_as(Some(&cookie)).await.unwrap().is_some(), "still signed in");
        let csrf = crate::session::csrf_token(&cookie);
        let confirmed = h
            .service
            .end_session(params(None, Some("client1"), Some(BACK)), Some(&cookie), Some(&csrf))
            .await;
        assert!(matches!(confirmed, Ok(EndSession::Ended { redirect: Some(_) })));
        assert!(h.service.signed_in_as(Some(&cookie)).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn unregistered_targets_and_bad_hints_are_refused_before_anything_ends() {
        let h = harness().await;
        with_logout_uri(&h).await;
        let (cookie, _) = sign_in(&h, request(&[])).await;
        let hint = hint_for(&h, &h.user.id.to_string()).await;
        let refused = [
            params(Some(&hint), None, Some("https://evil.example/")),
            params(Some(&hint), None, Some(&format!("{BACK}/more"))),
            params(None, None, Some(BACK)),
            params(Some("id.RS256.forged"), None, Some(BACK)),
            params(Some(&hint), Some("client2"), Some(BACK)),
            params(None, Some("nobody"), Some(BACK)),
        ];
        for request in refused {
            let outcome = h.service.end_session(request.clone(), Some(&cookie), None).await;
            assert!(matches!(outcome, Err(FlowError::BadRequest(_))), "{request:?}: {outcome:?}");
        }
        assert!(h.service.signed_in_as(Some(&cookie)).await.unwrap().is_some(), "nothing ended");
    }

    #[tokio::test]
    async fn without_a_return_uri_an_unverifiable_request_is_asked_about_not_refused() {
        let h = harness().await;
        let (cookie, _) = sign_in(&h, request(&[])).await;
        let hint = hint_for(&h, &h.user.id.to_string()).await;
        for request in [
            params(Some("id.RS256.forged"), None, None),
            params(Some(&hint), Some("client2"), None),
            params(None, Some("nobody"), None),
        ] {
            let outcome = h.service.end_session(request.clone(), Some(&cookie), None).await;
            assert!(matches!(outcome, Ok(EndSession::Confirm { .. })), "{request:?}: {outcome:?}");
        }
        assert!(h.service.signed_in_as(Some(&cookie)).await.unwrap().is_some(), "asked, not ended");
    }

    #[tokio::test]
    async fn without_a_session_there_is_nothing_to_end_but_the_return_still_works() {
        let h = harness().await;
        with_logout_uri(&h).await;
        let ended =
            h.service.end_session(params(None, Some("client1"), Some(BACK)), None, None).await.unwrap();
        assert_eq!(ended, EndSession::Ended { redirect: Some(format!("{BACK}?state=st%261")) });
        let bare = h.service.end_session(EndSessionParams::default(), None, None).await.unwrap();
        assert_eq!(bare, EndSession::Ended { redirect: None }, "our signed-out page");
    }
}

//! The login step: session renewal, uniform refusals, the brute-force guard
//! and the forms' CSRF and lifetime checks.

use super::*;

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
    assert!(h.logout.signed_in_as(Some(session.expose())).await.unwrap().is_some());
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
    assert!(matches!(h.service.login(wrong, Some(&cookie)).await, Err(PageError::Forbidden)));
    let mut missing = login_form(&page, "ada@example.com", PASSWORD);
    missing.csrf = String::new();
    assert!(matches!(h.service.login(missing, Some(&cookie)).await, Err(PageError::Forbidden)));
    let lost = h.service.login(login_form(&page, "ada@example.com", PASSWORD), None).await;
    let Err(PageError::StartAgain(start_again)) = lost else { panic!("no cookie: start again") };
    assert_eq!(start_again.back_to.as_deref(), Some("https://rp.example/"));
    // Another session's pending request is not ours to continue.
    let mut foreign = login_form(&page, "ada@example.com", PASSWORD);
    foreign.csrf = crate::session::csrf_token(&other_cookie);
    assert!(matches!(h.service.login(foreign, Some(&other_cookie)).await, Err(PageError::StartAgain(_))));
}

#[tokio::test]
async fn a_page_left_open_too_long_starts_again() {
    let h = harness().await;
    let (page, cookie) = login_page(&h, request(&[])).await;
    h.clock.advance(Duration::minutes(11));
    let outcome = h.service.login(login_form(&page, "ada@example.com", PASSWORD), Some(&cookie)).await;
    assert!(matches!(outcome, Err(PageError::StartAgain(_))));
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

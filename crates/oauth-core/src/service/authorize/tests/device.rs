//! The device grant's verification page (RFC 8628 §3.3, §5.1, §5.4).

use std::collections::BTreeSet;

use super::*;
use crate::client::GrantType;
use crate::device_authorization::{
    DEFAULT_POLL_INTERVAL, DeviceAuthorization, DeviceCode, DeviceDecision, UserCode,
};
use crate::ports::DeviceAuthorizationRepository;
use crate::session::csrf_token;

/// client1 with the device grant, and a pending authorization of its for
/// `openid email`; the user code.
async fn pending_device(h: &Harness) -> UserCode {
    let mut client = fixtures::client(1, "Billing", "s");
    client.metadata.grant_types.insert(GrantType::DeviceCode);
    ClientRepository::update(h.store.as_ref(), &client).await.unwrap();
    another_device(h, 40).await
}

/// One more pending authorization of client1, its codes drawn from `seed`.
async fn another_device(h: &Harness, seed: u64) -> UserCode {
    let random = SeqRandom::new(seed);
    let user_code = UserCode::generate(&random).unwrap();
    let device = DeviceAuthorization {
        device_code: DeviceCode::generate(&random).unwrap().digest(),
        user_code: user_code.digest(),
        client_id: fixtures::client(1, "Billing", "s").id,
        scopes: BTreeSetExt::of(&["openid", "email"]),
        resources: BTreeSet::new(),
        decision: DeviceDecision::Pending,
        entered_by: None,
        interval: DEFAULT_POLL_INTERVAL,
        last_polled_at: None,
        created_at: T0,
        expires_at: T0 + Duration::minutes(30),
    };
    DeviceAuthorizationRepository::insert(h.store.as_ref(), &device).await.unwrap();
    user_code
}

/// A fresh browser on the code form: its cookie.
async fn browser(h: &Harness, prefill: Option<&str>) -> (String, DeviceCodePage) {
    let answer = h.service.device_page(None, prefill, ADDRESS).await.unwrap();
    (answer.new_session.unwrap().expose().to_owned(), answer.outcome)
}

fn form(cookie: &str, code: &str, address: &str) -> DeviceForm {
    DeviceForm { csrf: csrf_token(cookie), user_code: code.into(), address: address.into() }
}

async fn decision_of(h: &Harness, code: &UserCode) -> Option<DeviceDecision> {
    let digest = code.digest();
    let found =
        DeviceAuthorizationRepository::find_by_user_code(h.store.as_ref(), &digest, h.clock.now()).await;
    found.unwrap().map(|device| device.decision)
}

/// The whole page flow: code, login, approval; the code typed in lower
/// case with a space is the same code.
#[tokio::test]
async fn a_user_enters_the_code_signs_in_and_approves() {
    let h = harness().await;
    let code = pending_device(&h).await;
    let (cookie, page) = browser(&h, None).await;
    assert_eq!(page.csrf, csrf_token(&cookie));
    let typed = code.display().to_lowercase().replace('-', " ");
    let step = h.service.device_code_entered(Some(&cookie), form(&cookie, &typed, ADDRESS)).await.unwrap();
    let DeviceStep::Login(login) = step else { panic!("expected the login form, got {step:?}") };
    assert_eq!((login.client_name.as_str(), login.user_code.clone()), ("Billing", code.display()));
    let password = SecretString::from(PASSWORD.to_owned());
    let (renewed, step) = h
        .service
        .device_login(Some(&cookie), form(&cookie, &typed, ADDRESS), "ada@example.com", &password)
        .await
        .unwrap();
    let renewed = renewed.expect("a new session secret at sign-in").expose().to_owned();
    let DeviceStep::Consent(consent) = step else { panic!("expected the approval page, got {step:?}") };
    assert_eq!(consent.user_code, code.display(), "the code to compare with the device's screen");
    assert_eq!(consent.user, "ada@example.com");
    assert_eq!(consent.scopes.len(), 2);
    assert_eq!(
        decision_of(&h, &code).await,
        Some(DeviceDecision::Pending),
        "nothing granted before the POST"
    );
    let step = h
        .service
        .device_decide(Some(&renewed), form(&renewed, &typed, ADDRESS), Decision::Approve)
        .await
        .unwrap();
    assert!(matches!(step, DeviceStep::Decided { decision: Decision::Approve, .. }), "{step:?}");
    assert!(
        matches!(decision_of(&h, &code).await, Some(DeviceDecision::Approved { user_id, .. }) if user_id == h.user.id)
    );
    // RFC 8628 §5.4: the code is used once.
    let again = h
        .service
        .device_decide(Some(&renewed), form(&renewed, &typed, ADDRESS), Decision::Deny)
        .await
        .unwrap();
    assert!(matches!(
        again,
        DeviceStep::EnterCode(DeviceCodePage { failure: Some(CodeFailure::NotValid), .. })
    ));
}

/// `verification_uri_complete` only fills the form in (RFC 8628 §5.4).
#[tokio::test]
async fn a_prefilled_code_is_only_shown() {
    let h = harness().await;
    let code = pending_device(&h).await;
    let (_, page) = browser(&h, Some(&code.display().to_lowercase())).await;
    assert_eq!(page.user_code, Some(code.display()));
    assert_eq!(decision_of(&h, &code).await, Some(DeviceDecision::Pending));
    let (_, junk) = browser(&h, Some("<script>")).await;
    assert_eq!(junk.user_code, None, "only a code is pre-filled");
}

#[tokio::test]
async fn a_signed_in_user_who_denies_denies_the_device() {
    let h = harness().await;
    let code = pending_device(&h).await;
    let (cookie, _) = sign_in(&h, request(&[])).await;
    let step =
        h.service.device_code_entered(Some(&cookie), form(&cookie, &code.display(), ADDRESS)).await.unwrap();
    assert!(matches!(step, DeviceStep::Consent(_)), "signed in: straight to approval, {step:?}");
    let step = h
        .service
        .device_decide(Some(&cookie), form(&cookie, &code.display(), ADDRESS), Decision::Deny)
        .await
        .unwrap();
    assert!(matches!(step, DeviceStep::Decided { decision: Decision::Deny, .. }));
    assert_eq!(decision_of(&h, &code).await, Some(DeviceDecision::Denied));
}

/// RFC 8628 §5.1: five wrong codes from one address, then even the right
/// one is refused until the window ends; every miss has one answer.
#[tokio::test]
async fn guessing_is_limited_per_address() {
    let h = harness().await;
    let code = pending_device(&h).await;
    let (cookie, _) = browser(&h, None).await;
    for wrong in ["BCDF-GHJK", "not a code", "BCDF-GHJL", "", "ZZZZ-ZZZZ"] {
        let step = h.service.device_code_entered(Some(&cookie), form(&cookie, wrong, ADDRESS)).await.unwrap();
        assert!(
            matches!(
                step,
                DeviceStep::EnterCode(DeviceCodePage { failure: Some(CodeFailure::NotValid), .. })
            ),
            "{wrong}"
        );
    }
    let right =
        h.service.device_code_entered(Some(&cookie), form(&cookie, &code.display(), ADDRESS)).await.unwrap();
    assert!(matches!(
        right,
        DeviceStep::EnterCode(DeviceCodePage { failure: Some(CodeFailure::Throttled { .. }), .. })
    ));
    let elsewhere =
        h.service.device_code_entered(Some(&cookie), form(&cookie, &code.display(), "203.0.113.5")).await;
    assert!(matches!(elsewhere.unwrap(), DeviceStep::Login(_)), "another address is not locked out");
    h.clock.advance(DEVICE_CODE_GUESSES_PER_ADDRESS.window);
    let later =
        h.service.device_code_entered(Some(&cookie), form(&cookie, &code.display(), ADDRESS)).await.unwrap();
    assert!(matches!(later, DeviceStep::Login(_)), "after the window");
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_forbidden() {
    let h = harness().await;
    let code = pending_device(&h).await;
    let (cookie, _) = browser(&h, None).await;
    let forged = DeviceForm { csrf: "forged".into(), user_code: code.display(), address: ADDRESS.into() };
    let refused = h.service.device_code_entered(Some(&cookie), forged).await;
    assert!(matches!(refused, Err(PageError::Forbidden)));
    let (signed_in, _) = sign_in(&h, request(&[])).await;
    let forged = DeviceForm { csrf: csrf_token(&cookie), user_code: code.display(), address: ADDRESS.into() };
    let refused = h.service.device_decide(Some(&signed_in), forged, Decision::Approve).await;
    assert!(matches!(refused, Err(PageError::Forbidden)), "another session's token");
    assert_eq!(decision_of(&h, &code).await, Some(DeviceDecision::Pending));
}

/// Resubmitting a decision (a reload of the end page, the back button) is
/// not a guess: the code is this session's own.
#[tokio::test]
async fn a_sessions_own_code_is_never_counted_as_a_guess() {
    let h = harness().await;
    let code = pending_device(&h).await;
    let (cookie, _) = sign_in(&h, request(&[])).await;
    let entered = h.service.device_code_entered(Some(&cookie), form(&cookie, &code.display(), ADDRESS)).await;
    assert!(matches!(entered.unwrap(), DeviceStep::Consent(_)));
    let decided =
        h.service.device_decide(Some(&cookie), form(&cookie, &code.display(), ADDRESS), Decision::Approve);
    assert!(matches!(decided.await.unwrap(), DeviceStep::Decided { .. }));
    for _ in 0..=DEVICE_CODE_GUESSES_PER_ADDRESS.per_address {
        let again = h.service.device_decide(
            Some(&cookie),
            form(&cookie, &code.display(), ADDRESS),
            Decision::Approve,
        );
        assert!(matches!(
            again.await.unwrap(),
            DeviceStep::EnterCode(DeviceCodePage { failure: Some(CodeFailure::NotValid), .. })
        ));
    }
    let second = another_device(&h, 41).await;
    let next = h
        .service
        .device_code_entered(Some(&cookie), form(&cookie, &second.display(), ADDRESS))
        .await
        .unwrap();
    assert!(matches!(next, DeviceStep::Consent(_)), "not locked out by its own resubmissions: {next:?}");
}

/// A user who entered a valid code finishes even after guessers spent the
/// address's limit meanwhile.
#[tokio::test]
async fn a_code_entered_before_the_limit_is_spent_can_still_be_approved() {
    let h = harness().await;
    let code = pending_device(&h).await;
    let (cookie, _) = browser(&h, None).await;
    let step =
        h.service.device_code_entered(Some(&cookie), form(&cookie, &code.display(), ADDRESS)).await.unwrap();
    assert!(matches!(step, DeviceStep::Login(_)));
    let (guesser, _) = browser(&h, None).await;
    for _ in 0..=DEVICE_CODE_GUESSES_PER_ADDRESS.per_address {
        h.service.device_code_entered(Some(&guesser), form(&guesser, "BCDF-GHJK", ADDRESS)).await.unwrap();
    }
    let password = SecretString::from(PASSWORD.to_owned());
    let (renewed, step) = h
        .service
        .device_login(Some(&cookie), form(&cookie, &code.display(), ADDRESS), "ada@example.com", &password)
        .await
        .unwrap();
    assert!(matches!(step, DeviceStep::Consent(_)), "{step:?}");
    let renewed = renewed.unwrap().expose().to_owned();
    let decided =
        h.service.device_decide(Some(&renewed), form(&renewed, &code.display(), ADDRESS), Decision::Approve);
    assert!(matches!(decided.await.unwrap(), DeviceStep::Decided { .. }));
}

/// The failure counters, yielding before every call as a database does,
/// so that guesses sent together interleave.
struct Yielding(Arc<InMemoryStore>);

#[async_trait::async_trait]
impl LoginAttemptRepository for Yielding {
    async fn failures(
        &self,
        key: &crate::throttle::ThrottleKey,
    ) -> Result<Option<crate::throttle::FailureCount>, crate::error::RepoError> {
        tokio::task::yield_now().await;
        self.0.failures(key).await
    }
    async fn record_failure(
        &self,
        key: &crate::throttle::ThrottleKey,
        now: time::OffsetDateTime,
        window: Duration,
    ) -> Result<crate::throttle::FailureCount, crate::error::RepoError> {
        tokio::task::yield_now().await;
        self.0.record_failure(key, now, window).await
    }
    async fn forgive_one(&self, key: &crate::throttle::ThrottleKey) -> Result<(), crate::error::RepoError> {
        tokio::task::yield_now().await;
        self.0.forgive_one(key).await
    }
    async fn clear(&self, key: &crate::throttle::ThrottleKey) -> Result<(), crate::error::RepoError> {
        self.0.clear(key).await
    }
    async fn purge_stale(
        &self,
        before: time::OffsetDateTime,
        limit: u32,
    ) -> Result<u64, crate::error::RepoError> {
        self.0.purge_stale(before, limit).await
    }
}

/// Guesses sent together cannot pass a read together: each is charged
/// before it is judged, so exactly the limit is looked up.
#[tokio::test]
async fn guesses_sent_together_are_limited_too() {
    let h = harness().await;
    pending_device(&h).await;
    let ports = AuthorizePorts {
        attempts: Arc::new(Yielding(h.store.clone())),
        ..AuthorizePorts::over(
            &h.store,
            Arc::new(PlainTextHasher),
            h.clock.clone(),
            Arc::new(SeqRandom::new(8)),
        )
    };
    let service = AuthorizeService::new(ports, Arc::default(), SignInPolicy::default(), plain("dummy"));
    let (cookie, _) = browser(&h, None).await;
    let guesses =
        (0..20).map(|_| service.device_code_entered(Some(&cookie), form(&cookie, "BCDF-GHJK", ADDRESS)));
    let answers = crate::testing::contract::join_all(guesses).await;
    let judged = answers
        .iter()
        .filter(|answer| {
            matches!(
                answer,
                Ok(DeviceStep::EnterCode(DeviceCodePage { failure: Some(CodeFailure::NotValid), .. }))
            )
        })
        .count();
    assert_eq!(judged, DEVICE_CODE_GUESSES_PER_ADDRESS.per_address as usize);
}

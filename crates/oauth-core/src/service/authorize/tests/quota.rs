//! The per-address quota on sign-in requests the store keeps.

use super::*;
use crate::pending::PENDING_PER_SESSION;
use crate::throttle::AuthorizeQuota;

async fn with_quota(per_address: u32) -> Harness {
    let mut h = harness().await;
    let policy = SignInPolicy {
        quota: AuthorizeQuota { per_address, window: Duration::minutes(10) },
        ..SignInPolicy::default()
    };
    let ports = AuthorizePorts::over(
        &h.store,
        Arc::new(PlainTextHasher),
        h.clock.clone(),
        Arc::new(SeqRandom::new(9)),
    );
    h.service = AuthorizeService::new(ports, Arc::default(), policy, plain("dummy"));
    h
}

fn throttled_for(answer: &Result<Answer<AuthorizeOutcome>, PageError>) -> Option<u64> {
    match answer {
        Err(PageError::Throttled { retry_after_secs }) => Some(*retry_after_secs),
        _ => None,
    }
}

#[tokio::test]
async fn past_its_quota_an_address_is_refused_until_the_window_ends() {
    let h = with_quota(3).await;
    // Refused requests store nothing and cost nothing.
    let _ = h.service.begin(request(&[("client_id", "nobody")]), None, ADDRESS).await;
    let _ = h.service.begin(request(&[("prompt", "none")]), None, ADDRESS).await;
    let _ = h.service.begin(request(&[("code_challenge_method", "plain")]), None, ADDRESS).await;
    for n in 1..=3 {
        let answer = h.service.begin(request(&[]), None, ADDRESS).await.unwrap();
        assert!(matches!(answer.outcome, AuthorizeOutcome::Login(_)), "request {n}");
    }
    h.clock.advance(Duration::seconds(30));
    let wait = throttled_for(&h.service.begin(request(&[]), None, ADDRESS).await);
    let wait = wait.expect("the fourth request is refused");
    assert!((1..=600).contains(&wait), "told to come back when the window ends: {wait}");
    assert!(h.service.begin(request(&[]), None, "198.51.100.20").await.is_ok(), "another address");
    h.clock.advance(Duration::seconds(i64::try_from(wait).unwrap()));
    assert!(h.service.begin(request(&[]), None, ADDRESS).await.is_ok(), "a new window");
}

#[tokio::test]
async fn anonymous_requests_from_an_address_leave_its_signed_in_users_alone() {
    let h = harness().await;
    let (cookie, _) = sign_in_from(&h, "198.51.100.20").await;
    // What any web page can make a visitor's browser send: cross-site
    // requests carry no SameSite=Lax cookie, so each starts a session.
    for n in 1..=100 {
        let answer = h.service.begin(request(&[]), None, ADDRESS).await;
        assert!(answer.is_ok(), "cookieless request {n}: {answer:?}");
    }
    let signed_in = h.service.begin(request(&[("prompt", "consent")]), Some(&cookie), ADDRESS).await;
    assert!(
        matches!(&signed_in, Ok(Answer { outcome: AuthorizeOutcome::Consent(_), .. })),
        "the signed-in user gets the consent page: {signed_in:?}"
    );
    let anonymous = h.service.begin(request(&[]), None, ADDRESS).await;
    assert!(throttled_for(&anonymous).is_some(), "a new session past the quota is refused: {anonymous:?}");
}

/// Signs in from `address`: the cookie, and where to go next.
async fn sign_in_from(h: &Harness, address: &str) -> (String, Next) {
    let answer = h.service.begin(request(&[]), None, address).await.unwrap();
    let AuthorizeOutcome::Login(page) = answer.outcome else { panic!("expected the login page") };
    let cookie = answer.new_session.unwrap().expose().to_owned();
    let form = LoginForm { address: address.to_owned(), ..login_form(&page, "ada@example.com", PASSWORD) };
    let Ok(LoginOutcome::SignedIn { session, next }) = h.service.login(form, Some(&cookie)).await else {
        panic!("expected a sign-in")
    };
    (session.expose().to_owned(), next)
}

#[tokio::test]
async fn a_session_keeps_only_its_newest_pending_requests() {
    let h = with_quota(1).await;
    let (first, cookie) = login_page(&h, request(&[])).await;
    let mut pages = vec![first];
    // Requests that bring their session's cookie are bounded per session,
    // not charged to the address (its quota of one is spent above).
    for n in 2..=PENDING_PER_SESSION + 5 {
        let answer = h.service.begin(request(&[]), Some(&cookie), ADDRESS).await;
        let Ok(Answer { outcome: AuthorizeOutcome::Login(page), new_session: None }) = answer else {
            panic!("request {n} with the session's cookie: {answer:?}")
        };
        pages.push(page);
        h.clock.advance(Duration::seconds(1));
    }
    let client = |page: &LoginPage| page.interaction.client_id.as_str().to_owned();
    let (oldest, newest) = (&pages[0], &pages[pages.len() - 1]);
    let gone = h.service.login_page(Some(&cookie), &oldest.interaction.pending, &client(oldest)).await;
    assert!(matches!(gone, Err(PageError::StartAgain(_))), "the oldest went: {gone:?}");
    let form = login_form(newest, "ada@example.com", PASSWORD);
    let outcome = h.service.login(form, Some(&cookie)).await;
    assert!(matches!(outcome, Ok(LoginOutcome::SignedIn { .. })), "the newest tab works: {outcome:?}");
}

//! An overloaded hasher verifies nothing, so its refusals are not failed
//! logins: retrying the right password through an overload still signs in.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::password::Password;
use crate::ports::{HashError, LoginAttemptRepository};
use crate::throttle::{account_key, ip_key};

/// The plain-text test hasher, refusing with `Overloaded` while it has
/// refusals left.
#[derive(Default)]
struct Overloadable {
    refusals_left: AtomicUsize,
}

impl Overloadable {
    fn overload(&self, refusals: usize) {
        self.refusals_left.store(refusals, Ordering::SeqCst);
    }
}

#[async_trait::async_trait]
impl PasswordHasher for Overloadable {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        PlainTextHasher.hash(password).await
    }

    async fn verify(&self, candidate: &SecretString, hash: &PasswordHash) -> Result<bool, HashError> {
        let refused =
            self.refusals_left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1));
        if refused.is_ok() {
            return Err(HashError::Overloaded);
        }
        PlainTextHasher.verify(candidate, hash).await
    }
}

async fn failures(h: &Harness, key: &crate::throttle::ThrottleKey) -> u32 {
    h.store.failures(key).await.unwrap().map_or(0, |count| count.failures)
}

#[tokio::test]
async fn retrying_the_right_password_through_an_overload_signs_in() {
    let hasher = Arc::new(Overloadable::default());
    let h = harness_with(hasher.clone()).await;
    let (page, cookie) = login_page(&h, request(&[])).await;
    let wrong = h.service.login(login_form(&page, "ada@example.com", "wrong"), Some(&cookie)).await;
    assert!(matches!(wrong, Ok(LoginOutcome::Refused(_))), "{wrong:?}");
    let account = account_key("ada@example.com", ADDRESS);
    assert_eq!(failures(&h, &account).await, 1, "one real failure");

    hasher.overload(5);
    for attempt in 1..=5 {
        // The 503 page's Retry-After is a few seconds.
        h.clock.advance(Duration::seconds(6));
        let outcome = h.service.login(login_form(&page, "ada@example.com", PASSWORD), Some(&cookie)).await;
        assert!(matches!(outcome, Err(PageError::Unavailable)), "attempt {attempt}: {outcome:?}");
        assert_eq!(failures(&h, &account).await, 1, "attempt {attempt}: a refusal is not a failure");
    }
    assert_eq!(failures(&h, &ip_key(ADDRESS)).await, 1, "nor charged to the address");

    h.clock.advance(Duration::seconds(6));
    let outcome = h.service.login(login_form(&page, "ada@example.com", PASSWORD), Some(&cookie)).await;
    assert!(matches!(outcome, Ok(LoginOutcome::SignedIn { .. })), "the owner signs in: {outcome:?}");
}

#[tokio::test]
async fn an_overload_takes_back_only_its_own_charge() {
    // Guessing through an overload must not wipe the guesser's count.
    let hasher = Arc::new(Overloadable::default());
    let h = harness_with(hasher.clone()).await;
    let (page, cookie) = login_page(&h, request(&[])).await;
    for _ in 0..4 {
        let outcome = h.service.login(login_form(&page, "ada@example.com", "wrong"), Some(&cookie)).await;
        assert!(matches!(outcome, Ok(LoginOutcome::Refused(_))), "{outcome:?}");
    }
    hasher.overload(1);
    let refused = h.service.login(login_form(&page, "ada@example.com", "guess"), Some(&cookie)).await;
    assert!(matches!(refused, Err(PageError::Unavailable)), "{refused:?}");
    assert_eq!(failures(&h, &account_key("ada@example.com", ADDRESS)).await, 4, "the count stands");
    let fifth = h.service.login(login_form(&page, "ada@example.com", "wrong"), Some(&cookie)).await.unwrap();
    assert!(matches!(
        fifth,
        LoginOutcome::Refused(LoginPage { failure: Some(LoginFailure::InvalidCredentials), .. })
    ));
    let locked =
        h.service.login(login_form(&page, "ada@example.com", PASSWORD), Some(&cookie)).await.unwrap();
    assert!(
        matches!(locked, LoginOutcome::Refused(LoginPage { failure: Some(LoginFailure::Throttled), .. })),
        "five real failures still lock: {locked:?}"
    );
}

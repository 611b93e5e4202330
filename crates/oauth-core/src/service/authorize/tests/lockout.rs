//! The brute-force guard seen from two places: failures from one address
//! lock the account there, never for its owner signing in from elsewhere.

use super::*;

const HERE: &str = ADDRESS;
const ELSEWHERE: &str = "198.51.100.20";

fn login_from(page: &LoginPage, password: &str, address: &str) -> LoginForm {
    LoginForm { address: address.to_owned(), ..login_form(page, "ada@example.com", password) }
}

fn refusal(outcome: &LoginOutcome) -> Option<LoginFailure> {
    match outcome {
        LoginOutcome::Refused(page) => page.failure,
        _ => None,
    }
}

#[tokio::test]
async fn failures_from_one_address_do_not_lock_the_owner_out_elsewhere() {
    let h = harness().await;
    let (page, cookie) = login_page(&h, request(&[])).await;
    for _ in 0..5 {
        let outcome = h.service.login(login_from(&page, "wrong", HERE), Some(&cookie)).await.unwrap();
        assert_eq!(refusal(&outcome), Some(LoginFailure::InvalidCredentials));
    }
    let locked = h.service.login(login_from(&page, PASSWORD, HERE), Some(&cookie)).await.unwrap();
    assert_eq!(refusal(&locked), Some(LoginFailure::Throttled), "locked where the guesses came from");

    let (page, cookie) = login_page(&h, request(&[])).await;
    let owner = h.service.login(login_from(&page, PASSWORD, ELSEWHERE), Some(&cookie)).await.unwrap();
    assert!(matches!(owner, LoginOutcome::SignedIn { .. }), "the owner elsewhere signs in: {owner:?}");

    let (page, cookie) = login_page(&h, request(&[])).await;
    let still = h.service.login(login_from(&page, PASSWORD, HERE), Some(&cookie)).await.unwrap();
    assert_eq!(
        refusal(&still),
        Some(LoginFailure::Throttled),
        "the owner's success elsewhere lifts nothing here"
    );
    h.clock.advance(Duration::minutes(15));
    let (page, cookie) = login_page(&h, request(&[])).await;
    let later = h.service.login(login_from(&page, PASSWORD, HERE), Some(&cookie)).await.unwrap();
    assert!(matches!(later, LoginOutcome::SignedIn { .. }), "the lockout passed: {later:?}");
}

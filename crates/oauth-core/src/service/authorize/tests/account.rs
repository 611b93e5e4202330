//! The account page's rules where only a controlled clock and hasher show
//! them: a sign-in racing a password change, a sign-out in the second after
//! one, and forms without a session.

use super::*;
use crate::password::Password;
use crate::service::authorize::{AccountForm, AccountView, Answer, PasswordChange};

fn form(csrf: &str) -> AccountForm {
    AccountForm { csrf: csrf.to_owned(), address: ADDRESS.to_owned() }
}

fn csrf_of(view: &AccountView) -> String {
    match view {
        AccountView::Page(page) => page.csrf.clone(),
        AccountView::SignIn(form) => form.csrf.clone(),
        AccountView::StartOver => panic!("no form"),
    }
}

/// A browser signed in at `/account` with `password`: its cookie.
async fn signed_in(h: &Harness, password: &str) -> String {
    let first = h.service.account_page(None, ADDRESS).await.unwrap();
    let cookie = first.new_session.unwrap().expose().to_owned();
    let login = h
        .service
        .account_login(Some(&cookie), &form(&csrf_of(&first.outcome)), "ada@example.com", &password.into())
        .await
        .unwrap();
    assert!(matches!(login.outcome, AccountView::Page(_)), "{:?}", login.outcome);
    login.new_session.unwrap().expose().to_owned()
}

async fn view(h: &Harness, cookie: &str) -> AccountView {
    h.service.account_page(Some(cookie), ADDRESS).await.unwrap().outcome
}

/// A hasher whose check of the right password lasts past a password change
/// and into the next second: the change happens while it runs.
struct ChangedWhileChecking {
    store: Arc<InMemoryStore>,
    clock: Arc<ManualClock>,
    user: User,
}

#[async_trait::async_trait]
impl PasswordHasher for ChangedWhileChecking {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, crate::ports::HashError> {
        PlainTextHasher.hash(password).await
    }

    async fn verify(
        &self,
        candidate: &SecretString,
        hash: &PasswordHash,
    ) -> Result<bool, crate::ports::HashError> {
        let matches = PlainTextHasher.verify(candidate, hash).await?;
        let now = self.clock.now();
        UserRepository::set_password_hash(self.store.as_ref(), self.user.id, &plain("the new one"), now)
            .await
            .unwrap();
        UserRepository::sign_out_everywhere(self.store.as_ref(), self.user.id, now).await.unwrap();
        self.clock.advance(Duration::seconds(1));
        Ok(matches)
    }
}

#[tokio::test]
async fn a_sign_in_checked_while_the_password_changed_is_not_signed_in() {
    let h = harness().await;
    let racing =
        ChangedWhileChecking { store: h.store.clone(), clock: h.clock.clone(), user: h.user.clone() };
    let ports =
        AuthorizePorts::over(&h.store, Arc::new(racing), h.clock.clone(), Arc::new(SeqRandom::new(9)));
    let service = AuthorizeService::new(ports, Arc::default(), SignInPolicy::default(), plain("dummy"));
    let raced = Harness { service, ..h };
    let cookie = signed_in(&raced, PASSWORD).await;
    assert!(
        matches!(view(&raced, &cookie).await, AccountView::SignIn(_)),
        "the login is dated before the check, so the change's sign-out ends it"
    );
}

#[tokio::test]
async fn a_sign_out_in_the_second_after_a_password_change_ends_its_new_session() {
    let h = harness().await;
    let cookie = signed_in(&h, PASSWORD).await;
    let change = PasswordChange {
        current: PASSWORD.into(),
        new: "a brand new passphrase".into(),
        confirmation: "a brand new passphrase".into(),
    };
    let csrf = csrf_of(&view(&h, &cookie).await);
    let changed = h.service.change_password(Some(&cookie), &form(&csrf), change).await.unwrap();
    let Answer { outcome: AccountView::Page(_), new_session: Some(renewed) } = changed else {
        panic!("the page, in a new session")
    };
    let renewed = renewed.expose().to_owned();
    assert!(matches!(view(&h, &renewed).await, AccountView::Page(_)), "this browser stays signed in");
    assert!(matches!(view(&h, &cookie).await, AccountView::SignIn(_) | AccountView::StartOver));

    // An operator signs the user out in the same second: the new login,
    // dated the second after the change's stamp, ends too, and with it
    // every token minted from it (they carry its `auth_time`).
    let digest = crate::session::SessionDigest::of(&renewed);
    let login = SessionRepository::find(h.store.as_ref(), &digest).await.unwrap().unwrap().login.unwrap();
    assert!(login.auth_time > h.clock.now(), "dated the second after the stamp");
    UserRepository::sign_out_everywhere(h.store.as_ref(), h.user.id, h.clock.now()).await.unwrap();
    let user = UserRepository::find_by_id(h.store.as_ref(), h.user.id).await.unwrap().unwrap();
    assert!(!user.login_is_current(login.auth_time), "a later sign-out ends the dated login");
    assert!(!user.login_at_is_current(login.auth_time.unix_timestamp()), "and its tokens");
}

#[tokio::test]
async fn forms_without_a_session_start_over_and_make_none() {
    let h = harness().await;
    let nothing = form("");
    for answer in [
        h.service.account_login(None, &nothing, "ada@example.com", &PASSWORD.into()).await.unwrap(),
        h.service.revoke_app(None, &nothing, "client1").await.unwrap(),
        h.service.end_other_sessions(None, &nothing).await.unwrap(),
    ] {
        assert_eq!(answer.outcome, AccountView::StartOver);
        assert!(answer.new_session.is_none());
    }
}

#[tokio::test]
async fn a_disabled_users_session_gets_the_sign_in_form_and_changes_nothing() {
    let h = harness().await;
    let cookie = signed_in(&h, PASSWORD).await;
    let csrf = csrf_of(&view(&h, &cookie).await);
    UserRepository::set_disabled(h.store.as_ref(), h.user.id, true, h.clock.now()).await.unwrap();
    let answer = h.service.end_other_sessions(Some(&cookie), &form(&csrf)).await.unwrap();
    assert!(matches!(answer.outcome, AccountView::SignIn(_)), "{:?}", answer.outcome);
    assert!(answer.new_session.is_none(), "the browser keeps its cookie");
}

//! `POST /account/password`: the user changes their own password. The
//! current one is checked behind the sign-in's brute-force guard (a stolen
//! session must not become a stolen account, nor a place to guess it); the
//! new one follows the command line's rules. Then every session and refresh
//! family of the user ends (ASVS 3.3.3), except that this browser is signed
//! in again at once.

use secrecy::SecretString;
use time::OffsetDateTime;

use super::account::{AccountForm, AccountNotice, AccountView, PasswordFailure, SignedIn};
use super::login::Credentials;
use super::{Answer, AuthorizeService, PageError};
use crate::password::Password;
use crate::service::audit::Audit;
use crate::service::users::{Accounts, UserError};
use crate::session::{Login, Session, SessionId, SessionSecret, csrf_token};
use crate::user::User;

/// What the password form posted.
#[derive(Debug)]
pub struct PasswordChange {
    /// The password now.
    pub current: SecretString,
    /// The password wanted.
    pub new: SecretString,
    /// The password wanted, typed again.
    pub confirmation: SecretString,
}

impl AuthorizeService {
    /// Changes the signed-in user's password; refusals leave everything as it was.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(
        &self,
        cookie: Option<&str>,
        form: &AccountForm,
        change: PasswordChange,
    ) -> Result<Answer<AccountView>, PageError> {
        use secrecy::ExposeSecret as _;
        let signed_in = match self.signed_in_for_form(cookie, form).await? {
            Ok(signed_in) => signed_in,
            Err(not_signed_in) => return Ok(not_signed_in),
        };
        let refused = |failure| AccountNotice::PasswordRefused(failure);
        // The cheap checks first: no hash is spent on a form that cannot succeed.
        if change.new.expose_secret() != change.confirmation.expose_secret() {
            return self.page_with(&signed_in, refused(PasswordFailure::Mismatch)).await;
        }
        let password = match Password::new(change.new) {
            Ok(password) => password,
            Err(rules) => {
                return self.page_with(&signed_in, refused(PasswordFailure::Rules(rules.to_string()))).await;
            }
        };
        let email = signed_in.user.email.as_str().to_owned();
        match self.check_credentials(&email, &change.current, &form.address).await? {
            Credentials::Accepted(user) if user.id == signed_in.user.id => {}
            Credentials::Accepted(_) => return Err(PageError::Forbidden),
            Credentials::Refused(failure) => {
                return self.page_with(&signed_in, refused(PasswordFailure::Current(failure))).await;
            }
        }
        let audit = Audit::new(self.ports.events.clone(), self.ports.clock.clone());
        let accounts =
            Accounts { users: self.ports.users.as_ref(), hasher: self.ports.hasher.as_ref(), audit: &audit };
        let ended = accounts.replace_password(&signed_in.user, &password).await.map_err(user_error)?;
        tracing::info!(
            event = "password_changed",
            user_id = %signed_in.user.id,
            sessions = ended.sessions,
            families = ended.families,
            "the user changed their password"
        );
        // Every session went, this one too: this browser gets a new one,
        // signed in after the sign-out's stamp.
        let user = self.ports.users.find_by_id(signed_in.user.id).await?.ok_or(PageError::Forbidden)?;
        let (session, secret) = self.signed_in_again(&user).await?;
        let login = session.login.unwrap_or(signed_in.login);
        let renewed = SignedIn { session, login, user, csrf: csrf_token(secret.expose()) };
        let page = self.page_of(&renewed, Some(AccountNotice::PasswordChanged)).await?;
        Ok(Answer { outcome: AccountView::Page(page), new_session: Some(secret) })
    }

    async fn page_with(
        &self,
        signed_in: &SignedIn,
        notice: AccountNotice,
    ) -> Result<Answer<AccountView>, PageError> {
        Ok(Answer::keep_session(AccountView::Page(self.page_of(signed_in, Some(notice)).await?)))
    }

    /// A new session for this browser, whose login counts after the
    /// sign-out: sign-outs are stamped in whole seconds and a login in the
    /// stamp's second counts as before it (`User::login_is_current`), so the
    /// login is dated the second after the stamp (a later sign-out in that
    /// second moves the stamp past it: `user::next_sign_out_stamp`).
    async fn signed_in_again(&self, user: &User) -> Result<(Session, SessionSecret), PageError> {
        let now = self.now();
        let auth_time = first_second_after(user.signed_out_at.map_or(now, |stamp| stamp.max(now)));
        let secret = SessionSecret::generate(self.ports.random.as_ref())?;
        let session = Session {
            id: SessionId::generate(self.ports.random.as_ref())?,
            digest: secret.digest(),
            login: Some(Login { user_id: user.id, auth_time }),
            created_at: now,
            expires_at: now + self.policy.sessions.authenticated,
        };
        self.ports.sessions.insert(&session).await?;
        Ok((session, secret))
    }
}

/// The start of the whole second after `now`.
fn first_second_after(now: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(now.unix_timestamp().saturating_add(1)).unwrap_or(now)
}

/// The password change's failures past its checks are the server's.
fn user_error(error: UserError) -> PageError {
    match error {
        UserError::Storage(repo) => repo.into(),
        UserError::Hashing(hash) => hash.into(),
        UserError::Random(random) => random.into(),
        other => PageError::BadRequest(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::first_second_after;

    #[test]
    fn the_login_after_a_password_change_falls_in_the_next_second() {
        assert_eq!(
            first_second_after(datetime!(2026-01-01 00:00:00.999 UTC)),
            datetime!(2026-01-01 00:00:01 UTC)
        );
        assert_eq!(
            first_second_after(datetime!(2026-01-01 00:00:00 UTC)),
            datetime!(2026-01-01 00:00:01 UTC)
        );
    }
}

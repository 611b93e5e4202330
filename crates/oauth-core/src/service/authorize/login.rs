//! `/login`: password sign-in for a pending authorization, behind the
//! brute-force guard, with one answer for every bad credential.

use secrecy::SecretString;

use super::live_session;
use super::{
    AuthorizationResponse, AuthorizeService, ConsentStep, Interaction, LoginFailure, LoginForm, LoginOutcome,
    LoginPage, Next, PageError,
};
use crate::pending::PendingDigest;
use crate::security_event::{EventKind, SecurityEvent};
use crate::session::{Login, SessionSecret, csrf_token};
use crate::throttle::{ThrottleKey, ThrottlePolicy, account_key, ip_key};
use crate::user::{Email, User};

impl AuthorizeService {
    /// The login page of a pending authorization (a reload, or a link back).
    #[tracing::instrument(skip_all)]
    pub async fn login_page(
        &self,
        cookie: Option<&str>,
        pending: &str,
        client_id: &str,
    ) -> Result<LoginPage, PageError> {
        let now = self.now();
        let Some((session, secret)) = live_session(self.ports.sessions.as_ref(), cookie, now).await? else {
            return Err(self.start_again(client_id).await);
        };
        let parked = self.pending_for(&session, pending, client_id, now).await?;
        let Ok(request) = self.resume(&parked).await? else {
            return Err(self.start_again(client_id).await);
        };
        Ok(LoginPage {
            interaction: Interaction::for_request(pending.to_owned(), &request, csrf_token(secret)),
            username: request.login_hint.clone(),
            failure: None,
        })
    }

    /// A login attempt. Checks, in order: the session and its CSRF token, the
    /// pending authorization, the brute-force guard, then the password.
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, form: LoginForm, cookie: Option<&str>) -> Result<LoginOutcome, PageError> {
        let now = self.now();
        let session = self.session_for_form(cookie, &form.csrf, &form.client_id, now).await?;
        let parked = self.pending_for(&session, &form.pending, &form.client_id, now).await?;
        let request = match self.resume(&parked).await? {
            Ok(request) => request,
            Err(error) => {
                self.ports.sessions.take_pending(&parked.digest, session.id).await?;
                return Ok(LoginOutcome::Answered(AuthorizationResponse::Error(error)));
            }
        };
        let refused = |failure| {
            LoginOutcome::Refused(LoginPage {
                interaction: Interaction::for_request(form.pending.clone(), &request, form.csrf.clone()),
                username: Some(form.username.clone()),
                failure: Some(failure),
            })
        };
        let (secret, user, login) = match self
            .sign_in(&session, &form.username, &form.password, &form.address, &form.client_id)
            .await?
        {
            SignIn::Done { secret, user, login } => (secret, user, login),
            SignIn::Refused(failure) => return Ok(refused(failure)),
        };
        let next = match self.consent_step(&request, &user).await? {
            ConsentStep::Ask(_) => Next::Consent { pending: form.pending, client_id: parked.client_id },
            ConsentStep::Issue => {
                // Taken, so that a second submission of the form cannot yield a second code.
                if self
                    .ports
                    .sessions
                    .take_pending(&PendingDigest::of(&form.pending), session.id)
                    .await?
                    .is_none()
                {
                    return Err(self.start_again(&form.client_id).await);
                }
                Next::Redirect(self.issue_code(&request, login, now).await?)
            }
        };
        Ok(LoginOutcome::SignedIn { session: secret, next })
    }

    /// Signs `session` in as the user these credentials name, behind the
    /// brute-force guard: the account (from this address) and the address
    /// are counted, and one answer serves every bad credential. On success
    /// the session gets a new secret (ASVS 3.3.1). `client_id` names the
    /// client a "start again" page links back to.
    pub(super) async fn sign_in(
        &self,
        session: &crate::session::Session,
        username: &str,
        password: &SecretString,
        address: &str,
        client_id: &str,
    ) -> Result<SignIn, PageError> {
        // SECURITY: the login is dated before the user's hash is read, never
        // after the slow check: a sign-out stamped while the check ran (a
        // password change) must end this login too (`User::login_is_current`).
        let now = self.now();
        let user = match self.check_credentials(username, password, address).await? {
            Credentials::Accepted(user) => user,
            Credentials::Refused(failure) => return Ok(SignIn::Refused(failure)),
        };
        // SECURITY: a new secret at every login (ASVS 3.3.1): a cookie planted
        // before the login (session fixation) no longer finds the session.
        let secret = SessionSecret::generate(self.ports.random.as_ref())?;
        let login = Login { user_id: user.id, auth_time: now };
        let expires_at = now + self.policy.sessions.authenticated;
        match self.ports.sessions.renew(session.id, &secret.digest(), &login, expires_at).await {
            Ok(()) => {}
            // The session ended meanwhile (a logout in another tab): start again.
            Err(crate::error::RepoError::NotFound) => return Err(self.start_again(client_id).await),
            Err(other) => return Err(other.into()),
        }
        let source = address.parse().ok();
        self.record(SecurityEvent::new(EventKind::LoginSucceeded, now).user(user.id).address(source));
        Ok(SignIn::Done { secret, user: Box::new(user), login })
    }

    /// Checks a username and password behind the brute-force guard: the
    /// account (from this address) and the address are counted, and one
    /// answer serves every bad credential. Used by every sign-in and by the
    /// account page's password change, so guessing costs the same there.
    pub(super) async fn check_credentials(
        &self,
        username: &str,
        password: &SecretString,
        address: &str,
    ) -> Result<Credentials, PageError> {
        let now = self.now();
        let policy = self.policy.throttle;
        // SECURITY: the account is locked only for the address its failures
        // came from, so guesses from elsewhere cannot lock its owner out;
        // guessing from many addresses is bounded per address (`ip_limit`)
        // and by the cost of each password verification.
        let source = address.parse().ok();
        let account = account_key(username, address);
        let address = ip_key(address);
        let counters = [(account.clone(), policy.account_limit), (address.clone(), policy.ip_limit)];
        // Reads first: attempts against a locked key are refused without being
        // counted, so hammering cannot extend a lockout for ever.
        let Some(seen) = self.unthrottled(&counters).await? else {
            tracing::warn!(event = "login_throttled", "login refused: too many failures");
            return Ok(Credentials::Refused(LoginFailure::Throttled));
        };
        // SECURITY: the account (from this address) is charged before the slow
        // verification, so parallel guesses cannot all pass the read above; a
        // charge that shows another attempt in flight is refused; a success
        // clears the charge.
        let charged = self.ports.attempts.record_failure(&account, now, ThrottlePolicy::MEMORY).await?;
        if charged.failures > seen + 1 {
            tracing::warn!(
                event = "login_throttled",
                "login refused: another attempt on this account is in flight"
            );
            // This refusal's charge is kept; when it reached the limit, it
            // locked the account.
            if charged.failures >= policy.account_limit {
                self.record(SecurityEvent::new(EventKind::LoginLocked, now).address(source));
            }
            return Ok(Credentials::Refused(LoginFailure::Throttled));
        }
        let checked = match self.check_password(username, password).await {
            Ok(checked) => checked,
            Err(error) => {
                // SECURITY: a hasher that refused (overloaded) judged no
                // password, so exactly this attempt's charge is taken back:
                // its owner retrying through a 503 is not locked out. Never
                // `clear`: that would let a guesser who provokes overloads
                // wipe their own count.
                if let Err(forgive) = self.ports.attempts.forgive_one(&account).await {
                    // The first error is the answer; this one only costs a count.
                    tracing::warn!(event = "login_charge_kept", error = %forgive, "could not take back a charge");
                }
                return Err(error);
            }
        };
        let user = match checked {
            PasswordCheck::Accepted(user) => user,
            PasswordCheck::Refused { account } => {
                let from_address =
                    self.ports.attempts.record_failure(&address, now, ThrottlePolicy::MEMORY).await?;
                let mut failed = SecurityEvent::new(EventKind::LoginFailed, now).address(source);
                failed.user = account;
                self.record(failed);
                // SECURITY: the lock is recorded by the failure that reaches
                // a limit; the refusals after it are refused before they are
                // counted and only logged, so a locked-out guesser cannot add
                // a stored row per request. `>=`: failures sent together may
                // read a count past the limit, and a lock after an earlier
                // one expired starts above it.
                if charged.failures >= policy.account_limit || from_address.failures >= policy.ip_limit {
                    let mut locked = SecurityEvent::new(EventKind::LoginLocked, now).address(source);
                    locked.user = account;
                    self.record(locked);
                }
                return Ok(Credentials::Refused(LoginFailure::InvalidCredentials));
            }
        };
        self.ports.attempts.clear(&account).await?;
        Ok(Credentials::Accepted(user))
    }

    /// `None` when a counter is locked; else the current count of the first,
    /// the account's from this address (0 when it has none, or its failures
    /// are forgotten).
    async fn unthrottled(&self, counters: &[(ThrottleKey, u32)]) -> Result<Option<u32>, PageError> {
        let now = self.now();
        let mut account_failures = 0;
        for (index, (key, limit)) in counters.iter().enumerate() {
            let Some(count) = self.ports.attempts.failures(key).await? else { continue };
            if self.policy.throttle.locked_until(count, *limit, now).is_some() {
                return Ok(None);
            }
            if index == 0 && now - count.last_failure_at <= ThrottlePolicy::MEMORY {
                account_failures = count.failures;
            }
        }
        Ok(Some(account_failures))
    }

    /// The user these credentials sign in, if any. Unknown users, wrong
    /// passwords and disabled users are the same `None`, at the same cost.
    async fn check_password(
        &self,
        username: &str,
        password: &SecretString,
    ) -> Result<PasswordCheck, PageError> {
        let user = match Email::parse(username) {
            Ok(email) => self.ports.users.find_by_email(&email).await?,
            Err(_) => None,
        };
        // SECURITY: verify against a dummy hash when the user is unknown, so the
        // response time does not tell which accounts exist.
        let hash = user.as_ref().map_or(&self.dummy_hash, |u| &u.password_hash);
        let matches = self.ports.hasher.verify(password, hash).await?;
        Ok(match user {
            Some(user) if matches && !user.disabled => PasswordCheck::Accepted(user),
            other => PasswordCheck::Refused { account: other.map(|user| user.id) },
        })
    }
}

/// What a password check found. The page answers both refusals alike; the
/// security event names the account when there is one, so an operator sees
/// which account is being guessed (never what was typed).
enum PasswordCheck {
    Accepted(User),
    Refused { account: Option<crate::user::UserId> },
}

/// What a credential check found.
pub(super) enum Credentials {
    /// The password is the user's, and the guard let the attempt through.
    Accepted(User),
    /// Refused, with one message for every bad credential.
    Refused(LoginFailure),
}

/// What a sign-in attempt did.
pub(super) enum SignIn {
    /// Signed in: the session's new secret, the user and the login.
    Done {
        /// The session's new cookie value.
        secret: SessionSecret,
        /// Who signed in.
        user: Box<User>,
        /// The login recorded in the session.
        login: Login,
    },
    /// Refused, with one message for every bad credential.
    Refused(LoginFailure),
}

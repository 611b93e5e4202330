//! `/account`: the signed-in user's own page (OWASP ASVS 5.0 V10 asks that
//! users can see and revoke what they granted): the apps holding access,
//! each with a "revoke"; the signed-in sessions, with "sign out everywhere
//! else"; and a password change (`account_password.rs`). Every form is
//! CSRF-checked against the session; a browser without a signed-in session
//! gets a sign-in form behind the same brute-force guard as `/login`
//! (docs/SECURITY.md § Account page).

use secrecy::SecretString;
use time::OffsetDateTime;

use super::login::SignIn;
use super::{Answer, AuthorizeService, LoginFailure, PageError, ScopeLine, live_session};
use crate::client::ClientId;
use crate::error::RepoError;
use crate::granted_app::{GrantedApp, MAX_LISTED_APPS, MAX_LISTED_SESSIONS, RevokedApp};
use crate::metadata_document::host_of;
use crate::security_event::{EventKind, RevocationReason, SecurityEvent};
use crate::session::{Login, Session, csrf_matches, csrf_token};
use crate::user::User;

/// One app on the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppLine {
    /// The client's id, which the revoke form carries.
    pub client_id: String,
    /// Its registered name.
    pub client_name: String,
    /// For a metadata document's client, the host that describes it: its
    /// name is its own choice, the host is not.
    pub document_host: Option<String>,
    /// The scopes the user consented to, in plain words.
    pub scopes: Vec<ScopeLine>,
    /// The APIs (RFC 8707 resources) it may call for the user.
    pub apis: Vec<String>,
    /// When the consent last changed.
    pub granted_at: Option<OffsetDateTime>,
    /// When it last got tokens for the user.
    pub last_used_at: Option<OffsetDateTime>,
}

/// One signed-in session on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLine {
    /// When the user signed in there.
    pub signed_in_at: OffsetDateTime,
    /// When it ends unless the user signs in again.
    pub expires_at: OffsetDateTime,
    /// This browser's session.
    pub current: bool,
}

/// What the last form did, said at the top of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountNotice {
    /// The app's access was revoked.
    AppRevoked {
        /// Its name.
        client_name: String,
    },
    /// Every other session ended.
    OthersSignedOut {
        /// How many.
        sessions: u64,
    },
    /// The password changed; every other session ended.
    PasswordChanged,
    /// The password did not change.
    PasswordRefused(PasswordFailure),
}

/// Why a password change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordFailure {
    /// The current password is wrong (or the guard refused the attempt).
    Current(LoginFailure),
    /// The new password and its confirmation differ.
    Mismatch,
    /// The new password breaks the password rules.
    Rules(String),
}

/// The signed-in user's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountPage {
    /// The CSRF token every form carries.
    pub csrf: String,
    /// Who is signed in.
    pub email: String,
    /// Their display name.
    pub display_name: String,
    /// The apps holding access, by client id.
    pub apps: Vec<AppLine>,
    /// The live sessions, newest sign-in first.
    pub sessions: Vec<SessionLine>,
    /// What the last form did.
    pub notice: Option<AccountNotice>,
}

/// The sign-in form of a browser without a signed-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountLoginPage {
    /// The CSRF token of the form.
    pub csrf: String,
    /// What was typed last time.
    pub username: Option<String>,
    /// Why the last attempt was refused.
    pub failure: Option<LoginFailure>,
}

/// What `/account` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountView {
    /// The user's page.
    Page(AccountPage),
    /// Sign in first.
    SignIn(AccountLoginPage),
    /// A form came without a live session: go to `GET /account`.
    /// SECURITY: no session is made for it, so a form posted from another
    /// site (which arrives without our `SameSite=Lax` cookie) cannot replace
    /// the browser's cookie; the GET, a top-level navigation, carries it.
    StartOver,
}

/// What every account form carries besides its own fields.
#[derive(Debug, Clone)]
pub struct AccountForm {
    /// The session's CSRF token.
    pub csrf: String,
    /// The browser's address, for the brute-force guard.
    pub address: String,
}

/// A signed-in session whose form passed its CSRF check.
pub(super) struct SignedIn {
    pub(super) session: Session,
    pub(super) login: Login,
    pub(super) user: User,
    pub(super) csrf: String,
}

impl AuthorizeService {
    /// `GET /account`: the page, or the sign-in form (a session is made for
    /// its CSRF token when there is none, charged to the address as at the
    /// authorization endpoint).
    #[tracing::instrument(skip_all)]
    pub async fn account_page(
        &self,
        cookie: Option<&str>,
        address: &str,
    ) -> Result<Answer<AccountView>, PageError> {
        let now = self.now();
        if let Some((session, secret)) = live_session(self.ports.sessions.as_ref(), cookie, now).await? {
            let csrf = csrf_token(secret);
            if let Some((login, user)) = self.session_user(&session).await? {
                let signed_in = SignedIn { session, login, user, csrf };
                return Ok(Answer::keep_session(AccountView::Page(self.page_of(&signed_in, None).await?)));
            }
            return Ok(Answer::keep_session(sign_in_form(csrf, None, None)));
        }
        self.admit(address, now).await?;
        let (_, secret) = self.new_session(now).await?;
        let form = sign_in_form(csrf_token(secret.expose()), None, None);
        Ok(Answer { outcome: form, new_session: Some(secret) })
    }

    /// `POST /account/login`: sign in to see the page.
    #[tracing::instrument(skip_all)]
    pub async fn account_login(
        &self,
        cookie: Option<&str>,
        form: &AccountForm,
        username: &str,
        password: &SecretString,
    ) -> Result<Answer<AccountView>, PageError> {
        let Some(session) = self.account_session(cookie, &form.csrf).await? else {
            return Ok(Answer::keep_session(AccountView::StartOver));
        };
        match self.sign_in(&session, username, password, &form.address, "").await? {
            SignIn::Refused(failure) => {
                Ok(Answer::keep_session(sign_in_form(form.csrf.clone(), Some(username), Some(failure))))
            }
            SignIn::Done { secret, user, login } => {
                let session = Session { login: Some(login), ..session };
                let signed_in = SignedIn { session, login, user: *user, csrf: csrf_token(secret.expose()) };
                let page = self.page_of(&signed_in, None).await?;
                Ok(Answer { outcome: AccountView::Page(page), new_session: Some(secret) })
            }
        }
    }

    /// `POST /account/apps/revoke`: takes back everything the user let the
    /// app do: the consent, the codes not yet exchanged, a device approval,
    /// the refresh families, and (by the revocation time, checked at
    /// introspection and userinfo) the access tokens issued so far.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_app(
        &self,
        cookie: Option<&str>,
        form: &AccountForm,
        client_id: &str,
    ) -> Result<Answer<AccountView>, PageError> {
        let signed_in = match self.signed_in_for_form(cookie, form).await? {
            Ok(signed_in) => signed_in,
            Err(not_signed_in) => return Ok(not_signed_in),
        };
        let id = ClientId::parse(client_id).map_err(|_| PageError::BadRequest("no such app".into()))?;
        // Only a stored client can hold anything; an id that names none is
        // answered with the page as it is.
        let Some(client) = self.ports.clients.find_stored(&id).await? else {
            return Ok(Answer::keep_session(AccountView::Page(self.page_of(&signed_in, None).await?)));
        };
        let now = self.now();
        let user = signed_in.user.id;
        // The revocation time is recorded whatever the app held: a token
        // without a family leaves no other trace to revoke.
        let revoked = match self.ports.apps.revoke_app(user, &client.id, now).await {
            Ok(revoked) => revoked,
            // The client was deleted meanwhile, and everything it held with it.
            Err(RepoError::NotFound) => RevokedApp::default(),
            Err(other) => return Err(other.into()),
        };
        // An app that held nothing of the user's is neither recorded nor
        // named: the page says nothing about clients the user never let in.
        if !revoked.consent && revoked.families == 0 {
            return Ok(Answer::keep_session(AccountView::Page(self.page_of(&signed_in, None).await?)));
        }
        tracing::info!(
            event = "app_revoked",
            user_id = %user,
            client_id = %client.id,
            families = revoked.families,
            "the user revoked an app"
        );
        self.record(SecurityEvent::new(EventKind::ConsentRevoked, now).user(user).client(&client.id));
        if revoked.families > 0 {
            let event =
                SecurityEvent::new(EventKind::RefreshFamilyRevoked, now).user(user).client(&client.id);
            self.record(event.revoked(RevocationReason::UserRevoked, revoked.families));
        }
        let notice = AccountNotice::AppRevoked { client_name: client.metadata.name.clone() };
        Ok(Answer::keep_session(AccountView::Page(self.page_of(&signed_in, Some(notice)).await?)))
    }

    /// `POST /account/sessions/end-others`: ends every session of the user
    /// but this browser's. Tokens the user's apps hold stay: each app is
    /// revoked on its own, and a password change ends them all.
    #[tracing::instrument(skip_all)]
    pub async fn end_other_sessions(
        &self,
        cookie: Option<&str>,
        form: &AccountForm,
    ) -> Result<Answer<AccountView>, PageError> {
        let signed_in = match self.signed_in_for_form(cookie, form).await? {
            Ok(signed_in) => signed_in,
            Err(not_signed_in) => return Ok(not_signed_in),
        };
        let user = signed_in.user.id;
        let sessions = self.ports.sessions.end_other_sessions(user, signed_in.session.id).await?;
        tracing::info!(event = "other_sessions_ended", user_id = %user, sessions, "the user signed out elsewhere");
        let notice = AccountNotice::OthersSignedOut { sessions };
        Ok(Answer::keep_session(AccountView::Page(self.page_of(&signed_in, Some(notice)).await?)))
    }

    /// The live session of an account form, its CSRF token checked: `None`
    /// without one (the cookie is gone or expired: the sign-in form again);
    /// a live one with a missing or foreign token is forbidden.
    pub(super) async fn account_session(
        &self,
        cookie: Option<&str>,
        csrf: &str,
    ) -> Result<Option<Session>, PageError> {
        let Some((session, secret)) = live_session(self.ports.sessions.as_ref(), cookie, self.now()).await?
        else {
            return Ok(None);
        };
        if !csrf_matches(secret, csrf) {
            tracing::warn!(event = "csrf_rejected", "account form refused: CSRF token missing or wrong");
            return Err(PageError::Forbidden);
        }
        Ok(Some(session))
    }

    /// The signed-in session and user of an account form; otherwise the
    /// answer due: "start over" without a live session, the sign-in form
    /// (in the same session) when it is not signed in any more (signed out
    /// everywhere, or the user disabled).
    pub(super) async fn signed_in_for_form(
        &self,
        cookie: Option<&str>,
        form: &AccountForm,
    ) -> Result<Result<SignedIn, Answer<AccountView>>, PageError> {
        let Some(session) = self.account_session(cookie, &form.csrf).await? else {
            return Ok(Err(Answer::keep_session(AccountView::StartOver)));
        };
        Ok(match self.session_user(&session).await? {
            Some((login, user)) => Ok(SignedIn { session, login, user, csrf: form.csrf.clone() }),
            None => Err(Answer::keep_session(sign_in_form(form.csrf.clone(), None, None))),
        })
    }

    /// The page of a signed-in user, as stored now.
    pub(super) async fn page_of(
        &self,
        signed_in: &SignedIn,
        notice: Option<AccountNotice>,
    ) -> Result<AccountPage, PageError> {
        let now = self.now();
        let user = &signed_in.user;
        let granted = self.ports.apps.granted_apps(user.id, now, MAX_LISTED_APPS).await?;
        let mut apps = Vec::with_capacity(granted.len());
        for app in granted {
            apps.push(self.app_line(app).await?);
        }
        let sessions = self
            .ports
            .sessions
            .signed_in_sessions(user.id, now, MAX_LISTED_SESSIONS)
            .await?
            .into_iter()
            .filter(|session| session.login.is_some_and(|login| user.login_is_current(login.auth_time)))
            .map(|session| SessionLine {
                signed_in_at: session.login.map_or(session.created_at, |login| login.auth_time),
                expires_at: session.expires_at,
                current: session.id == signed_in.session.id,
            })
            .collect();
        Ok(AccountPage {
            csrf: signed_in.csrf.clone(),
            email: user.email.as_str().to_owned(),
            display_name: user.display_name.as_str().to_owned(),
            apps,
            sessions,
            notice,
        })
    }

    async fn app_line(&self, app: GrantedApp) -> Result<AppLine, PageError> {
        let client = self.ports.clients.find_stored(&app.client_id).await?;
        let client_name = client.map_or_else(|| app.client_id.as_str().to_owned(), |c| c.metadata.name);
        let document_host =
            app.client_id.is_url().then(|| host_of(app.client_id.as_str()).unwrap_or_default());
        let scopes = app
            .scopes
            .iter()
            .map(|scope| ScopeLine {
                name: scope.clone(),
                description: self.catalog.describe(scope).unwrap_or(scope.as_str()).to_owned(),
                is_new: false,
            })
            .collect();
        Ok(AppLine {
            client_id: app.client_id.as_str().to_owned(),
            client_name,
            document_host,
            scopes,
            apis: app.resources.iter().map(|uri| uri.as_str().to_owned()).collect(),
            granted_at: app.granted_at,
            last_used_at: app.last_used_at,
        })
    }
}

fn sign_in_form(csrf: String, username: Option<&str>, failure: Option<LoginFailure>) -> AccountView {
    AccountView::SignIn(AccountLoginPage { csrf, username: username.map(str::to_owned), failure })
}

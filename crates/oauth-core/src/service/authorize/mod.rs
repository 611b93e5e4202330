//! The authorization code flow as a browser walks it (RFC 6749 §4.1, OIDC Core
//! §3.1.2): the request, the login, the consent and the answer to the client.
//! Every method returns an outcome for the HTTP adapter to render; none knows
//! HTTP. The rules each step applies are in docs/SECURITY.md § Authorization
//! endpoint.

mod account;
mod account_password;
mod begin;
mod consent;
mod device;
mod login;
mod outcome;
mod ports;
mod request;

use std::sync::Arc;

use time::OffsetDateTime;

use crate::authorization_request::Prompt;
use crate::authorization_request::{AuthorizationParams, AuthorizationRequest, AuthorizePolicy};
use crate::client::ClientId;
use crate::code::{AuthorizationCode, CodeLifetime, CodeValue};
use crate::consent::{ConsentNeed, consent_need};
use crate::error::RepoError;
use crate::password::PasswordHash;
use crate::pending::{
    PENDING_LIFETIME, PENDING_PER_SESSION, PendingAuthorization, PendingDigest, PendingHandle,
};
use crate::ports::SessionRepository;
use crate::scope::ScopeCatalog;
use crate::security_event::{EventDetails, EventKind, SecurityEvent};
use crate::session::{
    Login, Session, SessionDigest, SessionId, SessionLifetimes, SessionSecret, csrf_matches,
};
use crate::throttle::{AuthorizeQuota, ThrottlePolicy};
use crate::user::User;

pub use account::{
    AccountForm, AccountLoginPage, AccountNotice, AccountPage, AccountView, AppLine, PasswordFailure,
    SessionLine,
};
pub use account_password::PasswordChange;
pub use device::{
    CodeFailure, DEVICE_CODE_GUESSES_PER_ADDRESS, DEVICE_CODE_GUESSES_TOTAL, DeviceCodePage,
    DeviceConsentPage, DeviceForm, DeviceLoginPage, DeviceStep,
};
pub use outcome::{
    Answer, ApiLine, AuthorizationResponse, AuthorizeOutcome, ClientNotice, ConsentPage, Decision,
    Interaction, LoginFailure, LoginForm, LoginOutcome, LoginPage, Next, PageError, ScopeLine, StartAgain,
};
pub use ports::AuthorizePorts;

/// The rules of signing in at the authorization endpoint: request checks,
/// code and session lifetimes, the brute-force guard and the per-address
/// quota, validated by the caller (`auth-server`'s config).
#[derive(Debug, Clone, Copy, Default)]
pub struct SignInPolicy {
    /// How strict PKCE is.
    pub authorize: AuthorizePolicy,
    /// How long an authorization code lives.
    pub code_lifetime: CodeLifetime,
    /// How long anonymous and signed-in sessions live.
    pub sessions: SessionLifetimes,
    /// Failed logins allowed, and for how long they count.
    pub throttle: ThrottlePolicy,
    /// How many sign-in requests one address may leave in the store.
    pub quota: AuthorizeQuota,
    /// Only pushed requests are accepted (RFC 9126 §5,
    /// `require_pushed_authorization_requests`).
    pub require_pushed: bool,
}

/// The authorization endpoint (`begin`) and its login and consent pages, over its ports.
pub struct AuthorizeService {
    ports: AuthorizePorts,
    catalog: Arc<ScopeCatalog>,
    policy: SignInPolicy,
    /// SECURITY: verified against when the username is unknown, so an unknown
    /// user costs the same argon2 work as a wrong password (anti-enumeration).
    dummy_hash: PasswordHash,
}

impl std::fmt::Debug for AuthorizeService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorizeService").field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// What the consent rules decided for a signed-in user.
enum ConsentStep {
    Ask(ConsentNeed),
    Issue,
}

impl AuthorizeService {
    /// A service over `ports`. `dummy_hash` is a hash of a random password,
    /// made once at start-up with the same hasher (see the field).
    pub fn new(
        ports: AuthorizePorts,
        catalog: Arc<ScopeCatalog>,
        policy: SignInPolicy,
        dummy_hash: PasswordHash,
    ) -> Self {
        Self { ports, catalog, policy, dummy_hash }
    }

    /// Hands `event` to the security event sink.
    fn record(&self, event: crate::security_event::SecurityEvent) {
        self.ports.events.record(event);
    }

    fn now(&self) -> OffsetDateTime {
        self.ports.clock.now()
    }

    /// The live session whose cookie the browser presented.
    async fn live_session(
        &self,
        cookie: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Option<Session>, PageError> {
        Ok(live_session(self.ports.sessions.as_ref(), cookie, now).await?.map(|(session, _)| session))
    }

    /// The session a form was posted from, its CSRF token checked (ASVS 3.3.2).
    /// No live session (cookie gone or expired) is a "start again"; a live one
    /// with a missing or foreign token is forbidden.
    async fn session_for_form(
        &self,
        cookie: Option<&str>,
        csrf: &str,
        client_id: &str,
        now: OffsetDateTime,
    ) -> Result<Session, PageError> {
        let Some(session) = self.live_session(cookie, now).await? else {
            return Err(self.start_again(client_id).await);
        };
        // `live_session` found it by this cookie, so it is present.
        if !cookie.is_some_and(|secret| csrf_matches(secret, csrf)) {
            tracing::warn!(event = "csrf_rejected", "form refused: CSRF token missing or wrong");
            return Err(PageError::Forbidden);
        }
        Ok(session)
    }

    /// The pending authorization a form names, if it belongs to this session and is live.
    async fn pending_for(
        &self,
        session: &Session,
        handle: &str,
        client_id: &str,
        now: OffsetDateTime,
    ) -> Result<PendingAuthorization, PageError> {
        let pending = self.ports.sessions.find_pending(&PendingDigest::of(handle), session.id).await?;
        match pending {
            Some(pending) if pending.is_live_at(now) => Ok(pending),
            _ => Err(self.start_again(client_id).await),
        }
    }

    /// The "start again" page, linking back to the client when it is known.
    async fn start_again(&self, client_id: &str) -> PageError {
        let client = match ClientId::parse(client_id) {
            Ok(id) => self.ports.clients.find_accepted(&id, |c| !c.disabled).await.ok().flatten(),
            Err(_) => None,
        };
        PageError::StartAgain(StartAgain::for_client(client.as_ref()))
    }

    /// A fresh anonymous session: the browser's first visit, or its cookie is gone.
    async fn new_session(&self, now: OffsetDateTime) -> Result<(Session, SessionSecret), PageError> {
        let secret = SessionSecret::generate(self.ports.random.as_ref())?;
        let session = Session {
            id: SessionId::generate(self.ports.random.as_ref())?,
            digest: secret.digest(),
            login: None,
            created_at: now,
            expires_at: now + self.policy.sessions.anonymous,
        };
        self.ports.sessions.insert(&session).await?;
        Ok((session, secret))
    }

    /// Stores the request while the user logs in or consents.
    ///
    /// SECURITY: a request that brings a live session's cookie is not charged
    /// to its address (`begin`), so the session bounds it: its oldest pending
    /// requests go first, keeping the newest (the tab just opened) usable;
    /// an older tab's form then shows "start again".
    async fn park(
        &self,
        session: &Session,
        request: &AuthorizationRequest,
        params: AuthorizationParams,
        now: OffsetDateTime,
    ) -> Result<PendingHandle, PageError> {
        let handle = PendingHandle::generate(self.ports.random.as_ref())?;
        let pending = PendingAuthorization {
            digest: handle.digest(),
            session_id: session.id,
            client_id: request.target.client.id.clone(),
            params,
            created_at: now,
            expires_at: now + PENDING_LIFETIME,
        };
        self.ports.sessions.trim_pending(session.id, PENDING_PER_SESSION - 1).await?;
        match self.ports.sessions.insert_pending(&pending).await {
            Ok(()) => Ok(handle),
            // The session ended meanwhile (a logout in another tab).
            Err(RepoError::NotFound) => {
                Err(PageError::StartAgain(StartAgain::for_client(Some(&request.target.client))))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// The signed-in user, if they still exist, are enabled, and were not
    /// signed out everywhere since this login (then the login is asked for
    /// again, rather than issuing codes the token endpoint refuses).
    async fn active_user(&self, login: &Login) -> Result<Option<User>, PageError> {
        Ok(still_signed_in(self.ports.users.find_by_id(login.user_id).await?, login))
    }

    /// Whether `user` must be asked to consent (consent memory, `prompt=consent`, `skip_consent`).
    async fn consent_step(
        &self,
        request: &AuthorizationRequest,
        user: &User,
    ) -> Result<ConsentStep, PageError> {
        let granted = self.ports.consents.granted(user.id, &request.target.client.id).await?;
        let granted_resources = self.granted_resources(request, user).await?;
        Ok(consent_step_given(request, &granted, &granted_resources))
    }

    /// The resources `user` let the request's client use; read only when
    /// the request names some.
    async fn granted_resources(
        &self,
        request: &AuthorizationRequest,
        user: &User,
    ) -> Result<std::collections::BTreeSet<crate::resource::ResourceUri>, PageError> {
        if request.resources.is_empty() {
            return Ok(std::collections::BTreeSet::new());
        }
        Ok(self.ports.consents.granted_resources(user.id, &request.target.client.id).await?)
    }

    /// Issues the authorization code (RFC 6749 §4.1.2): 256 random bits, stored
    /// only as a digest, bound to everything the token request must match.
    async fn issue_code(
        &self,
        request: &AuthorizationRequest,
        login: Login,
        now: OffsetDateTime,
    ) -> Result<AuthorizationResponse, PageError> {
        let code = CodeValue::generate(self.ports.random.as_ref())?;
        let target = &request.target;
        let record = AuthorizationCode {
            resources: request.resources.clone(),
            digest: code.digest(),
            client_id: target.client.id.clone(),
            user_id: login.user_id,
            redirect_uri: target.redirect_uri.clone(),
            redirect_uri_sent: target.redirect_uri_sent,
            scopes: request.scopes.clone(),
            nonce: request.nonce.clone(),
            code_challenge: request.code_challenge.clone(),
            auth_time: login.auth_time,
            issued_at: now,
            expires_at: now + self.policy.code_lifetime.get(),
            dpop_jkt: request.dpop_jkt.clone(),
        };
        self.ports.codes.insert(&record).await?;
        self.record(
            SecurityEvent::new(EventKind::CodeIssued, now)
                .user(login.user_id)
                .client(&target.client.id)
                .details(EventDetails::granted(&request.scopes, &request.resources)),
        );
        Ok(AuthorizationResponse::Code {
            redirect_uri: target.redirect_uri.clone(),
            code,
            state: target.state.clone(),
        })
    }
}

/// The live session the browser's cookie finds, and the cookie value.
pub(crate) async fn live_session<'c>(
    sessions: &dyn SessionRepository,
    cookie: Option<&'c str>,
    now: OffsetDateTime,
) -> Result<Option<(Session, &'c str)>, PageError> {
    let Some(secret) = cookie else { return Ok(None) };
    let session = sessions.find(&SessionDigest::of(secret)).await?;
    Ok(session.filter(|s| s.is_live_at(now)).map(|session| (session, secret)))
}

/// `user` when it is the login's user, enabled, and not signed out
/// everywhere since the login.
fn still_signed_in(user: Option<User>, login: &Login) -> Option<User> {
    user.filter(|u| u.id == login.user_id && !u.disabled && u.login_is_current(login.auth_time))
}

/// Whether the user must be asked, given what they `granted` the client.
fn consent_step_given(
    request: &AuthorizationRequest,
    granted: &std::collections::BTreeSet<crate::scope::ScopeName>,
    granted_resources: &std::collections::BTreeSet<crate::resource::ResourceUri>,
) -> ConsentStep {
    // A self-asserted client is asked about every time (RFC 7591 §5; CIMD
    // §6.4): its document may have changed hands since the last approval.
    let vouched = request.target.client.origin.is_registered();
    let force = request.prompt.contains(&Prompt::Consent) || !vouched;
    let requested = (&request.scopes, &request.resources);
    let skip = request.target.client.metadata.skip_consent && vouched;
    match consent_need(requested, (granted, granted_resources), force, skip) {
        ConsentNeed::Satisfied => ConsentStep::Issue,
        ask @ ConsentNeed::Ask { .. } => ConsentStep::Ask(ask),
    }
}

/// Whether the session's login satisfies the parked request: `prompt=login`
/// needs a login made after the request began, `max_age` a login no older
/// than that (OIDC Core §3.1.2.1). Checked again at the consent step, so the
/// consent page cannot be reached around the login the request demands.
fn fresh_enough(
    login: &Login,
    request: &AuthorizationRequest,
    parked: &PendingAuthorization,
    now: OffsetDateTime,
) -> bool {
    if request.prompt.contains(&Prompt::Login) && login.auth_time < parked.created_at {
        return false;
    }
    request.max_age.is_none_or(|max_age| now - login.auth_time <= time::Duration::seconds(i64::from(max_age)))
}

#[cfg(test)]
pub(crate) mod tests;

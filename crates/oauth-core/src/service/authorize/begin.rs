//! `/oauth/authorize`: check the request, then sign in, ask, or answer.

use std::collections::BTreeSet;

use time::{Duration, OffsetDateTime};

use super::{
    Answer, AuthorizationResponse, AuthorizeOutcome, AuthorizeService, ConsentStep, Interaction, LoginPage,
    PageError,
};
use super::{consent_step_given, still_signed_in};
use crate::authorization_request::{AuthorizationParams, AuthorizationRequest, Prompt, RedirectError};
use crate::error::OAuthError;
use crate::ports::SessionView;
use crate::pushed_request::digest_of_presented;
use crate::session::{Login, Session, SessionDigest, csrf_token};
use crate::user::User;

impl AuthorizeService {
    /// Answers an authorization request (OIDC Core §3.1.2.1) for a browser
    /// presenting `cookie`, from `address`.
    ///
    /// `Err` is our own error page (an unverified client or redirect URI, the
    /// address's quota of new sessions spent, or a server failure); every
    /// later problem is a redirect to the client. A request refused either way
    /// writes nothing.
    #[tracing::instrument(skip_all)]
    pub async fn begin(
        &self,
        params: AuthorizationParams,
        cookie: Option<&str>,
        address: &str,
    ) -> Result<Answer<AuthorizeOutcome>, PageError> {
        let (params, was_pushed) = self.unpushed(params).await?;
        // A request about to be refused for not being pushed brings in no
        // new metadata-document client (no fetch, no row).
        let admitting = (was_pushed || !self.policy.require_pushed).then_some(address);
        let request = match self.checked_request(&params, admitting).await? {
            Ok(request) => request,
            Err(error) => return Ok(redirect(AuthorizationResponse::Error(error))),
        };
        let required = self.policy.require_pushed || request.target.client.metadata.require_pushed_requests;
        if required && !was_pushed {
            let error = OAuthError::InvalidRequest(
                "this server accepts only pushed authorization requests (RFC 9126 §5)".into(),
            );
            return Ok(refuse(&request, error));
        }
        let now = self.now();
        let view = self.live_view(cookie, &request, now).await?;
        let (session, user, granted) = match view {
            Some(SessionView { session, user, granted }) => (Some(session), user, granted),
            None => (None, None, BTreeSet::new()),
        };
        let signed_in = match session.as_ref().and_then(|s| s.login) {
            Some(login) if still_valid(&login, &request, now) => {
                // The view's user is the login's by its contract; checked
                // anyway, so that no adapter's join can sign in someone else.
                still_signed_in(user, &login).map(|user| (login, user))
            }
            _ => None,
        };
        let prompt_none = request.prompt.contains(&Prompt::None);
        let Some((login, user)) = signed_in else {
            if prompt_none {
                // OIDC Core §3.1.2.6: no page may be shown.
                return Ok(refuse(&request, OAuthError::LoginRequired("the user is not signed in".into())));
            }
            if session.is_none() {
                self.admit(address, now).await?;
            }
            return self.ask_to_sign_in(session, cookie, &request, params, now).await;
        };
        let granted_resources = self.granted_resources(&request, &user).await?;
        match consent_step_given(&request, &granted, &granted_resources) {
            ConsentStep::Issue => Ok(redirect(self.issue_code(&request, login, now).await?)),
            ConsentStep::Ask(_) if prompt_none => {
                Ok(refuse(&request, OAuthError::ConsentRequired("the user has not consented".into())))
            }
            ConsentStep::Ask(need) => {
                // A live login implies a live session and its cookie.
                let (Some(session), Some(secret)) = (session, cookie) else {
                    return Err(PageError::Server("signed in without a session".into()));
                };
                let handle = self.park(&session, &request, params, now).await?;
                let interaction =
                    Interaction::for_request(handle.expose().to_owned(), &request, csrf_token(secret));
                let page = self.consent_page_for(interaction, &request, &user, &need);
                Ok(Answer::keep_session(AuthorizeOutcome::Consent(page)))
            }
        }
    }

    /// Parks the request and shows the login page, creating a session for the
    /// form's CSRF token when the browser has none.
    async fn ask_to_sign_in(
        &self,
        session: Option<Session>,
        cookie: Option<&str>,
        request: &AuthorizationRequest,
        params: AuthorizationParams,
        now: OffsetDateTime,
    ) -> Result<Answer<AuthorizeOutcome>, PageError> {
        let (session, secret, new_session) = if let (Some(session), Some(secret)) = (session, cookie) {
            (session, secret.to_owned(), None)
        } else {
            let (session, secret) = self.new_session(now).await?;
            (session, secret.expose().to_owned(), Some(secret))
        };
        let handle = self.park(&session, request, params, now).await?;
        let page = LoginPage {
            interaction: Interaction::for_request(handle.expose().to_owned(), request, csrf_token(&secret)),
            username: request.login_hint.clone(),
            failure: None,
        };
        Ok(Answer { outcome: AuthorizeOutcome::Login(page), new_session })
    }
}

impl AuthorizeService {
    /// The pushed request a `request_uri` names (RFC 9126 §4), taken for
    /// good, in place of every other parameter sent; `true` when there was
    /// one. A `request_uri` that names no live request of this client
    /// leaves the parameters as sent, for the usual checks to answer
    /// (`invalid_request_uri` once the client and redirect URI are known).
    async fn unpushed(&self, params: AuthorizationParams) -> Result<(AuthorizationParams, bool), PageError> {
        let Some(presented) = params.request_uri().map_err(PageError::Untrusted)? else {
            return Ok((params, false));
        };
        let client_id = params.client_id().map_err(PageError::Untrusted)?;
        let (Some(pushed), Some(digest)) = (&self.ports.pushed, digest_of_presented(presented)) else {
            return Ok((params, false));
        };
        match pushed.take(&digest, &client_id, self.now()).await? {
            Some(request) => Ok((request.params, true)),
            None => Ok((params, false)),
        }
    }

    /// The browser's live session, with its user and their consent to the
    /// request's client: one read of the store.
    async fn live_view(
        &self,
        cookie: Option<&str>,
        request: &AuthorizationRequest,
        now: OffsetDateTime,
    ) -> Result<Option<SessionView>, PageError> {
        let Some(secret) = cookie else { return Ok(None) };
        let digest = SessionDigest::of(secret);
        let view = self.ports.views.find_view(&digest, &request.target.client.id).await?;
        Ok(view.filter(|view| view.session.is_live_at(now)))
    }

    /// Charges `address` one new session against its quota
    /// (`SignInPolicy::quota`), before anything is stored for it.
    ///
    /// SECURITY: each request without a live session stores a session and a
    /// pending request, which live for minutes; without a bound per address,
    /// anyone could grow the database faster than the janitor empties it.
    /// Past the quota the answer is 429 and nothing is written; the counter
    /// is one row per address, shared by every instance. Only these requests
    /// are charged: any web page can make a visitor's browser send them
    /// (cross-site requests carry no `SameSite=Lax` cookie), so a charge for
    /// requests with a live session would let that page lock the address's
    /// signed-in users out of their consent pages. Those are bounded per
    /// session instead (`park`).
    pub(super) async fn admit(&self, address: &str, now: OffsetDateTime) -> Result<(), PageError> {
        let quota = self.policy.quota;
        let (key, began, ends) = quota.window_at(address, now);
        let refused = || {
            tracing::warn!(event = "authorize_throttled", "sign-in request refused: address over its quota");
            PageError::Throttled { retry_after_secs: crate::throttle::retry_after_secs(ends, now) }
        };
        let used = self.ports.attempts.failures(&key).await?;
        if used.is_some_and(|count| count.last_failure_at >= began && count.failures >= quota.per_address) {
            return Err(refused());
        }
        // A count from an earlier window restarts at one.
        let charged = self.ports.attempts.record_failure(&key, now, now - began).await?;
        if charged.failures > quota.per_address {
            // Others from this address passed the read above at the same time.
            return Err(refused());
        }
        Ok(())
    }
}

/// Whether a login satisfies the request: `prompt=login` always asks again,
/// and `max_age` asks again when the login is older (OIDC Core §3.1.2.1).
fn still_valid(login: &Login, request: &AuthorizationRequest, now: OffsetDateTime) -> bool {
    if request.prompt.contains(&Prompt::Login) {
        return false;
    }
    request.max_age.is_none_or(|max_age| now - login.auth_time <= Duration::seconds(i64::from(max_age)))
}

fn redirect(response: AuthorizationResponse) -> Answer<AuthorizeOutcome> {
    Answer::keep_session(AuthorizeOutcome::Redirect(response))
}

fn refuse(request: &AuthorizationRequest, error: OAuthError) -> Answer<AuthorizeOutcome> {
    redirect(AuthorizationResponse::Error(RedirectError {
        redirect_uri: request.target.redirect_uri.clone(),
        state: request.target.state.clone(),
        error,
    }))
}

impl AuthorizeService {
    pub(super) fn consent_page_for(
        &self,
        interaction: Interaction,
        request: &AuthorizationRequest,
        user: &User,
        need: &crate::consent::ConsentNeed,
    ) -> super::ConsentPage {
        let (new, new_resources) = match need {
            crate::consent::ConsentNeed::Ask { new, new_resources } => (new.clone(), new_resources.clone()),
            crate::consent::ConsentNeed::Satisfied => Default::default(),
        };
        let scopes = request
            .scopes
            .iter()
            .map(|scope| super::ScopeLine {
                name: scope.clone(),
                description: self.catalog.describe(scope).unwrap_or(scope.as_str()).to_owned(),
                is_new: new.contains(scope),
            })
            .collect();
        let apis = request
            .apis
            .iter()
            .map(|api| super::ApiLine {
                name: api.name.clone(),
                uri: api.uri.as_str().to_owned(),
                is_new: new_resources.contains(&api.uri),
            })
            .collect();
        super::ConsentPage { interaction, user: user.email.as_str().to_owned(), scopes, apis }
    }
}

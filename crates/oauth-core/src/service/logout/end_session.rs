//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): a client
//! sends the browser here to end the user's session with us, and may name
//! where to come back to.

use crate::client::{Client, ClientId};
use crate::ports::VerifyError;
use crate::session::{csrf_matches, csrf_token};

use super::LogoutService;
use crate::service::authorize::PageError;
use crate::service::authorize::live_session;

/// The request's parameters as received (§2).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EndSessionParams {
    /// A previously issued ID token naming the user (§2).
    pub id_token_hint: Option<String>,
    /// The client asking, when no hint names it.
    pub client_id: Option<String>,
    /// Where to send the browser afterwards, if registered (§3).
    pub post_logout_redirect_uri: Option<String>,
    /// Echoed to `post_logout_redirect_uri`.
    pub state: Option<String>,
}

/// What to do with the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndSession {
    /// §2: without a hint naming the signed-in user, the user is asked, so a
    /// bare link cannot sign people out. The form re-sends `params`.
    Confirm {
        /// Who is signed in.
        email: String,
        /// The session's CSRF token for the confirmation form.
        csrf: String,
        /// The request, to send again with the answer.
        params: EndSessionParams,
    },
    /// The session is over (or there was none).
    Ended {
        /// §3: the registered URI, with `state` when one was sent; `None`
        /// shows our signed-out page.
        redirect: Option<String>,
    },
}

impl LogoutService {
    /// Validates the request, then ends the session when the hint names its
    /// user or `confirmed` carries the session's CSRF token (the user clicked
    /// "Sign out" on our page); otherwise asks.
    #[tracing::instrument(skip_all)]
    pub async fn end_session(
        &self,
        params: EndSessionParams,
        cookie: Option<&str>,
        confirmed: Option<&str>,
    ) -> Result<EndSession, PageError> {
        // Without a URI to return to, a request we cannot validate is still a
        // wish to sign out: it is asked about (§2) instead of refused. With
        // one, it is refused: we would not know the redirect is the client's.
        let returns = params.post_logout_redirect_uri.as_deref().is_some_and(|u| !u.is_empty());
        let hint = match params.id_token_hint.as_deref().filter(|h| !h.is_empty()) {
            // §2: an expired ID token is still a fine hint.
            Some(token) => match self.verifier.verify_id_token(token).await {
                Ok(claims) => Some(claims),
                Err(VerifyError::Invalid(_)) if returns => {
                    return Err(PageError::BadRequest("id_token_hint is not an ID token issued here".into()));
                }
                Err(VerifyError::Invalid(_)) => None,
                Err(error @ VerifyError::Unavailable(_)) => return Err(PageError::Server(error.to_string())),
            },
            None => None,
        };
        let (hint, client) = match self.logout_client(&params, hint.as_ref().map(|h| h.aud.as_str())).await {
            Ok(client) => (hint, client),
            Err(PageError::BadRequest(_)) if !returns => (None, None),
            Err(error) => return Err(error),
        };
        let redirect = match (logout_target(&params, client.as_ref()), &client) {
            (Ok(redirect), _) => redirect,
            // A URI registered elsewhere a moment ago: the stored client decides.
            (Err(_), Some(cached)) => {
                let stored = self.ports.clients.find_fresh(&cached.id).await?.filter(|c| !c.disabled);
                logout_target(&params, stored.as_ref())?
            }
            (Err(refusal), None) => return Err(refusal),
        };
        let now = self.now();
        let Some((session, secret)) = live_session(self.ports.sessions.as_ref(), cookie, now).await? else {
            return Ok(EndSession::Ended { redirect });
        };
        let Some(login) = session.login else {
            self.ports.sessions.delete(session.id).await?;
            return Ok(EndSession::Ended { redirect });
        };
        let hinted_user = hint.is_some_and(|h| h.sub == login.user_id.to_string());
        match confirmed {
            Some(csrf) if !csrf_matches(secret, csrf) => {
                tracing::warn!(event = "csrf_rejected", "logout refused: CSRF token missing or wrong");
                Err(PageError::Forbidden)
            }
            Some(_) => self.finish_logout(session.id, redirect).await,
            None if hinted_user => self.finish_logout(session.id, redirect).await,
            None => {
                let user = self.ports.users.find_by_id(login.user_id).await?;
                let email = user.map(|u| u.email.as_str().to_owned()).unwrap_or_default();
                Ok(EndSession::Confirm { email, csrf: csrf_token(secret), params })
            }
        }
    }

    async fn finish_logout(
        &self,
        session: crate::session::SessionId,
        redirect: Option<String>,
    ) -> Result<EndSession, PageError> {
        self.ports.sessions.delete(session).await?;
        tracing::info!(event = "logout", initiated_by = "client");
        Ok(EndSession::Ended { redirect })
    }

    /// §2: `client_id` and the hint's audience must agree when both are sent.
    async fn logout_client(
        &self,
        params: &EndSessionParams,
        hint_audience: Option<&str>,
    ) -> Result<Option<Client>, PageError> {
        let named = params.client_id.as_deref().filter(|c| !c.is_empty());
        if let (Some(named), Some(audience)) = (named, hint_audience)
            && named != audience
        {
            return Err(PageError::BadRequest("client_id does not match the id_token_hint".into()));
        }
        let Some(id) = named.or(hint_audience) else { return Ok(None) };
        let unknown = || PageError::BadRequest("the client is unknown".into());
        let id = ClientId::parse(id).map_err(|_| unknown())?;
        let client = self.ports.clients.find_accepted(&id, |client| !client.disabled).await?;
        client.map(Some).ok_or_else(unknown)
    }
}

/// §3: only a URI registered on the identified client, exactly; anything
/// else is refused before the session is touched (no open redirector).
fn logout_target(params: &EndSessionParams, client: Option<&Client>) -> Result<Option<String>, PageError> {
    let Some(presented) = params.post_logout_redirect_uri.as_deref().filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let Some(client) = client else {
        return Err(PageError::BadRequest(
            "post_logout_redirect_uri needs client_id or id_token_hint to name the client".into(),
        ));
    };
    let Some(registered) = client.post_logout_target(presented) else {
        return Err(PageError::BadRequest(
            "post_logout_redirect_uri is not registered for this client".into(),
        ));
    };
    let mut url = url::Url::parse(registered.as_str())
        .map_err(|_| PageError::Server("a registered post-logout URI does not parse".into()))?;
    if let Some(state) = params.state.as_deref().filter(|s| !s.is_empty()) {
        url.query_pairs_mut().append_pair("state", state);
    }
    Ok(Some(url.into()))
}

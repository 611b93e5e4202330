//! `/consent`: the user approves or denies the scopes a client asked for.
//! Approval is remembered per (user, client).

use super::live_session;
use super::{AuthorizationResponse, AuthorizeService, ConsentPage, Decision, Interaction, PageError};
use crate::authorization_request::RedirectError;
use crate::error::OAuthError;
use crate::security_event::{EventDetails, EventKind, SecurityEvent};
use crate::session::{Login, Session, csrf_token};
use crate::user::User;

impl AuthorizeService {
    /// The consent page of a pending authorization, for its signed-in user.
    #[tracing::instrument(skip_all)]
    pub async fn consent_page(
        &self,
        cookie: Option<&str>,
        pending: &str,
        client_id: &str,
    ) -> Result<ConsentPage, PageError> {
        let now = self.now();
        let Some((session, secret)) = live_session(self.ports.sessions.as_ref(), cookie, now).await? else {
            return Err(self.start_again(client_id).await);
        };
        let (login, user) = self.signed_in(&session, client_id).await?;
        let parked = self.pending_for(&session, pending, client_id, now).await?;
        let Ok(request) = self.resume(&parked).await? else {
            return Err(self.start_again(client_id).await);
        };
        if !super::fresh_enough(&login, &request, &parked, now) {
            return Err(self.start_again(client_id).await);
        }
        let granted = self.ports.consents.granted(user.id, &request.target.client.id).await?;
        let granted_resources = self.granted_resources(&request, &user).await?;
        let need = crate::consent::consent_need(
            (&request.scopes, &request.resources),
            (&granted, &granted_resources),
            true,
            false,
        );
        let interaction = Interaction::for_request(pending.to_owned(), &request, csrf_token(secret));
        Ok(self.consent_page_for(interaction, &request, &user, &need))
    }

    /// The user's decision. Approve: remember the scopes and issue the code.
    /// Deny: `access_denied` to the client (RFC 6749 §4.1.2.1). Either way the
    /// pending authorization is taken, so the form works once.
    #[tracing::instrument(skip_all)]
    pub async fn decide(
        &self,
        cookie: Option<&str>,
        csrf: &str,
        pending: &str,
        client_id: &str,
        decision: Decision,
    ) -> Result<AuthorizationResponse, PageError> {
        let now = self.now();
        let session = self.session_for_form(cookie, csrf, client_id, now).await?;
        let (login, user) = self.signed_in(&session, client_id).await?;
        let parked = self.pending_for(&session, pending, client_id, now).await?;
        if self.ports.sessions.take_pending(&parked.digest, session.id).await?.is_none() {
            return Err(self.start_again(client_id).await);
        }
        let request = match self.resume(&parked).await? {
            Ok(request) => request,
            Err(error) => return Ok(AuthorizationResponse::Error(error)),
        };
        // SECURITY: the login this request asked for (prompt=login, max_age)
        // must have happened; the form cannot be used to skip it.
        if !super::fresh_enough(&login, &request, &parked, now) {
            return Err(self.start_again(client_id).await);
        }
        let client = &request.target.client;
        if decision == Decision::Deny {
            tracing::info!(event = "consent_denied", client_id = %client.id, user_id = %user.id);
            return Ok(AuthorizationResponse::Error(RedirectError {
                redirect_uri: request.target.redirect_uri.clone(),
                state: request.target.state.clone(),
                error: OAuthError::AccessDenied("the user denied the request".into()),
            }));
        }
        self.ports.consents.grant(user.id, &client.id, &request.scopes, now).await?;
        if !request.resources.is_empty() {
            self.ports.consents.grant_resources(user.id, &client.id, &request.resources, now).await?;
        }
        self.record(
            SecurityEvent::new(EventKind::ConsentGranted, now)
                .user(user.id)
                .client(&client.id)
                .details(EventDetails::granted(&request.scopes, &request.resources)),
        );
        self.issue_code(&request, login, now).await
    }

    /// The session's login and its user, who must still be enabled.
    async fn signed_in(&self, session: &Session, client_id: &str) -> Result<(Login, User), PageError> {
        if let Some(login) = session.login
            && let Some(user) = self.active_user(&login).await?
        {
            return Ok((login, user));
        }
        Err(self.start_again(client_id).await)
    }
}

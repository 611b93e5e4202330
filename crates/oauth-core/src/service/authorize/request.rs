//! The request itself: checked as it arrives, and again when a parked
//! request resumes after the login or the consent page.

use super::{AuthorizeService, PageError};
use crate::authorization_request::{
    AuthorizationParams, AuthorizationRequest, RedirectError, trust_redirect, validate,
};
use crate::error::OAuthError;
use crate::pending::PendingAuthorization;
use crate::service::client_directory::Admission;

impl AuthorizeService {
    /// RFC 6749 §4.1.2.1: the client and its redirect URI (`Err`: our own
    /// error page), then the rest of the request (`Ok(Err)`: an error sent
    /// back to the client). A refusal is decided on the stored client, never
    /// on a cached copy that may predate a change made elsewhere (a redirect
    /// URI, a scope or a grant just added): see [`ClientDirectory::decide`].
    pub(super) async fn checked_request(
        &self,
        params: &AuthorizationParams,
        address: Option<&str>,
    ) -> Result<Result<AuthorizationRequest, RedirectError>, PageError> {
        let client_id = params.client_id().map_err(PageError::Untrusted)?;
        let judge = |client| match trust_redirect(params, client) {
            Ok(target) => validate(target, params, &self.catalog, self.policy.authorize).map_err(Ok),
            Err(untrusted) => Err(Err(PageError::Untrusted(untrusted))),
        };
        // A request as it arrives may bring in a metadata document's client
        // (within its address's quota); a resumed one names a stored client.
        let admitted = match address {
            Some(address) => self.ports.clients.admit(&client_id, address).await?,
            None => None,
        };
        let decided = match admitted {
            Some(Admission::Client(client)) => judge(client),
            Some(Admission::Throttled { retry_after_secs }) => {
                return Err(PageError::Throttled { retry_after_secs });
            }
            None => self.ports.clients.decide(&client_id, judge).await?,
        };
        match decided {
            // RFC 8707 §2: the resources named must be registered, and a
            // resource's scope comes only with its resource.
            Ok(mut request) => match self
                .ports
                .targets
                .check_for(&request.target.client, &request.scopes, &request.resources)
                .await
            {
                Ok(apis) => {
                    request.apis = apis;
                    Ok(Ok(request))
                }
                Err(error) => Ok(Err(RedirectError {
                    redirect_uri: request.target.redirect_uri,
                    state: request.target.state,
                    error,
                })),
            },
            Err(Ok(back_to_client)) => Ok(Err(back_to_client)),
            Err(Err(page)) => Err(page),
        }
    }

    /// A pushed request (RFC 9126 §2.1) checked exactly as `/oauth/authorize`
    /// would check it, its refusals as the token endpoint's errors: an
    /// unknown client or unregistered redirect URI is `invalid_request`.
    pub async fn check_pushed(&self, params: &AuthorizationParams) -> Result<(), OAuthError> {
        match self.checked_request(params, None).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(refused)) => Err(refused.error),
            Err(PageError::Untrusted(untrusted)) => {
                Err(OAuthError::InvalidRequest(untrusted.to_string().into()))
            }
            Err(PageError::Unavailable) => Err(OAuthError::TemporarilyUnavailable(
                "too many requests are being checked; try again shortly".into(),
            )),
            Err(other) => Err(OAuthError::ServerError(other.to_string().into())),
        }
    }

    /// A stored request checked again, as if it arrived now: a client disabled
    /// or narrowed meanwhile is noticed.
    pub(super) async fn resume(
        &self,
        pending: &PendingAuthorization,
    ) -> Result<Result<AuthorizationRequest, RedirectError>, PageError> {
        self.checked_request(&pending.params, None).await
    }
}

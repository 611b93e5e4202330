//! What the browser flow's routes share (`authorize`, `login`, `consent`,
//! `logout`, `end_session`): which pending request a page is for, the session
//! cookie, and how an outcome or a refusal becomes a page. The rules live in
//! the core's services.

use std::borrow::Borrow;

use actix_web::{HttpRequest, HttpResponse};
use oauth_core::OAuthError;
use oauth_core::service::authorize::PageError;

use crate::middleware::request_id::RequestId;
use crate::pages::ErrorKind;
use crate::params::MAX_QUERY_LEN;
use crate::redirect::{own_url, see_other_own};
use crate::state::AppState;

/// `request` and `client_id` from the query of `/login` and `/consent`.
pub(super) struct PendingRef {
    pub request: String,
    pub client_id: String,
}

impl PendingRef {
    /// Missing values are empty: the service answers "start again".
    pub(super) fn read(request: &HttpRequest) -> Result<Self, OAuthError> {
        let params = crate::params::query(request)?;
        let field = |name| params.get(name).unwrap_or_default().to_owned();
        Ok(Self { request: field("request"), client_id: field("client_id") })
    }
}

pub(super) fn set_cookie(response: &mut HttpResponse, cookie: &actix_web::cookie::Cookie<'_>) {
    if let Err(error) = response.add_cookie(cookie) {
        tracing::error!(error = %error, "cannot set the session cookie");
    }
}

/// Our 400 page for a request we cannot read (not a form, a repeated parameter).
pub(super) fn bad_request(state: &AppState, error: &OAuthError, id: &RequestId) -> HttpResponse {
    state.pages.error(ErrorKind::BadRequest, &error.description(), id)
}

/// A form posted from another site arrives without our `SameSite=Lax`
/// cookie, so the session it belongs to cannot be seen. Answer with a 303 to
/// the same request as a GET at `path` (a top-level navigation, which
/// carries the cookie): no cookie is set or cleared, and the GET's size
/// limit holds.
pub(super) fn again_as_get<I, K, V>(state: &AppState, id: &RequestId, path: &str, pairs: I) -> HttpResponse
where
    I: IntoIterator,
    I::Item: Borrow<(K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let again = own_url(&state.issuer, path, pairs);
    if again.as_ref().and_then(url::Url::query).map_or(0, str::len) > MAX_QUERY_LEN {
        return too_large(state, id);
    }
    see_other_own(again)
}

/// Our 413 page for a query past `params::MAX_QUERY_LEN`.
pub(super) fn too_large(state: &AppState, id: &RequestId) -> HttpResponse {
    state.pages.error(ErrorKind::TooLarge, "The request is too large.", id)
}

/// Renders a flow outcome, or our error page.
pub(super) fn render<T>(
    state: &AppState,
    id: &RequestId,
    outcome: Result<T, PageError>,
    page: impl FnOnce(&T) -> HttpResponse,
) -> HttpResponse {
    match outcome {
        Ok(value) => page(&value),
        Err(error) => page_error(state, error, id),
    }
}

/// Our own error pages: never a redirect to an unverified place.
pub(super) fn page_error(state: &AppState, error: PageError, id: &RequestId) -> HttpResponse {
    match error {
        PageError::Untrusted(problem) => {
            tracing::info!(event = "authorize_untrusted", reason = %problem);
            let message = format!("{}. The application's sign-in link is wrong; please tell its developers.", capitalised(&problem.to_string()));
            state.pages.error(ErrorKind::Untrusted, &message, id)
        }
        PageError::StartAgain(start_again) => state.pages.start_again(&start_again, id),
        PageError::Forbidden => state.pages.error(
            ErrorKind::Forbidden,
            "The form was not sent from this browser's sign-in session. Please go back to the application and start again.",
            id,
        ),
        PageError::BadRequest(problem) => state.pages.error(ErrorKind::BadRequest, &problem, id),
        PageError::Throttled { retry_after_secs } => state.pages.throttled(retry_after_secs, id),
        PageError::Server(cause) => {
            tracing::error!(error = %cause, "authorization flow failed");
            state.pages.error(ErrorKind::Server, "Please try again in a moment.", id)
        }
        PageError::Unavailable => state.pages.error(
            ErrorKind::Unavailable,
            "Too many sign-ins are being checked at once. Please try again in a few seconds.",
            id,
        ),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

//! `GET` and `POST /oauth/authorize` (RFC 6749 §4.1.1, OIDC Core §3.1.2.1):
//! the request's pairs go to the core's `AuthorizeService` as received, since
//! the core decides whether a repeated parameter is refused on our own page or
//! at the client's verified redirect URI (RFC 6749 §4.1.2.1).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::authorization_request::AuthorizationParams;
use oauth_core::discovery::AUTHORIZATION_PATH;
use oauth_core::service::authorize::AuthorizeOutcome;

use super::interaction::{again_as_get, bad_request, page_error, set_cookie, too_large};
use crate::browser::client_address;
use crate::middleware::request_id::RequestId;
use crate::params::{MAX_QUERY_LEN, form_pairs, query_pairs};
use crate::redirect::to_client;
use crate::state::AppState;

/// `GET /oauth/authorize`: redirects with 302.
pub(crate) async fn authorize_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    if request.query_string().len() > MAX_QUERY_LEN {
        return too_large(&state, &id);
    }
    let params = AuthorizationParams::new(query_pairs(&request));
    authorize(&request, &state, params, StatusCode::FOUND, &id).await
}

/// `POST /oauth/authorize` (form-encoded): redirects with 303; without the
/// session cookie, 303 to the same request as a GET.
pub(crate) async fn authorize_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let pairs = match form_pairs(&request, &body) {
        Ok(pairs) => pairs,
        Err(error) => return bad_request(&state, &error, &id),
    };
    if state.cookie.read(&request).is_none() {
        // SECURITY: a client's form posted from its own site: answered here,
        // a signed-in user would get the login page and a new session's
        // cookie would replace theirs; as a GET, single sign-on holds.
        return again_as_get(&state, &id, AUTHORIZATION_PATH, &pairs);
    }
    let params = AuthorizationParams::new(pairs);
    authorize(&request, &state, params, StatusCode::SEE_OTHER, &id).await
}

async fn authorize(
    request: &HttpRequest,
    state: &AppState,
    params: AuthorizationParams,
    status: StatusCode,
    id: &RequestId,
) -> HttpResponse {
    let cookie = state.cookie.read(request);
    let address = client_address(request, &state.trusted_proxies);
    match state.authorize.begin(params, cookie.as_deref(), &address).await {
        Ok(answer) => {
            let mut response = match &answer.outcome {
                AuthorizeOutcome::Login(page) => state.pages.login(page),
                AuthorizeOutcome::Consent(page) => state.pages.consent(page),
                AuthorizeOutcome::Redirect(response) => to_client(response, &state.issuer, status),
            };
            if let Some(secret) = &answer.new_session {
                set_cookie(&mut response, &state.cookie.set(secret));
            }
            response
        }
        Err(error) => page_error(state, error, id),
    }
}

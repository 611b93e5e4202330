//! `GET` and `POST /oauth/logout` (OpenID Connect RP-Initiated Logout 1.0):
//! a client asks us to end the user's session (the core's
//! `LogoutService::end_session`), and our confirmation form posts back here.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::discovery::END_SESSION_PATH;
use oauth_core::request_params::RequestParams;
use oauth_core::service::logout::{EndSession, EndSessionParams};

use super::interaction::{again_as_get, bad_request, page_error, set_cookie, too_large};
use crate::middleware::request_id::RequestId;
use crate::params::MAX_QUERY_LEN;
use crate::redirect::to_location;
use crate::state::AppState;

/// `GET /oauth/logout` (§2): the client's request in the query.
pub(crate) async fn end_session_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    if request.query_string().len() > MAX_QUERY_LEN {
        return too_large(&state, &id);
    }
    match crate::params::query(&request) {
        Ok(params) => end_session(&request, &state, &params, false, &id).await,
        Err(error) => bad_request(&state, &error, &id),
    }
}

/// `POST /oauth/logout`: our own sign-out form confirming a request (with
/// `csrf_token`), or the client's request as a form (§2), turned into a GET.
pub(crate) async fn end_session_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let params = match crate::params::form(&request, &body) {
        Ok(params) => params,
        Err(error) => return bad_request(&state, &error, &id),
    };
    if !params.contains("csrf_token") || state.cookie.read(&request).is_none() {
        // A form posted from another site (a client's request, or a forged
        // confirmation): answered here, it would clear the cookie of a
        // session nobody confirmed ending; as a GET it ends, with the user's
        // confirmation if needed.
        let request = params.iter().filter(|(name, _)| *name != "csrf_token");
        return again_as_get(&state, &id, END_SESSION_PATH, request);
    }
    end_session(&request, &state, &params, true, &id).await
}

async fn end_session(
    request: &HttpRequest,
    state: &AppState,
    params: &RequestParams,
    posted: bool,
    id: &RequestId,
) -> HttpResponse {
    let field = |name| params.get(name).map(str::to_owned);
    let asked = EndSessionParams {
        id_token_hint: field("id_token_hint"),
        client_id: field("client_id"),
        post_logout_redirect_uri: field("post_logout_redirect_uri"),
        state: field("state"),
    };
    // Only our own form, POSTed, confirms.
    let csrf = if posted { field("csrf_token") } else { None };
    let cookie = state.cookie.read(request);
    match state.logout.end_session(asked, cookie.as_deref(), csrf.as_deref()).await {
        Ok(EndSession::Confirm { email, csrf, params }) => {
            let carried: Vec<(&str, &str)> = [
                ("id_token_hint", &params.id_token_hint),
                ("client_id", &params.client_id),
                ("post_logout_redirect_uri", &params.post_logout_redirect_uri),
                ("state", &params.state),
            ]
            .into_iter()
            .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
            .collect();
            state.pages.end_session(&email, &csrf, &carried)
        }
        Ok(EndSession::Ended { redirect }) => {
            let mut response = match redirect {
                Some(location) => to_location(StatusCode::SEE_OTHER, &location),
                None => state.pages.logout(None),
            };
            set_cookie(&mut response, &state.cookie.clear());
            response
        }
        Err(error) => page_error(state, error, id),
    }
}

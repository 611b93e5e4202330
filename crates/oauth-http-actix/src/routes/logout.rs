//! `GET` and `POST /logout`: a user signs out of our own session.

use actix_web::{HttpRequest, HttpResponse, web};

use super::interaction::{bad_request, page_error, render, set_cookie};
use crate::middleware::request_id::RequestId;
use crate::state::AppState;

/// `GET /logout`: a sign-out form (CSRF-protected), or "signed out".
pub(crate) async fn logout_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let cookie = state.cookie.read(&request);
    let signed_in = state.logout.signed_in_as(cookie.as_deref()).await;
    render(&state, &id, signed_in, |signed_in| {
        state.pages.logout(signed_in.as_ref().map(|s| (s.email.as_str(), s.csrf.as_str())))
    })
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub(crate) async fn logout_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let form = match crate::params::form(&request, &body) {
        Ok(form) => form,
        Err(error) => return bad_request(&state, &error, &id),
    };
    let cookie = state.cookie.read(&request);
    match state.logout.logout(cookie.as_deref(), form.get("csrf_token").unwrap_or_default()).await {
        Ok(_) => {
            let mut response = state.pages.logout(None);
            set_cookie(&mut response, &state.cookie.clear());
            response
        }
        Err(error) => page_error(&state, error, &id),
    }
}

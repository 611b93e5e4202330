//! `GET` and `POST /login`: the login form of a pending authorization
//! request, and a sign-in attempt (the core's `AuthorizeService::login`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::OAuthError;
use oauth_core::service::authorize::{LoginForm, LoginOutcome, Next};
use secrecy::SecretString;

use super::interaction::{PendingRef, bad_request, page_error, render, set_cookie};
use crate::browser::client_address;
use crate::middleware::request_id::RequestId;
use crate::redirect::{own_url, see_other_own, to_client};
use crate::state::AppState;

/// `GET /login`: the login form of a pending request (a reload).
pub(crate) async fn login_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let pending = match PendingRef::read(&request) {
        Ok(pending) => pending,
        Err(error) => return bad_request(&state, &error, &id),
    };
    let cookie = state.cookie.read(&request);
    let page = state.authorize.login_page(cookie.as_deref(), &pending.request, &pending.client_id).await;
    render(&state, &id, page, |page| state.pages.login(page))
}

/// `POST /login`: a login attempt; 303 onwards when it succeeds.
pub(crate) async fn login_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let form = match read_login_form(&request, &body, &state) {
        Ok(form) => form,
        Err(error) => return bad_request(&state, &error, &id),
    };
    let cookie = state.cookie.read(&request);
    match state.authorize.login(form, cookie.as_deref()).await {
        Ok(LoginOutcome::SignedIn { session, next }) => {
            let mut response = match next {
                Next::Consent { pending, client_id } => see_other_own(own_url(
                    &state.issuer,
                    "/consent",
                    [("request", pending.as_str()), ("client_id", client_id.as_str())],
                )),
                Next::Redirect(response) => to_client(&response, &state.issuer, StatusCode::SEE_OTHER),
            };
            set_cookie(&mut response, &state.cookie.set(&session));
            response
        }
        Ok(LoginOutcome::Refused(page)) => state.pages.login(&page),
        Ok(LoginOutcome::Answered(response)) => to_client(&response, &state.issuer, StatusCode::SEE_OTHER),
        Err(error) => page_error(&state, error, &id),
    }
}

/// The form's fields; a missing one is empty (the checks that follow refuse it).
fn read_login_form(request: &HttpRequest, body: &[u8], state: &AppState) -> Result<LoginForm, OAuthError> {
    let form = crate::params::form(request, body)?;
    let field = |name| form.get(name).unwrap_or_default().to_owned();
    Ok(LoginForm {
        pending: field("request"),
        client_id: field("client_id"),
        csrf: field("csrf_token"),
        username: field("username"),
        password: SecretString::from(field("password")),
        address: client_address(request, &state.trusted_proxies),
    })
}

//! `/account` and its forms: the signed-in user's apps, sessions and
//! password, over the core's `AuthorizeService::account_*` (docs/SECURITY.md
//! § Account page). Every form is CSRF-checked against the session.

use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::OAuthError;
use oauth_core::request_params::RequestParams;
use oauth_core::service::authorize::{AccountForm, AccountView, Answer, PageError, PasswordChange};
use secrecy::SecretString;

use super::interaction::{bad_request, page_error, set_cookie};
use crate::browser::client_address;
use crate::middleware::request_id::RequestId;
use crate::state::AppState;

/// `GET /account`: the page, or the sign-in form.
pub(crate) async fn account_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let cookie = state.cookie.read(&request);
    let address = client_address(&request, &state.trusted_proxies);
    show(&state, &id, state.authorize.account_page(cookie.as_deref(), &address).await)
}

/// `POST /account/login`: sign in to see the page.
pub(crate) async fn account_login(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let (fields, form) = match posted(&request, &body, &state) {
        Ok(posted) => posted,
        Err(error) => return bad_request(&state, &error, &id),
    };
    let username = fields.get("username").unwrap_or_default().to_owned();
    let password = secret(&fields, "password");
    let cookie = state.cookie.read(&request);
    show(&state, &id, state.authorize.account_login(cookie.as_deref(), &form, &username, &password).await)
}

/// `POST /account/apps/revoke`: take an app's access back.
pub(crate) async fn revoke_app(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let (fields, form) = match posted(&request, &body, &state) {
        Ok(posted) => posted,
        Err(error) => return bad_request(&state, &error, &id),
    };
    let client_id = fields.get("client_id").unwrap_or_default().to_owned();
    let cookie = state.cookie.read(&request);
    show(&state, &id, state.authorize.revoke_app(cookie.as_deref(), &form, &client_id).await)
}

/// `POST /account/sessions/end-others`: sign out everywhere else.
pub(crate) async fn end_other_sessions(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let (_, form) = match posted(&request, &body, &state) {
        Ok(posted) => posted,
        Err(error) => return bad_request(&state, &error, &id),
    };
    let cookie = state.cookie.read(&request);
    show(&state, &id, state.authorize.end_other_sessions(cookie.as_deref(), &form).await)
}

/// `POST /account/password`: change the password.
pub(crate) async fn change_password(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let (fields, form) = match posted(&request, &body, &state) {
        Ok(posted) => posted,
        Err(error) => return bad_request(&state, &error, &id),
    };
    let change = PasswordChange {
        current: secret(&fields, "current_password"),
        new: secret(&fields, "new_password"),
        confirmation: secret(&fields, "confirm_password"),
    };
    let cookie = state.cookie.read(&request);
    show(&state, &id, state.authorize.change_password(cookie.as_deref(), &form, change).await)
}

/// A posted account form's fields and the parts every one carries (a
/// missing one is empty: the checks that follow refuse it); or why the
/// body is no form (a 400 page).
fn posted(
    request: &HttpRequest,
    body: &[u8],
    state: &AppState,
) -> Result<(RequestParams, AccountForm), OAuthError> {
    let fields = crate::params::form(request, body)?;
    let form = AccountForm {
        csrf: fields.get("csrf_token").unwrap_or_default().to_owned(),
        address: client_address(request, &state.trusted_proxies),
    };
    Ok((fields, form))
}

fn secret(fields: &RequestParams, name: &str) -> SecretString {
    SecretString::from(fields.get(name).unwrap_or_default().to_owned())
}

/// The view, with the cookie of a session made or renewed by this request.
fn show(state: &AppState, id: &RequestId, answer: Result<Answer<AccountView>, PageError>) -> HttpResponse {
    match answer {
        Ok(answer) => {
            let mut response = state.pages.account(&answer.outcome);
            if let Some(session) = &answer.new_session {
                set_cookie(&mut response, &state.cookie.set(session));
            }
            response
        }
        Err(error) => page_error(state, error, id),
    }
}

//! `/device`, `/device/login` and `/device/decision`: the device grant's
//! verification pages (RFC 8628 §3.3), over the core's
//! `AuthorizeService::device_*`. Every form is CSRF-checked against the
//! session; nothing is granted before the approval's POST. They answer
//! 404 while the device grant is not offered.

use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::request_params::RequestParams;
use oauth_core::service::authorize::{Decision, DeviceForm, DeviceStep};
use oauth_core::session::SessionSecret;
use secrecy::SecretString;

use super::interaction::{bad_request, page_error, set_cookie};
use crate::browser::client_address;
use crate::middleware::request_id::RequestId;
use crate::pages::ErrorKind;
use crate::state::AppState;

/// `GET /device`: the code form; `?user_code=` (from
/// `verification_uri_complete`) only fills it in.
pub(crate) async fn device_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let query = match crate::params::query(&request) {
        Ok(query) => query,
        Err(error) => return bad_request(&state, &error, &id),
    };
    let cookie = state.cookie.read(&request);
    let address = client_address(&request, &state.trusted_proxies);
    match state.authorize.device_page(cookie.as_deref(), query.get("user_code"), &address).await {
        Ok(answer) => {
            let mut response = state.pages.device_code(&answer.outcome);
            if let Some(session) = &answer.new_session {
                set_cookie(&mut response, &state.cookie.set(session));
            }
            response
        }
        Err(error) => page_error(&state, error, &id),
    }
}

/// `POST /device`: the code entered.
pub(crate) async fn device_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let (_, form) = match posted(&request, &body, &state, &id).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let cookie = state.cookie.read(&request);
    let step = state.authorize.device_code_entered(cookie.as_deref(), form).await;
    match step {
        Ok(step) => show(&state, &step, None),
        Err(error) => page_error(&state, error, &id),
    }
}

/// `POST /device/login`: sign in for the code.
pub(crate) async fn device_login(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let (fields, form) = match posted(&request, &body, &state, &id).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let username = fields.get("username").unwrap_or_default().to_owned();
    let password = SecretString::from(fields.get("password").unwrap_or_default().to_owned());
    let cookie = state.cookie.read(&request);
    match state.authorize.device_login(cookie.as_deref(), form, &username, &password).await {
        Ok((renewed, step)) => show(&state, &step, renewed.as_ref()),
        Err(error) => page_error(&state, error, &id),
    }
}

/// `POST /device/decision`: approve or deny.
pub(crate) async fn device_decision(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let (fields, form) = match posted(&request, &body, &state, &id).await {
        Ok(posted) => posted,
        Err(answer) => return answer,
    };
    let Some(decision) = Decision::parse(fields.get("decision").unwrap_or_default()) else {
        return state.pages.error(ErrorKind::BadRequest, "the decision must be approve or deny", &id);
    };
    let cookie = state.cookie.read(&request);
    match state.authorize.device_decide(cookie.as_deref(), form, decision).await {
        Ok(step) => show(&state, &step, None),
        Err(error) => page_error(&state, error, &id),
    }
}

/// A posted device form: its fields, and the parts every device form
/// carries (a missing one is empty: the checks that follow refuse it);
/// or the answer already due: 404 while the grant is off, 400 for a body
/// that is no form.
async fn posted(
    request: &HttpRequest,
    body: &[u8],
    state: &AppState,
    id: &RequestId,
) -> Result<(RequestParams, DeviceForm), HttpResponse> {
    if state.device.is_none() {
        return Err(super::not_found(request.clone()).await);
    }
    let fields = crate::params::form(request, body).map_err(|error| bad_request(state, &error, id))?;
    let form = DeviceForm {
        csrf: fields.get("csrf_token").unwrap_or_default().to_owned(),
        user_code: fields.get("user_code").unwrap_or_default().to_owned(),
        address: client_address(request, &state.trusted_proxies),
    };
    Ok((fields, form))
}

/// The page of `step`, setting the renewed session's cookie after a sign-in.
fn show(state: &AppState, step: &DeviceStep, renewed: Option<&SessionSecret>) -> HttpResponse {
    let mut response = match step {
        DeviceStep::EnterCode(page) => state.pages.device_code(page),
        DeviceStep::Login(page) => state.pages.device_login(page),
        DeviceStep::Consent(page) => state.pages.device_consent(page),
        DeviceStep::Decided { decision, client_name } => state.pages.device_done(*decision, client_name),
    };
    if let Some(session) = renewed {
        set_cookie(&mut response, &state.cookie.set(session));
    }
    response
}

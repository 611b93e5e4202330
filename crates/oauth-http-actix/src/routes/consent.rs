//! `GET` and `POST /consent`: the consent page of a pending authorization
//! request, and the user's decision (the core's `AuthorizeService::decide`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::service::authorize::Decision;

use super::interaction::{PendingRef, bad_request, render};
use crate::middleware::request_id::RequestId;
use crate::pages::ErrorKind;
use crate::redirect::to_client;
use crate::state::AppState;

/// `GET /consent`: the consent page of a pending request.
pub(crate) async fn consent_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let pending = match PendingRef::read(&request) {
        Ok(pending) => pending,
        Err(error) => return bad_request(&state, &error, &id),
    };
    let cookie = state.cookie.read(&request);
    let page = state.authorize.consent_page(cookie.as_deref(), &pending.request, &pending.client_id).await;
    render(&state, &id, page, |page| state.pages.consent(page))
}

/// `POST /consent`: approve or deny; 303 to the client either way.
pub(crate) async fn consent_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let form = match crate::params::form(&request, &body) {
        Ok(form) => form,
        Err(error) => return bad_request(&state, &error, &id),
    };
    let field = |name| form.get(name).unwrap_or_default();
    let Some(decision) = Decision::parse(field("decision")) else {
        return state.pages.error(ErrorKind::BadRequest, "the decision must be approve or deny", &id);
    };
    let cookie = state.cookie.read(&request);
    let answer = state
        .authorize
        .decide(cookie.as_deref(), field("csrf_token"), field("request"), field("client_id"), decision)
        .await;
    render(&state, &id, answer, |response| to_client(response, &state.issuer, StatusCode::SEE_OTHER))
}

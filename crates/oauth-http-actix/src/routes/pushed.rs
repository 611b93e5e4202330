//! `POST /oauth/par` (RFC 9126 §2): the client pushes its authorization
//! request, authenticated as at the token endpoint, and gets the
//! `request_uri` the browser carries instead of the parameters.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::service::pushed_authorization::PushFailure;
use serde::Serialize;

use super::client_form::ClientForm;
use crate::error::json_error_retry_after;
use crate::state::AppState;

/// RFC 9126 §2.2.
#[derive(Serialize)]
struct PushedBody<'a> {
    request_uri: &'a str,
    expires_in: i64,
}

/// `POST /oauth/par`: 201 and never cached; errors as at the token endpoint.
pub(crate) async fn push(request: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    let form = match ClientForm::read(&request, &body) {
        Ok(form) => form,
        Err(refusal) => return refusal.response(),
    };
    let address = crate::browser::client_address(&request, &state.trusted_proxies);
    match state.pushed.push(&form.credentials, form.pairs(), &address).await {
        Ok((_, pushed)) => super::uncached(StatusCode::CREATED)
            .json(PushedBody { request_uri: &pushed.request_uri, expires_in: pushed.expires_in }),
        Err(PushFailure::Refused(failure)) => form.failure(failure),
        Err(PushFailure::Throttled { retry_after_secs }) => json_error_retry_after(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "too many pushed requests from this address; try again later",
            retry_after_secs,
        ),
    }
}

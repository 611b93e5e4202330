//! `POST /oauth/par` (RFC 9126 §2): the client pushes its authorization
//! request, authenticated as at the token endpoint, and gets the
//! `request_uri` the browser carries instead of the parameters.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::service::pushed_authorization::PushFailure;
use serde::Serialize;

use oauth_core::discovery::PUSHED_AUTHORIZATION_PATH;
use oauth_core::service::dpop::PresentedProof;

use super::client_form::{ClientForm, allow_origin, allow_origin_on_error};
use super::dpop;
use crate::error::json_error_retry_after;
use crate::state::AppState;

/// RFC 9126 §2.2.
#[derive(Serialize)]
struct PushedBody<'a> {
    request_uri: &'a str,
    expires_in: i64,
}

/// `POST /oauth/par`: 201 and never cached; errors as at the token endpoint.
/// A browser client may push (CORS, as at the token endpoint), and a DPoP
/// proof sent along binds the code to its key (RFC 9449 §10.1).
pub(crate) async fn push(request: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    let form = match ClientForm::read(&request, &body) {
        Ok(form) => form,
        Err(refusal) => return refusal.response_with_cors(&request, &state).await,
    };
    let mut response = match dpop::proof_of(&request, "POST", &state.issuer, PUSHED_AUTHORIZATION_PATH) {
        Ok(proof) => answer(&request, &state, &form, proof).await,
        Err(error) => form.failure(error.into()),
    };
    dpop::offer_nonce(&mut response, state.token.fresh_nonce());
    allow_origin_on_error(&request, &state, &form.credentials.client_id, &mut response).await;
    response
}

/// `OPTIONS /oauth/par`: a CORS preflight.
pub(crate) async fn preflight(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    super::client_form::preflight(&request, &state, "POST").await
}

async fn answer(
    request: &HttpRequest,
    state: &AppState,
    form: &ClientForm,
    proof: Option<PresentedProof>,
) -> HttpResponse {
    let address = crate::browser::client_address(request, &state.trusted_proxies);
    match state.pushed.push_with_proof(&form.credentials, form.pairs(), &address, proof.as_ref()).await {
        Ok((client, pushed)) => {
            let mut response = super::uncached(StatusCode::CREATED)
                .json(PushedBody { request_uri: &pushed.request_uri, expires_in: pushed.expires_in });
            allow_origin(request, &client, &mut response);
            response
        }
        Err(PushFailure::Refused(failure)) => form.failure(failure),
        Err(PushFailure::Throttled { retry_after_secs }) => json_error_retry_after(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "too many pushed requests from this address; try again later",
            retry_after_secs,
        ),
    }
}

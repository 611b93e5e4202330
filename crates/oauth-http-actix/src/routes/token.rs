//! `POST /oauth/token` (RFC 6749 §3.2): form in, JSON out, never cached.
//! Client authentication is read by `ClientForm` and judged by the core; the
//! grants are the core's.

use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::service::token::TokenParams;
use oauth_core::token::TokenResponse;
use serde::Serialize;

use oauth_core::discovery::TOKEN_PATH;

use super::client_form::{ClientForm, allow_origin, allow_origin_on_error};
use super::dpop;
use crate::state::AppState;

/// RFC 6749 §5.1.
#[derive(Serialize)]
struct TokenBody<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: i64,
    scope: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
}

/// `POST /oauth/token`.
pub(crate) async fn token(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let form = match ClientForm::read(&request, &body) {
        Ok(form) => form,
        Err(refusal) => return refusal.response_with_cors(&request, &state).await,
    };
    let params = TokenParams {
        grant_type: form.field("grant_type"),
        code: form.field("code"),
        redirect_uri: form.field("redirect_uri"),
        code_verifier: form.field("code_verifier"),
        refresh_token: form.field("refresh_token"),
        device_code: form.field("device_code"),
        scope: form.field("scope"),
        resources: form.values("resource"),
        dpop: None,
        sender_key: None,
    };
    let mut response = match dpop::proof_of(&request, "POST", &state.issuer, TOKEN_PATH) {
        Ok(proof) => answer(&request, &state, &form, TokenParams { dpop: proof, ..params }).await,
        Err(error) => form.failure(error.into()),
    };
    dpop::offer_nonce(&mut response, state.token.fresh_nonce());
    // A browser client must be able to read why it was refused (e.g. a revoked refresh token).
    allow_origin_on_error(&request, &state, &form.credentials.client_id, &mut response).await;
    response
}

async fn answer(
    request: &HttpRequest,
    state: &AppState,
    form: &ClientForm,
    params: TokenParams,
) -> HttpResponse {
    let address = crate::browser::client_address(request, &state.trusted_proxies);
    match state.token.token(&form.credentials, params, &address).await {
        Ok(granted) => {
            let mut response = success(&granted.response);
            allow_origin(request, &granted.client, &mut response);
            response
        }
        Err(failure) => form.failure(failure),
    }
}

/// `OPTIONS /oauth/token`: a CORS preflight.
pub(crate) async fn preflight(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    super::client_form::preflight(&request, &state, "POST").await
}

fn success(response: &TokenResponse) -> HttpResponse {
    let body = TokenBody {
        access_token: &response.access_token,
        token_type: response.token_type.as_str(),
        expires_in: response.expires_in,
        scope: &response.scope,
        id_token: response.id_token.as_deref(),
        refresh_token: response.refresh_token.as_ref().map(oauth_core::refresh::RefreshToken::expose),
    };
    super::uncached_ok().json(body)
}

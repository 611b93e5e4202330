//! `POST /oauth/device_authorization` (RFC 8628 §3.1–3.2): a device's
//! client asks for a device code and a user code, authenticated as at the
//! token endpoint.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::service::device_authorization::{DeviceFailure, DeviceRequest};
use serde::Serialize;

use super::client_form::ClientForm;
use crate::error::json_error_retry_after;
use crate::state::AppState;

/// RFC 8628 §3.2.
#[derive(Serialize)]
struct DeviceBody<'a> {
    device_code: &'a str,
    user_code: &'a str,
    verification_uri: &'a str,
    verification_uri_complete: &'a str,
    expires_in: i64,
    interval: i64,
}

/// `POST /oauth/device_authorization`: 200 and never cached; errors as at
/// the token endpoint (RFC 8628 §3.2), 429 past the quotas.
pub(crate) async fn device_authorization(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(device) = &state.device else { return super::not_found(request).await };
    let form = match ClientForm::read(&request, &body) {
        Ok(form) => form,
        Err(refusal) => return refusal.response_with_cors(&request, &state).await,
    };
    let asked = DeviceRequest { scope: form.field("scope"), resources: form.values("resource") };
    let address = crate::browser::client_address(&request, &state.trusted_proxies);
    match device.start(&form.credentials, asked, &address).await {
        Ok((_, codes)) => {
            let user_code = codes.user_code.display();
            super::uncached_ok().json(DeviceBody {
                device_code: codes.device_code.expose(),
                user_code: &user_code,
                verification_uri: &codes.verification_uri,
                verification_uri_complete: &codes.verification_uri_complete,
                expires_in: codes.expires_in,
                interval: codes.interval,
            })
        }
        Err(DeviceFailure::Refused(failure)) => form.failure(failure),
        Err(DeviceFailure::Throttled { retry_after_secs }) => json_error_retry_after(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "too many device authorizations; try again later",
            retry_after_secs,
        ),
    }
}

//! `POST /oauth/register` (RFC 7591 §3) and the client configuration
//! endpoint `/oauth/register/{client_id}` (RFC 7592 §2): JSON in, JSON
//! out, never cached. The routes are mounted only while registration is
//! on; off, both paths are unknown (404), whatever the method or body.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::OAuthError;
use oauth_core::client::{RegistrationRefused, RegistrationRequest, UpdateClaims};
use oauth_core::discovery::REGISTRATION_PATH;
use oauth_core::service::registration::{Registered, RegistrationFailure};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::uncached;
use crate::error::{ApiError, json_error, json_error_retry_after};
use crate::state::AppState;

mod answer;
use answer::RegistrationBody;

/// `POST /oauth/register`: 201 with the registration (RFC 7591 §3.2.1).
pub(crate) async fn register(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(service) = &state.registration else { return super::not_found(request).await };
    let asked = match json_object(&request, &body).and_then(|members| read::<RegistrationRequest>(&members)) {
        Ok(asked) => asked,
        Err(bad) => return bad.response(),
    };
    let address = crate::browser::client_address(&request, &state.trusted_proxies);
    match service.register(&asked, bearer(&request), &address).await {
        Ok(registered) => answer(StatusCode::CREATED, &state, &registered),
        Err(failure) => refuse(failure),
    }
}

/// `GET /oauth/register/{client_id}`: the registration, with a new
/// registration access token (RFC 7592 §2.1).
pub(crate) async fn read_registration(
    request: HttpRequest,
    client_id: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(service) = &state.registration else { return super::not_found(request).await };
    match service.read(&client_id, bearer(&request).unwrap_or_default()).await {
        Ok(registered) => answer(StatusCode::OK, &state, &registered),
        Err(failure) => refuse(failure),
    }
}

/// `PUT /oauth/register/{client_id}`: replaces the registration (RFC 7592 §2.2).
pub(crate) async fn update_registration(
    request: HttpRequest,
    client_id: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(service) = &state.registration else { return super::not_found(request).await };
    let presented = bearer(&request).unwrap_or_default();
    let parsed = json_object(&request, &body)
        .and_then(|members| Ok((read::<RegistrationRequest>(&members)?, read::<UpdateClaims>(&members)?)));
    let (asked, claims) = match parsed {
        Ok(parsed) => parsed,
        // Without the client's token, nothing about its body is told.
        Err(bad) => {
            return match service.check_access(&client_id, presented).await {
                Ok(()) => bad.response(),
                Err(failure) => refuse(failure),
            };
        }
    };
    let address = crate::browser::client_address(&request, &state.trusted_proxies);
    match service.update(&client_id, presented, &asked, &claims, &address).await {
        Ok(registered) => answer(StatusCode::OK, &state, &registered),
        Err(failure) => refuse(failure),
    }
}

/// `DELETE /oauth/register/{client_id}`: 204, and the client is gone
/// (RFC 7592 §2.3).
pub(crate) async fn delete_registration(
    request: HttpRequest,
    client_id: web::Path<String>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Some(service) = &state.registration else { return super::not_found(request).await };
    let address = crate::browser::client_address(&request, &state.trusted_proxies);
    match service.delete(&client_id, bearer(&request).unwrap_or_default(), &address).await {
        Ok(()) => uncached(StatusCode::NO_CONTENT).finish(),
        Err(failure) => refuse(failure),
    }
}

/// The registration endpoint's URL, for discovery and the answers.
pub(crate) fn configuration_uri(issuer: &str, client_id: &str) -> String {
    format!("{issuer}{REGISTRATION_PATH}/{client_id}")
}

fn answer(status: StatusCode, state: &AppState, registered: &Registered) -> HttpResponse {
    let uri = configuration_uri(&state.issuer, registered.client.id.as_str());
    uncached(status).json(RegistrationBody::of(registered, &uri))
}

/// The token of `Authorization: Bearer …` (RFC 6750 §2.1), if sent.
fn bearer(request: &HttpRequest) -> Option<&str> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|token| !token.is_empty())
}

/// The body as a JSON object (RFC 7591 §3: `application/json`), or the 400.
fn json_object(request: &HttpRequest, body: &[u8]) -> Result<Map<String, Value>, BadMetadata> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(BadMetadata("the body must be client metadata as application/json (RFC 7591 §3)".into()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(members)) => Ok(members),
        Ok(_) => Err(BadMetadata("the body must be a JSON object of client metadata".into())),
        // The position, never the text: the body may hold anything.
        Err(error) => Err(BadMetadata(format!(
            "the body is not JSON (line {}, column {})",
            error.line(),
            error.column()
        ))),
    }
}

/// The members of `members` that `T` reads; a member of the wrong type
/// is refused without echoing its value.
fn read<T: for<'de> Deserialize<'de>>(members: &Map<String, Value>) -> Result<T, BadMetadata> {
    T::deserialize(Value::Object(members.clone())).map_err(|error| {
        let text = error.to_string();
        // serde names the expected type, and after "invalid type" the value
        // it found: keep the expectation only.
        // The last "expected " is serde's own: the value, quoted before it,
        // may hold the words too.
        let expected = text.rsplit_once("expected ").map_or("another type", |(_, expected)| expected);
        BadMetadata(format!("a member has the wrong type (expected {expected})"))
    })
}

/// A body that is not client metadata: `invalid_client_metadata` (RFC
/// 7591 §3.2.2), and why.
struct BadMetadata(String);

impl BadMetadata {
    fn response(&self) -> HttpResponse {
        json_error(StatusCode::BAD_REQUEST, "invalid_client_metadata", &self.0)
    }
}

/// The answer to a failure: RFC 7591 §3.2.2 (400), RFC 6750 §3.1 (401),
/// 429 with `Retry-After`, or the store's error as elsewhere.
fn refuse(failure: RegistrationFailure) -> HttpResponse {
    match failure {
        RegistrationFailure::Refused(RegistrationRefused { code, member, reason }) => {
            json_error(StatusCode::BAD_REQUEST, code.as_str(), &format!("`{member}`: {reason}"))
        }
        RegistrationFailure::InvalidToken => {
            let mut response = json_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the access token is missing, unknown, spent or not for this client",
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
            response
        }
        RegistrationFailure::Throttled { retry_after_secs } => json_error_retry_after(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "too many registrations from this address; try again later",
            retry_after_secs,
        ),
        RegistrationFailure::Full => json_error_retry_after(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "no more clients can register now; ask the operator",
            3600,
        ),
        RegistrationFailure::Storage(error) => {
            actix_web::ResponseError::error_response(&ApiError(error.into()))
        }
        RegistrationFailure::Random(error) => {
            actix_web::ResponseError::error_response(&ApiError(OAuthError::ServerError(Box::new(error))))
        }
    }
}

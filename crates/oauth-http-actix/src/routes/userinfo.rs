//! `GET`/`POST /userinfo` (OIDC Core §5.3), a protected resource: the access
//! token comes as a Bearer token (RFC 6750 §2.1, or §2.2 in a posted form),
//! failures are answered in `WWW-Authenticate` (RFC 6750 §3).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::service::userinfo::{UserInfo, UserinfoFailure};
use serde::Serialize;

use super::client_form::{allow, allow_origin, origin_of};
use crate::error::json_error;
use crate::state::AppState;

/// OIDC Core §5.3.2 with the §5.1 claim names.
#[derive(Serialize)]
struct UserinfoBody<'a> {
    sub: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

/// How the request presented its token.
enum Presented {
    Token(String),
    /// RFC 6750 §3.1: no credentials at all: a bare challenge, no error code.
    Nothing,
    /// Malformed, or more than one method (RFC 6750 §2).
    Invalid(&'static str),
}

/// `GET /userinfo`.
pub(crate) async fn userinfo_get(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let presented = bearer_header(&request);
    answer(&request, &state, presented).await
}

/// `POST /userinfo`: the header, or an `access_token` form field — not both.
pub(crate) async fn userinfo_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> HttpResponse {
    let in_form = if body.is_empty() {
        Ok(String::new())
    } else {
        crate::params::form(&request, &body)
            .map(|form| form.get("access_token").unwrap_or_default().to_owned())
    };
    let presented = match (bearer_header(&request), in_form) {
        (_, Err(_)) => Presented::Invalid("the body must be a form that sends each parameter at most once"),
        (Presented::Token(_), Ok(field)) if !field.is_empty() => {
            Presented::Invalid("the access token was sent more than one way")
        }
        (Presented::Nothing, Ok(field)) if !field.is_empty() => Presented::Token(field),
        (header, Ok(_)) => header,
    };
    answer(&request, &state, presented).await
}

/// `OPTIONS /userinfo`: a CORS preflight.
pub(crate) async fn preflight(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    super::client_form::preflight(&request, &state, "GET, POST").await
}

async fn answer(request: &HttpRequest, state: &AppState, presented: Presented) -> HttpResponse {
    let presented = if has_query_token(request) {
        Presented::Invalid("send the access token in the Authorization header, never in the URL")
    } else {
        presented
    };
    let mut response = match presented {
        Presented::Token(token) => match state.userinfo.userinfo(&token).await {
            Ok(info) => {
                let mut response = success(&info);
                allow_origin(request, &info.client, &mut response);
                return response;
            }
            Err(UserinfoFailure::InvalidToken) => challenge(
                StatusCode::UNAUTHORIZED,
                Some("invalid_token"),
                "the access token is invalid, expired or revoked",
            ),
            Err(UserinfoFailure::InsufficientScope) => challenge(
                StatusCode::FORBIDDEN,
                Some("insufficient_scope"),
                "the access token was not granted the openid scope",
            ),
            Err(UserinfoFailure::Server(error)) => {
                actix_web::ResponseError::error_response(&crate::error::ApiError(error))
            }
        },
        Presented::Nothing => challenge(StatusCode::UNAUTHORIZED, None, "an access token is required"),
        Presented::Invalid(why) => challenge(StatusCode::BAD_REQUEST, Some("invalid_request"), why),
    };
    // Error answers hold nothing secret: any registered origin may read them.
    if let Some(origin) = origin_of(request)
        && state.cors.origin_registered(origin).await.unwrap_or(false)
        && allow(&mut response, origin)
    {
        response
            .headers_mut()
            .insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("WWW-Authenticate"));
    }
    response
}

fn success(info: &UserInfo) -> HttpResponse {
    let body = UserinfoBody {
        sub: &info.sub,
        email: info.email.as_ref().map(|(email, _)| email.as_str()),
        email_verified: info.email.as_ref().map(|(_, verified)| *verified),
        name: info.name.as_deref(),
    };
    super::uncached_ok().json(body)
}

/// RFC 6750 §3: the challenge, and the same error as JSON for humans.
fn challenge(status: StatusCode, error: Option<&str>, description: &str) -> HttpResponse {
    let value = match error {
        Some(code) => format!("Bearer error=\"{code}\", error_description=\"{description}\""),
        None => "Bearer".to_owned(),
    };
    let mut response = json_error(status, error.unwrap_or("invalid_request"), description);
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// RFC 6750 §2.1: `Authorization: Bearer <token>` (scheme case-insensitive).
fn bearer_header(request: &HttpRequest) -> Presented {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else { return Presented::Nothing };
    let malformed = Presented::Invalid("the Authorization header must be Bearer <token>");
    let Ok(text) = value.to_str() else { return malformed };
    match text.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Presented::Token(token.trim().to_owned())
        }
        _ => malformed,
    }
}

/// RFC 6750 §2.3 tokens in the URI end up in logs and history: refused.
fn has_query_token(request: &HttpRequest) -> bool {
    url::form_urlencoded::parse(request.query_string().as_bytes()).any(|(key, _)| key == "access_token")
}

//! `GET`/`POST /userinfo` (OIDC Core §5.3), a protected resource: the access
//! token comes as a Bearer token (RFC 6750 §2.1, or §2.2 in a posted form)
//! or, bound to a key, as a DPoP token with its proof (RFC 9449 §7.1);
//! failures are answered in `WWW-Authenticate` (RFC 6750 §3, RFC 9449 §7.1).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::service::userinfo::{UserInfo, UserinfoFailure};
use serde::Serialize;

use oauth_core::discovery::USERINFO_PATH;

use super::client_form::{allow, allow_origin, origin_of};
use super::dpop;
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
    /// RFC 9449 §7.1: `Authorization: DPoP <token>`.
    Dpop(String),
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
        (Presented::Token(_) | Presented::Dpop(_), Ok(field)) if !field.is_empty() => {
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
    let scheme = match &presented {
        Presented::Dpop(_) => Scheme::Dpop,
        _ => Scheme::Bearer,
    };
    let answered = match presented {
        Presented::Token(token) => state.userinfo.userinfo(&token).await,
        Presented::Dpop(token) => {
            match dpop::proof_of(request, dpop::method_of(request), &state.issuer, USERINFO_PATH) {
                Ok(proof) => state.userinfo.userinfo_with_proof(&token, proof.as_ref()).await,
                Err(error) => Err(UserinfoFailure::InvalidProof(error.description().into_owned().into())),
            }
        }
        Presented::Nothing => {
            let mut response = challenge(StatusCode::UNAUTHORIZED, None, "an access token is required");
            // RFC 9449 §7.1: both schemes are accepted; say so.
            if let Ok(value) = HeaderValue::from_str(&dpop_challenge(None)) {
                response.headers_mut().append(header::WWW_AUTHENTICATE, value);
            }
            return readable(request, state, response).await;
        }
        Presented::Invalid(why) => {
            let response = challenge(StatusCode::BAD_REQUEST, Some("invalid_request"), why);
            return readable(request, state, response).await;
        }
    };
    let mut response = match answered {
        Ok(info) => {
            let mut response = success(&info);
            allow_origin(request, &info.client, &mut response);
            dpop::offer_nonce(&mut response, state.token.fresh_nonce());
            return response;
        }
        Err(failure) => refusal(failure, scheme),
    };
    dpop::offer_nonce(&mut response, state.token.fresh_nonce());
    readable(request, state, response).await
}

/// Which scheme the token came with: its refusals are challenged in it.
#[derive(Clone, Copy)]
enum Scheme {
    Bearer,
    Dpop,
}

/// RFC 6750 §3 and RFC 9449 §7.1: the refusal and its challenge.
fn refusal(failure: UserinfoFailure, scheme: Scheme) -> HttpResponse {
    let (status, error, description) = match failure {
        UserinfoFailure::InvalidToken => {
            (StatusCode::UNAUTHORIZED, "invalid_token", "the access token is invalid, expired or revoked")
        }
        UserinfoFailure::InsufficientScope => {
            (StatusCode::FORBIDDEN, "insufficient_scope", "the access token was not granted the openid scope")
        }
        // RFC 9449 §7.2: a bound token sent as Bearer is challenged with DPoP.
        UserinfoFailure::DpopRequired => {
            return dpop_refusal(
                "invalid_token",
                "the access token is bound to a key: send it as DPoP with a proof",
            );
        }
        UserinfoFailure::InvalidProof(why) => return dpop_refusal("invalid_dpop_proof", &why),
        UserinfoFailure::UseNonce => {
            return dpop_refusal("use_dpop_nonce", "send the proof again with the nonce of DPoP-Nonce");
        }
        UserinfoFailure::Server(error) => {
            return actix_web::ResponseError::error_response(&crate::error::ApiError(error));
        }
    };
    match scheme {
        Scheme::Bearer => challenge(status, Some(error), description),
        Scheme::Dpop => {
            let mut response = json_error(status, error, description);
            if let Ok(value) = HeaderValue::from_str(&dpop_challenge(Some((error, description)))) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
            }
            response
        }
    }
}

/// A 401 challenged in the DPoP scheme (RFC 9449 §7.1).
fn dpop_refusal(error: &str, description: &str) -> HttpResponse {
    let mut response = json_error(StatusCode::UNAUTHORIZED, error, description);
    if let Ok(value) = HeaderValue::from_str(&dpop_challenge(Some((error, description)))) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

/// RFC 9449 §7.1: `DPoP algs="…"`, with the error when there is one.
fn dpop_challenge(error: Option<(&str, &str)>) -> String {
    let algs = oauth_core::dpop::PROOF_SIGNING_ALGS.join(" ");
    match error {
        Some((code, description)) => {
            format!("DPoP error=\"{code}\", error_description=\"{description}\", algs=\"{algs}\"")
        }
        None => format!("DPoP algs=\"{algs}\""),
    }
}

/// Error answers hold nothing secret: any registered origin may read them.
async fn readable(request: &HttpRequest, state: &AppState, mut response: HttpResponse) -> HttpResponse {
    if let Some(origin) = origin_of(request)
        && state.cors.origin_registered(origin).await.unwrap_or(false)
    {
        allow(&mut response, origin);
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

/// RFC 6750 §2.1 `Authorization: Bearer <token>` or RFC 9449 §7.1
/// `Authorization: DPoP <token>` (schemes case-insensitive).
fn bearer_header(request: &HttpRequest) -> Presented {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else { return Presented::Nothing };
    let malformed = Presented::Invalid("the Authorization header must be Bearer <token> or DPoP <token>");
    let Ok(text) = value.to_str() else { return malformed };
    match text.split_once(' ') {
        Some((_, token)) if token.trim().is_empty() => malformed,
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
            Presented::Token(token.trim().to_owned())
        }
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("dpop") => {
            Presented::Dpop(token.trim().to_owned())
        }
        _ => malformed,
    }
}

/// RFC 6750 §2.3 tokens in the URI end up in logs and history: refused.
fn has_query_token(request: &HttpRequest) -> bool {
    url::form_urlencoded::parse(request.query_string().as_bytes()).any(|(key, _)| key == "access_token")
}

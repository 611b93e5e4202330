//! `POST /oauth/token` (RFC 6749 §3.2): form in, JSON out, never cached.
//! Client authentication is read here (Basic header or form fields) and
//! judged by the core; the grants are the core's.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oauth_core::OAuthError;
use oauth_core::client::Client;
use oauth_core::client_auth::identify;
use oauth_core::service::token::{TokenFailure, TokenParams};
use oauth_core::token::TokenResponse;
use serde::Serialize;

use crate::browser::FormFields;
use crate::error::{ApiError, json_error};
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
    let basic = match basic_credentials(&request) {
        Ok(basic) => basic,
        Err(error) => return refuse(error, true),
    };
    let tried_basic = basic.is_some();
    let fields = match FormFields::parse(&request, &body) {
        Ok(fields) => fields,
        Err(problem) => return refuse(OAuthError::InvalidRequest(problem.into()), tried_basic),
    };
    let read = || -> Result<(TokenParams, Option<String>, Option<String>), String> {
        let field = |name: &str| fields.get(name).map(|value| Some(value).filter(|v| !v.is_empty()));
        let params = TokenParams {
            grant_type: field("grant_type")?,
            code: field("code")?,
            redirect_uri: field("redirect_uri")?,
            code_verifier: field("code_verifier")?,
            refresh_token: field("refresh_token")?,
            scope: field("scope")?,
        };
        Ok((params, field("client_id")?, field("client_secret")?))
    };
    // RFC 6749 §3.2: parameters must not repeat.
    let (params, body_id, body_secret) = match read() {
        Ok(parts) => parts,
        Err(problem) => return refuse(OAuthError::InvalidRequest(problem.into()), tried_basic),
    };
    let credentials = match identify(basic, body_id.as_deref(), body_secret.as_deref()) {
        Ok(credentials) => credentials,
        Err(error) => return refuse(error, tried_basic),
    };
    let client_id = credentials.client_id.clone();
    let mut response = answer(&request, &state, &credentials, params).await;
    if response.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none()
        && let Some(origin) = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && state.tokens.origin_allowed_for(&client_id, origin).await
        && let Ok(value) = HeaderValue::from_str(origin)
    {
        // A browser client must be able to read why it was refused (e.g. a revoked refresh token).
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

async fn answer(
    request: &HttpRequest,
    state: &AppState,
    credentials: &oauth_core::client_auth::PresentedCredentials,
    params: TokenParams,
) -> HttpResponse {
    let tried_basic = credentials.method == oauth_core::client::AuthMethod::ClientSecretBasic;
    let address = crate::browser::client_address(request, &state.trusted_proxies);
    match state.tokens.token(credentials, params, &address).await {
        Ok(granted) => {
            let mut response = success(&granted.response);
            allow_origin(request, &granted.client, &mut response);
            response
        }
        Err(TokenFailure::Refused(error)) => refuse(error, tried_basic),
        Err(TokenFailure::ClientThrottled) => {
            let mut response = json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "invalid_client",
                "too many failed client authentications; try again later",
            );
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            response
        }
    }
}

/// `OPTIONS /oauth/token`: a CORS preflight, answered with permission only
/// for an origin some client registered.
pub(crate) async fn preflight(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mut response = HttpResponse::NoContent().finish();
    let Some(origin) = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return response;
    };
    if state.tokens.origin_registered(origin).await.unwrap_or(false)
        && let Ok(value) = HeaderValue::from_str(origin)
    {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

fn success(response: &TokenResponse) -> HttpResponse {
    let body = TokenBody {
        access_token: &response.access_token,
        token_type: "Bearer",
        expires_in: response.expires_in,
        scope: &response.scope,
        id_token: response.id_token.as_deref(),
        refresh_token: response.refresh_token.as_ref().map(oauth_core::refresh::RefreshToken::expose),
    };
    // RFC 6749 §5.1: tokens are never cached.
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .json(body)
}

/// The response's CORS permission: only the authenticated client's own origins.
fn allow_origin(request: &HttpRequest, client: &Client, response: &mut HttpResponse) {
    let Some(origin) = request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return };
    if client.allows_origin(origin)
        && let Ok(value) = HeaderValue::from_str(origin)
    {
        response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// An RFC 6749 §5.2 error; `invalid_client` after a Basic attempt carries the challenge.
fn refuse(error: OAuthError, tried_basic: bool) -> HttpResponse {
    let challenge = matches!(error, OAuthError::InvalidClient(_)) && tried_basic;
    let mut response = actix_web::ResponseError::error_response(&ApiError(error));
    if challenge {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"token\", charset=\"UTF-8\""),
        );
    }
    response
}

/// RFC 6749 §2.3.1: `Authorization: Basic base64(id ":" secret)`, where id and
/// secret were each form-encoded before joining. `None` without the header.
fn basic_credentials(request: &HttpRequest) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else { return Ok(None) };
    let malformed = || OAuthError::InvalidClient("malformed Basic credentials".into());
    let text = value.to_str().map_err(|_| malformed())?;
    let Some((scheme, encoded)) = text.split_once(' ') else { return Err(malformed()) };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(malformed());
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| malformed())?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(malformed)?;
    let form_decode = |part: &str| -> String {
        url::form_urlencoded::parse(format!("x={part}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((form_decode(id), form_decode(secret))))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%20client:p%3Ass+word"));
        let request = TestRequest::default().insert_header((header::AUTHORIZATION, header)).to_http_request();
        assert_eq!(basic_credentials(&request).unwrap(), Some(("my client".into(), "p:ss word".into())));
        for bad in ["Basic !!!", "Bearer abc", "Basic", &format!("Basic {}", STANDARD.encode("no-colon"))] {
            let request =
                TestRequest::default().insert_header((header::AUTHORIZATION, bad)).to_http_request();
            assert_eq!(basic_credentials(&request).unwrap_err().code(), "invalid_client", "{bad}");
        }
    }
}

//! What the token, introspection and revocation endpoints share: a form
//! posted by a client that authenticates (RFC 6749 §2.3.1, §3.2; RFC 7662
//! §2.1; RFC 7009 §2.1), its error answers and its CORS headers.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use oauth_core::OAuthError;
use oauth_core::client::{AuthMethod, Client};
use oauth_core::client_auth::{PresentedCredentials, identify};
use oauth_core::request_params::RequestParams;
use oauth_core::service::token::TokenFailure;
use oauth_core::throttle::CLIENT_WINDOW;

use crate::error::{ApiError, json_error_retry_after};
use crate::params::form_pairs;
use crate::state::AppState;

/// The form and the credentials it (or its Basic header) presented.
pub(crate) struct ClientForm {
    params: RequestParams,
    pub credentials: PresentedCredentials,
}

impl ClientForm {
    /// Reads the form and the client's credentials; a malformed request (a
    /// repeated parameter among them, RFC 6749 §3.1) is refused before any
    /// client is looked up.
    pub(crate) fn read(request: &HttpRequest, body: &[u8]) -> Result<Self, Refusal> {
        let basic = basic_credentials(request).map_err(|error| Refusal {
            error,
            tried_basic: true,
            client_id: None,
        })?;
        let tried_basic = basic.is_some();
        let pairs =
            form_pairs(request, body).map_err(|error| Refusal { error, tried_basic, client_id: None })?;
        let params = RequestParams::parse(pairs).map_err(|repeated| {
            let client_id = match &basic {
                Some((id, _)) => Some(id.clone()),
                None => repeated.sent_once("client_id").map(str::to_owned),
            };
            Refusal { error: repeated.into(), tried_basic, client_id }
        })?;
        let credentials = match (params.value("client_assertion_type"), params.value("client_assertion")) {
            // RFC 7523 §2.2: the client is named by the assertion itself.
            (Some(assertion_type), Some(assertion)) => PresentedCredentials::asserted(
                params.value("client_id"),
                unverified_subject(assertion).as_deref(),
                assertion_type,
                assertion,
                tried_basic || params.value("client_secret").is_some(),
            ),
            // RFC 7521 §4.2: the two come together, or not at all.
            (Some(_), None) | (None, Some(_)) => Err(OAuthError::InvalidRequest(
                "client_assertion and client_assertion_type must be sent together".into(),
            )),
            (None, None) => identify(basic, params.value("client_id"), params.value("client_secret")),
        }
        .map_err(|error| Refusal { error, tried_basic, client_id: None })?;
        Ok(Self { params, credentials })
    }

    /// A field, `None` when absent or empty.
    pub(crate) fn field(&self, name: &str) -> Option<String> {
        self.params.value(name).map(str::to_owned)
    }

    /// Every pair of the form, in the order received.
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        self.params.iter().map(|(name, value)| (name.to_owned(), value.to_owned())).collect()
    }

    /// Every non-empty value of a repeatable field (RFC 8707 §2 `resource`).
    pub(crate) fn values(&self, name: &str) -> Vec<String> {
        self.params.values(name).map(str::to_owned).collect()
    }

    /// Whether the client tried Basic authentication (its 401 carries the challenge).
    pub(crate) fn tried_basic(&self) -> bool {
        self.credentials.method == AuthMethod::ClientSecretBasic
    }

    /// The answer to a failure of the core's service.
    pub(crate) fn failure(&self, failure: TokenFailure) -> HttpResponse {
        match failure {
            TokenFailure::Refused(error) => refuse(error, self.tried_basic()),
            TokenFailure::ClientThrottled => json_error_retry_after(
                StatusCode::TOO_MANY_REQUESTS,
                "invalid_client",
                "too many failed client authentications; try again later",
                CLIENT_WINDOW.whole_seconds().unsigned_abs(),
            ),
        }
    }
}

/// A request refused before authentication.
pub(crate) struct Refusal {
    error: OAuthError,
    tried_basic: bool,
    /// The client a request with a repeated parameter named, whose browser
    /// may read why it was refused.
    client_id: Option<String>,
}

impl Refusal {
    pub(crate) fn response(self) -> HttpResponse {
        refuse(self.error, self.tried_basic)
    }

    /// The refusal, readable from the named client's registered origins
    /// (endpoints that browser clients call: token, revocation).
    pub(crate) async fn response_with_cors(self, request: &HttpRequest, state: &AppState) -> HttpResponse {
        let client_id = self.client_id.clone();
        let mut response = self.response();
        if let Some(client_id) = client_id {
            allow_origin_on_error(request, state, &client_id, &mut response).await;
        }
        response
    }
}

/// An RFC 6749 §5.2 error; `invalid_client` after a Basic attempt carries the challenge.
pub(crate) fn refuse(error: OAuthError, tried_basic: bool) -> HttpResponse {
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

/// The request's `Origin`, if it sent one.
pub(crate) fn origin_of(request: &HttpRequest) -> Option<&str> {
    request.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

/// Lets `origin` read this response (CORS), varying caches by origin.
/// Returns whether it was allowed (an origin that is no header value is not).
pub(crate) fn allow(response: &mut HttpResponse, origin: &str) -> bool {
    let Ok(value) = HeaderValue::from_str(origin) else { return false };
    response.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
    // RFC 6750 §3 challenges and RFC 9449 §8 nonces are for the client to read.
    response.headers_mut().insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("WWW-Authenticate, DPoP-Nonce"),
    );
    true
}

/// The response's CORS permission: only the authenticated client's own origins.
pub(crate) fn allow_origin(request: &HttpRequest, client: &Client, response: &mut HttpResponse) {
    if let Some(origin) = origin_of(request)
        && client.allows_origin(origin)
    {
        allow(response, origin);
    }
}

/// An error answer a browser client may read when the client it named
/// registered the origin (an error body holds nothing the client did not send).
pub(crate) async fn allow_origin_on_error(
    request: &HttpRequest,
    state: &AppState,
    client_id: &str,
    response: &mut HttpResponse,
) {
    if response.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none()
        && let Some(origin) = origin_of(request)
        && state.cors.origin_allowed_for(client_id, origin).await
    {
        allow(response, origin);
    }
}

/// A CORS preflight, answered with permission only for an origin some client
/// registered (a preflight names no client).
pub(crate) async fn preflight(
    request: &HttpRequest,
    state: &AppState,
    methods: &'static str,
) -> HttpResponse {
    let mut response = HttpResponse::NoContent().finish();
    let Some(origin) = origin_of(request) else { return response };
    if state.cors.origin_registered(origin).await.unwrap_or(false) && allow(&mut response, origin) {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(methods));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            // RFC 9449 §4.1: browser clients send their proofs in `DPoP`.
            HeaderValue::from_static("authorization, content-type, dpop"),
        );
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
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

/// The `sub` an assertion claims, read without checking anything: only to
/// know which client's keys to check it with (RFC 7523 §3 item 2: `sub`
/// is the client's id). The core checks the signature and every claim.
fn unverified_subject(assertion: &str) -> Option<String> {
    use base64::Engine as _;
    if assertion.len() > oauth_core::client_assertion::MAX_ASSERTION_LEN {
        return None;
    }
    let payload = assertion.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
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

//! The `DPoP` request header (RFC 9449 §4.1) and the `DPoP-Nonce` answer
//! header (§8), for every endpoint that takes proofs.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use oauth_core::OAuthError;
use oauth_core::service::dpop::PresentedProof;

/// The request header that carries a proof.
pub(crate) const DPOP: HeaderName = HeaderName::from_static("dpop");

/// The answer header that carries a server nonce.
pub(crate) const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");

/// The proof the request sent for `method` at our endpoint `path`, if any.
/// RFC 9449 §4.3 step 1: one `DPoP` header, no more.
pub(crate) fn proof_of(
    request: &HttpRequest,
    method: &'static str,
    issuer: &str,
    path: &str,
) -> Result<Option<PresentedProof>, OAuthError> {
    let mut values = request.headers().get_all(DPOP);
    let Some(first) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(OAuthError::InvalidDpopProof("send exactly one DPoP header".into()));
    }
    let proof = first
        .to_str()
        .map_err(|_| OAuthError::InvalidDpopProof("the DPoP header is not a JWT".into()))?
        .trim()
        .to_owned();
    Ok(Some(PresentedProof { proof, method, url: format!("{issuer}{path}") }))
}

/// The request's method as a proof's `htm` must state it, for the methods
/// our proof-taking endpoints answer.
pub(crate) fn method_of(request: &HttpRequest) -> &'static str {
    if request.method() == actix_web::http::Method::GET { "GET" } else { "POST" }
}

/// Adds a fresh `DPoP-Nonce`, when nonces are on (§8.2: with any answer).
pub(crate) fn offer_nonce(response: &mut HttpResponse, nonce: Option<String>) {
    if let Some(value) = nonce.and_then(|nonce| HeaderValue::from_str(&nonce).ok()) {
        response.headers_mut().insert(DPOP_NONCE, value);
    }
}

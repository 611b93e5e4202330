//! What resource servers and client libraries fetch first: the JWK Set
//! (RFC 7517) and the metadata documents (OIDC Discovery §4, RFC 8414 §3).
//! Public, cacheable, with an `ETag` answered by 304.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use crate::error::json_error;
use crate::state::AppState;

/// `GET /jwks.json` and `GET /.well-known/jwks.json`.
pub(crate) async fn jwks(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    match state.keys.published().await {
        Ok(published) => {
            cacheable(&request, &published.json, &published.etag, state.publication.jwks_max_age)
        }
        Err(error) => {
            tracing::error!(error = %error, "key set unavailable");
            json_error(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "temporarily_unavailable",
                "the key set is unavailable; try again",
            )
        }
    }
}

/// `GET /.well-known/openid-configuration` and the RFC 8414 document.
pub(crate) async fn metadata(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let publication = &state.publication;
    cacheable(&request, &publication.metadata, &publication.metadata_etag, publication.metadata_max_age)
}

/// A public JSON document with `Cache-Control: public, max-age` and an
/// `ETag`; a matching `If-None-Match` gets 304 with no body.
fn cacheable(request: &HttpRequest, json: &str, etag: &str, max_age: u32) -> HttpResponse {
    let cache = format!("public, max-age={max_age}");
    let matches = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|candidate| candidate.trim() == etag || candidate.trim() == "*");
    let mut builder = if matches { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    if let Ok(value) = HeaderValue::from_str(&cache) {
        builder.insert_header((header::CACHE_CONTROL, value));
    }
    if let Ok(value) = HeaderValue::from_str(etag) {
        builder.insert_header((header::ETAG, value));
    }
    // Readable by browser-based relying parties and verifiers (OIDC Discovery §4).
    builder.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")));
    if matches { builder.finish() } else { builder.content_type("application/json").body(json.to_owned()) }
}

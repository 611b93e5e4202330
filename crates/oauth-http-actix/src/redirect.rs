//! The answer to the client at its redirect URI (RFC 6749 §4.1.2, §4.1.2.1),
//! always with `iss` (RFC 9207) and `state` byte for byte, and never cached.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use oauth_core::service::authorize::AuthorizationResponse;

/// Redirects to the client. `status` is 302 after a GET and 303 after a form
/// POST (RFC 9700 §4.12: never 307, which would repost the credentials).
/// Parameters are appended to any query the registered URI already has.
pub(crate) fn to_client(response: &AuthorizationResponse, issuer: &str, status: StatusCode) -> HttpResponse {
    let (redirect_uri, mut pairs): (&str, Vec<(&str, String)>) = match response {
        AuthorizationResponse::Code { redirect_uri, code, state } => {
            let mut pairs = vec![("code", code.expose().to_owned())];
            pairs.extend(state.clone().map(|state| ("state", state)));
            (redirect_uri, pairs)
        }
        AuthorizationResponse::Error(error) => {
            crate::error::log_cause(&error.error);
            let mut pairs = vec![
                ("error", error.error.code().to_owned()),
                ("error_description", leak_free(&error.error.description()).to_owned()),
            ];
            pairs.extend(error.state.clone().map(|state| ("state", state)));
            (&error.redirect_uri, pairs)
        }
    };
    pairs.push(("iss", issuer.to_owned()));
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        // Registration parsed it; a stored URI that no longer parses is our bug.
        tracing::error!("a registered redirect URI does not parse");
        return HttpResponse::InternalServerError().finish();
    };
    url.query_pairs_mut().extend_pairs(pairs);
    let mut builder = HttpResponse::build(status);
    builder.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    match HeaderValue::from_str(url.as_str()) {
        Ok(location) => builder.insert_header((header::LOCATION, location)).finish(),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

/// `error_description` may hold only printable ASCII except `"` and `\`
/// (RFC 6749 §4.1.2.1); anything else is dropped.
fn leak_free(description: &str) -> &str {
    if description.bytes().all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\') {
        description
    } else {
        "the request was refused"
    }
}

#[cfg(test)]
mod tests {
    use oauth_core::OAuthError;
    use oauth_core::authorization_request::RedirectError;

    use super::*;

    fn location(response: &HttpResponse) -> url::Url {
        url::Url::parse(response.headers().get(header::LOCATION).unwrap().to_str().unwrap()).unwrap()
    }

    #[test]
    fn errors_keep_the_registered_query_and_carry_state_and_iss() {
        let error = AuthorizationResponse::Error(RedirectError {
            redirect_uri: "https://rp.example/cb?tenant=7".into(),
            state: Some("a b&c=d é".into()),
            error: OAuthError::InvalidScope("scope \"x\" is unknown".into()),
        });
        let response = to_client(&error, "https://id.example", StatusCode::FOUND);
        assert_eq!(response.status(), StatusCode::FOUND);
        let url = location(&response);
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(pairs[0], ("tenant".into(), "7".into()));
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(get("error"), Some("invalid_scope"));
        assert_eq!(get("state"), Some("a b&c=d é"), "state byte for byte");
        assert_eq!(get("iss"), Some("https://id.example"));
        assert_eq!(get("error_description"), Some("the request was refused"), "quotes are not allowed");
    }
}

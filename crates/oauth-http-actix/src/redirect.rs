//! Every redirect we answer with, never cached: to the client at its redirect
//! URI (RFC 6749 §4.1.2, §4.1.2.1, always with `iss` (RFC 9207) and `state`
//! byte for byte), to one of our own pages, or to a place the core verified.

use std::borrow::Borrow;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use oauth_core::service::authorize::AuthorizationResponse;
use url::{Position, Url};

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
    let Ok(mut url) = Url::parse(redirect_uri) else {
        // Registration parsed it; a stored URI that no longer parses is our bug.
        tracing::error!("a registered redirect URI does not parse");
        return HttpResponse::InternalServerError().finish();
    };
    url.query_pairs_mut().extend_pairs(pairs);
    to_location(status, url.as_str())
}

/// The URL of one of our own endpoints: `path` below the issuer's path, with
/// `pairs` as its query. `None` only if the issuer does not parse, which
/// configuration refuses at start-up.
pub(crate) fn own_url<I, K, V>(issuer: &str, path: &str, pairs: I) -> Option<Url>
where
    I: IntoIterator,
    I::Item: Borrow<(K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut url = Url::parse(issuer).ok()?;
    url.path_segments_mut().ok()?.pop_if_empty().extend(path.split('/').filter(|s| !s.is_empty()));
    url.set_fragment(None);
    url.set_query(None);
    url.query_pairs_mut().extend_pairs(pairs);
    Some(url)
}

/// A 303 to one of our own URLs (see [`own_url`]), written as a path and
/// query only (RFC 9110 §10.2.2 allows a relative reference): the browser
/// stays on the origin it used.
pub(crate) fn see_other_own(url: Option<Url>) -> HttpResponse {
    let Some(url) = url else {
        tracing::error!("the issuer does not parse as a URL");
        return HttpResponse::InternalServerError().finish();
    };
    to_location(StatusCode::SEE_OTHER, &url[Position::BeforePath..])
}

/// A redirect to `location` (already verified or built by us), never cached.
pub(crate) fn to_location(status: StatusCode, location: &str) -> HttpResponse {
    let mut builder = HttpResponse::build(status);
    builder.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    match HeaderValue::from_str(location) {
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

    fn location(response: &HttpResponse) -> Url {
        Url::parse(response.headers().get(header::LOCATION).unwrap().to_str().unwrap()).unwrap()
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

    #[test]
    fn our_own_pages_are_below_the_issuer_path_with_an_encoded_query() {
        // (issuer, path, query pairs, Location)
        let rows = [
            ("http://127.0.0.1:8080", "/consent", vec![("request", "a&b=c")], "/consent?request=a%26b%3Dc"),
            ("https://id.example/tenant/", "/consent", vec![("request", "r")], "/tenant/consent?request=r"),
            (
                "https://id.example/tenant",
                "/oauth/authorize",
                vec![("x", "é y")],
                "/tenant/oauth/authorize?x=%C3%A9+y",
            ),
        ];
        for (issuer, path, pairs, expected) in rows {
            let response = see_other_own(own_url(issuer, path, pairs));
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{issuer}");
            assert_eq!(response.headers().get(header::LOCATION).unwrap(), expected, "{issuer}");
            assert_eq!(response.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
        }
    }
}

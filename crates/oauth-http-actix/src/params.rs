//! Request parameters off the wire: a query string or an
//! `application/x-www-form-urlencoded` body decoded into pairs. Whether the
//! pairs make a request (no name twice, RFC 6749 §3.1) is decided by the
//! core's `RequestParams`; this module only decodes.

use actix_web::HttpRequest;
use actix_web::http::header;
use oauth_core::OAuthError;
use oauth_core::request_params::RequestParams;

/// Longer queries are refused before decoding; no legitimate request needs
/// this much. Bodies are bounded by the routes' payload limit.
pub(crate) const MAX_QUERY_LEN: usize = 8 * 1024;

/// The decoded pairs of the request's query, repeats included.
pub(crate) fn query_pairs(request: &HttpRequest) -> Vec<(String, String)> {
    url::form_urlencoded::parse(request.query_string().as_bytes()).into_owned().collect()
}

/// The parameters of the request's query.
pub(crate) fn query(request: &HttpRequest) -> Result<RequestParams, OAuthError> {
    Ok(RequestParams::parse(query_pairs(request))?)
}

/// The decoded pairs of a form body, repeats included; a body of any other
/// type is refused.
pub(crate) fn form_pairs(request: &HttpRequest, body: &[u8]) -> Result<Vec<(String, String)>, OAuthError> {
    let content_type = request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let is_form = content_type.is_some_and(|value| {
        value
            .split(';')
            .next()
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
    });
    if !is_form {
        return Err(OAuthError::InvalidRequest(
            "the request must be sent as application/x-www-form-urlencoded".into(),
        ));
    }
    Ok(url::form_urlencoded::parse(body).into_owned().collect())
}

/// The parameters of a form body.
pub(crate) fn form(request: &HttpRequest, body: &[u8]) -> Result<RequestParams, OAuthError> {
    Ok(RequestParams::parse(form_pairs(request, body)?)?)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn forms_must_be_urlencoded_and_parameters_single() {
        let request =
            TestRequest::post().insert_header((header::CONTENT_TYPE, "application/json")).to_http_request();
        assert_eq!(form(&request, b"a=1").unwrap_err().code(), "invalid_request");
        let request = TestRequest::post()
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded; charset=utf-8"))
            .to_http_request();
        assert_eq!(form(&request, b"a=1&b=x+y").unwrap().get("b"), Some("x y"));
        let repeated = form(&request, b"a=1&b=x+y&a=2").unwrap_err();
        assert_eq!(repeated.description(), "a appears more than once");
        assert_eq!(form_pairs(&request, b"a=1&a=2").unwrap().len(), 2, "pairs are only decoded");
    }

    #[test]
    fn queries_are_decoded_and_parameters_single() {
        let request = TestRequest::get().uri("/consent?request=r%2B1&client_id=c").to_http_request();
        assert_eq!(query(&request).unwrap().get("request"), Some("r+1"));
        let request = TestRequest::get().uri("/consent?request=a&request=b").to_http_request();
        assert_eq!(query(&request).unwrap_err().description(), "request appears more than once");
    }
}

//! The HTML pages (tera, `templates/`, compiled into the binary) and the
//! headers every page carries: no caching, no framing, no external anything.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use oauth_core::service::authorize::{
    ApiLine, ConsentPage, Interaction, LoginFailure, LoginPage, ScopeLine, StartAgain,
};
use serde::Serialize;
use tera::{Context, Tera};

use crate::middleware::request_id::RequestId;

mod account;
mod device;

/// SECURITY: inline styles only, no scripts, no framing (RFC 9700 §4.16), and
/// deliberately no `form-action`: Chromium applies it to the redirect that
/// follows the consent POST, which goes to the client's origin.
const PAGE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../../templates/base.html")),
    ("login.html", include_str!("../../../templates/login.html")),
    ("consent.html", include_str!("../../../templates/consent.html")),
    ("error.html", include_str!("../../../templates/error.html")),
    ("logout.html", include_str!("../../../templates/logout.html")),
    ("device.html", include_str!("../../../templates/device.html")),
    ("device_login.html", include_str!("../../../templates/device_login.html")),
    ("device_consent.html", include_str!("../../../templates/device_consent.html")),
    ("device_done.html", include_str!("../../../templates/device_done.html")),
    ("account.html", include_str!("../../../templates/account.html")),
    ("account_login.html", include_str!("../../../templates/account_login.html")),
];

/// The page renderer. Form actions are relative to the issuer's path, so an
/// issuer such as `https://example.com/auth` posts to `/auth/login`.
#[derive(Debug)]
pub struct Pages {
    tera: Tera,
    base_path: String,
}

/// A template failed to parse: a bug caught at start-up, not at the first login.
#[derive(Debug, thiserror::Error)]
#[error("cannot load the page templates: {0}")]
pub struct PagesError(String);

/// What the error page says.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ErrorKind {
    /// The client or redirect URI is not verified (or the request is malformed before that).
    Untrusted,
    /// The pending request is gone.
    StartAgain,
    /// A form without its session's CSRF token.
    Forbidden,
    /// A malformed form or request.
    BadRequest,
    /// The request is too large.
    TooLarge,
    /// Too many sign-in requests from this address.
    Throttled,
    /// Our fault.
    Server,
    /// Too busy for now: 503 with `Retry-After`.
    Unavailable,
}

impl ErrorKind {
    fn status(self) -> StatusCode {
        match self {
            Self::Untrusted | Self::StartAgain | Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Throttled => StatusCode::TOO_MANY_REQUESTS,
            Self::Server => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Self::Untrusted => "This sign-in request cannot be accepted",
            Self::StartAgain => "Please start again",
            Self::Forbidden => "This form has expired",
            Self::BadRequest | Self::TooLarge => "Something is wrong with this request",
            Self::Throttled => "Too many sign-in requests",
            Self::Server => "Something went wrong on our side",
            Self::Unavailable => "We are busy right now",
        }
    }
}

#[derive(Serialize)]
struct ScopeView<'a> {
    description: &'a str,
    is_new: bool,
}

/// One requested API (RFC 8707 resource), as the consent page shows it.
#[derive(Serialize)]
struct ApiView<'a> {
    name: &'a str,
    uri: &'a str,
    is_new: bool,
}

/// Who the client is, as the consent page says it.
#[derive(Serialize)]
struct NoticeView<'a> {
    unverified: bool,
    document_host: Option<&'a str>,
    redirect_host: &'a str,
    loopback_only: bool,
}

impl Pages {
    /// Parses every template (inheritance included) once.
    pub fn new(issuer: &str) -> Result<Self, PagesError> {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html"]);
        for (name, text) in TEMPLATES {
            tera.add_raw_template(name, text).map_err(|e| PagesError(format!("{name}: {e}")))?;
        }
        let base_path = url::Url::parse(issuer)
            .map(|url| url.path().trim_end_matches('/').to_owned())
            .map_err(|e| PagesError(format!("issuer: {e}")))?;
        Ok(Self { tera, base_path })
    }

    fn context(&self) -> Context {
        let mut context = Context::new();
        context.insert("base_path", &self.base_path);
        context
    }

    /// What every login and consent form carries.
    fn interaction_context(&self, interaction: &Interaction) -> Context {
        let mut context = self.context();
        context.insert("client_name", &interaction.client_name);
        context.insert("client_id", interaction.client_id.as_str());
        context.insert("pending", &interaction.pending);
        context.insert("csrf", &interaction.csrf);
        let notice = &interaction.notice;
        context.insert(
            "notice",
            &NoticeView {
                unverified: notice.unverified,
                document_host: notice.document_host.as_deref(),
                redirect_host: &notice.redirect_host,
                loopback_only: notice.loopback_only,
            },
        );
        context
    }

    fn respond(&self, status: StatusCode, name: &str, context: &Context) -> HttpResponse {
        match self.tera.render(name, context) {
            Ok(body) => html(status, body),
            Err(error) => {
                tracing::error!(template = name, error = %error, "page rendering failed");
                html(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "<!doctype html><title>Error</title><p>Something went wrong.</p>".to_owned(),
                )
            }
        }
    }

    /// The login form: 200, or 429 when the brute-force guard refused.
    pub(crate) fn login(&self, page: &LoginPage) -> HttpResponse {
        let mut context = self.interaction_context(&page.interaction);
        context.insert("username", page.username.as_deref().unwrap_or(""));
        let (status, failure) = match page.failure {
            None => (StatusCode::OK, ""),
            Some(LoginFailure::InvalidCredentials) => (StatusCode::OK, "invalid"),
            Some(LoginFailure::Throttled) => (StatusCode::TOO_MANY_REQUESTS, "throttled"),
        };
        context.insert("failure", failure);
        self.respond(status, "login.html", &context)
    }

    /// The consent page.
    pub(crate) fn consent(&self, page: &ConsentPage) -> HttpResponse {
        let mut context = self.interaction_context(&page.interaction);
        context.insert("user", &page.user);
        insert_lines(&mut context, &page.scopes, &page.apis);
        self.respond(StatusCode::OK, "consent.html", &context)
    }

    /// An error page of our own. `message` is shown escaped.
    pub(crate) fn error(&self, kind: ErrorKind, message: &str, request_id: &RequestId) -> HttpResponse {
        self.error_with(kind, message, request_id, &StartAgain { client_name: None, back_to: None })
    }

    /// The "start again" page, linking back to the client when it is known.
    pub(crate) fn start_again(&self, start_again: &StartAgain, request_id: &RequestId) -> HttpResponse {
        let message = "This sign-in request has expired or was lost (for example, the page was open too long or cookies were cleared).";
        self.error_with(ErrorKind::StartAgain, message, request_id, start_again)
    }

    /// 429 for an address over its quota of sign-in requests, with
    /// `Retry-After` in seconds (RFC 9110 §10.2.3).
    pub(crate) fn throttled(&self, retry_after_secs: u64, request_id: &RequestId) -> HttpResponse {
        let message =
            "Too many sign-in requests came from your network. Please wait a few minutes and try again.";
        let mut response = self.error(ErrorKind::Throttled, message, request_id);
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        response
    }

    fn error_with(
        &self,
        kind: ErrorKind,
        message: &str,
        request_id: &RequestId,
        back: &StartAgain,
    ) -> HttpResponse {
        let mut context = self.context();
        context.insert("heading", kind.heading());
        context.insert("message", message);
        context.insert("request_id", &request_id.to_string());
        context.insert("client_name", &back.client_name);
        context.insert("back_to", &back.back_to);
        let mut response = self.respond(kind.status(), "error.html", &context);
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static(crate::error::RETRY_AFTER_SECS));
        }
        response
    }

    /// The sign-out page: a form when signed in, "signed out" otherwise.
    pub(crate) fn logout(&self, signed_in: Option<(&str, &str)>) -> HttpResponse {
        let mut context = self.context();
        context.insert("email", &signed_in.map(|(email, _)| email));
        context.insert("csrf", &signed_in.map(|(_, csrf)| csrf));
        context.insert("action", "/logout");
        context.insert("carried", &Vec::<Hidden<'_>>::new());
        self.respond(StatusCode::OK, "logout.html", &context)
    }

    /// The sign-out question of RP-initiated logout: the form carries the
    /// client's request back to `/oauth/logout`.
    pub(crate) fn end_session(&self, email: &str, csrf: &str, carried: &[(&str, &str)]) -> HttpResponse {
        let mut context = self.context();
        context.insert("email", &Some(email));
        context.insert("csrf", &Some(csrf));
        context.insert("action", oauth_core::discovery::END_SESSION_PATH);
        let carried: Vec<Hidden<'_>> = carried.iter().map(|(name, value)| Hidden { name, value }).collect();
        context.insert("carried", &carried);
        self.respond(StatusCode::OK, "logout.html", &context)
    }
}

/// The scopes and APIs a consent page lists.
fn insert_lines(context: &mut Context, scopes: &[ScopeLine], apis: &[ApiLine]) {
    let scopes: Vec<ScopeView<'_>> =
        scopes.iter().map(|line| ScopeView { description: &line.description, is_new: line.is_new }).collect();
    context.insert("scopes", &scopes);
    let apis: Vec<ApiView<'_>> =
        apis.iter().map(|api| ApiView { name: &api.name, uri: &api.uri, is_new: api.is_new }).collect();
    context.insert("apis", &apis);
}

/// A hidden form field a page carries forward.
#[derive(Serialize)]
struct Hidden<'a> {
    name: &'a str,
    value: &'a str,
}

/// An HTML response with the page headers.
fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")))
        .body(body)
}

#[cfg(test)]
mod tests {
    use oauth_core::client::ClientId;

    use super::*;

    fn login_page(name: &str) -> LoginPage {
        LoginPage {
            interaction: Interaction {
                pending: "handle".into(),
                client_id: ClientId::parse("client1").unwrap(),
                client_name: name.into(),
                csrf: "token".into(),
                notice: oauth_core::service::authorize::ClientNotice {
                    unverified: false,
                    document_host: None,
                    redirect_host: "rp.example".into(),
                    loopback_only: false,
                },
            },
            username: Some("\"><script>alert(1)</script>".into()),
            failure: None,
        }
    }

    async fn body(response: HttpResponse) -> String {
        let bytes = actix_web::body::to_bytes(response.into_body()).await.unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[actix_web::test]
    async fn user_controlled_values_are_escaped() {
        let pages = Pages::new("https://example.com/auth").unwrap();
        let response = pages.login(&login_page("<img src=x onerror=alert(1)>"));
        assert_eq!(response.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
        let csp = response.headers().get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("form-action"));
        let html = body(response).await;
        assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{html}");
        assert!(html.contains("&lt;img src=x"), "escaped, still readable");
        assert!(html.contains(r#"action="/auth/login""#), "actions follow the issuer's path");
        assert!(html.contains(r#"name="username""#) && html.contains(r#"name="password""#));
        assert!(!html.contains("http://") && !html.contains("https://"), "no external resources");
    }

    #[actix_web::test]
    async fn the_error_page_escapes_its_message() {
        let pages = Pages::new("http://127.0.0.1:8080").unwrap();
        let id = RequestId::generate();
        let response = pages.error(ErrorKind::Untrusted, "<b>bad</b>", &id);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let html = body(response).await;
        assert!(
            html.contains("&lt;b&gt;bad&lt;&#x2F;b&gt;") || html.contains("&lt;b&gt;bad&lt;/b&gt;"),
            "{html}"
        );
    }
}

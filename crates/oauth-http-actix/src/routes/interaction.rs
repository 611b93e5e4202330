//! The browser flow's routes: `/oauth/authorize`, `/login`, `/consent` and
//! `/logout`. Each reads the request, calls the core's `AuthorizeService`, and
//! renders its outcome; the rules live in the core.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use oauth_core::authorization_request::AuthorizationParams;
use oauth_core::discovery::{AUTHORIZATION_PATH, END_SESSION_PATH};
use oauth_core::service::authorize::{AuthorizeOutcome, Decision, LoginForm, LoginOutcome, Next, PageError};
use oauth_core::service::logout::{EndSession, EndSessionParams};
use secrecy::SecretString;

use crate::browser::{FormFields, client_address};
use crate::middleware::request_id::RequestId;
use crate::pages::ErrorKind;
use crate::redirect::to_client;
use crate::state::AppState;

/// Longer queries are refused before parsing; no legitimate request needs this much.
const MAX_QUERY_LEN: usize = 8 * 1024;

/// `GET /oauth/authorize` (OIDC Core §3.1.2.1): redirects with 302.
pub(crate) async fn authorize_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let query = request.query_string();
    if query.len() > MAX_QUERY_LEN {
        return state.pages.error(ErrorKind::TooLarge, "The request is too large.", &id);
    }
    let params = AuthorizationParams::from_urlencoded(query.as_bytes());
    authorize(&request, &state, params, StatusCode::FOUND, &id).await
}

/// `POST /oauth/authorize` (OIDC Core §3.1.2.1, form-encoded): redirects with
/// 303; without the session cookie, 303 to the same request as a GET.
pub(crate) async fn authorize_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    match FormFields::parse(&request, &body) {
        Ok(fields) if state.cookie.read(&request).is_none() => {
            // SECURITY: a client's form posted from its own site: the browser
            // withholds our SameSite=Lax cookie on a cross-site POST, so a
            // signed-in user would get the login page and a new session's
            // cookie would replace theirs. A 303 to the same request as a GET
            // (a top-level navigation, which carries the cookie) keeps single
            // sign-on; it sets no cookie, and obeys the GET size limit.
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields.into_pairs())
                .finish();
            if query.len() > MAX_QUERY_LEN {
                return state.pages.error(ErrorKind::TooLarge, "The request is too large.", &id);
            }
            see_other(&format!("{}{AUTHORIZATION_PATH}?{query}", state.pages.base_path()))
        }
        Ok(fields) => {
            let params = AuthorizationParams::new(fields.into_pairs());
            authorize(&request, &state, params, StatusCode::SEE_OTHER, &id).await
        }
        Err(problem) => state.pages.error(ErrorKind::BadRequest, &problem, &id),
    }
}

async fn authorize(
    request: &HttpRequest,
    state: &AppState,
    params: AuthorizationParams,
    status: StatusCode,
    id: &RequestId,
) -> HttpResponse {
    let cookie = state.cookie.read(request);
    let address = client_address(request, &state.trusted_proxies);
    match state.authorize.begin(params, cookie.as_deref(), &address).await {
        Ok(answer) => {
            let mut response = match &answer.outcome {
                AuthorizeOutcome::Login(page) => state.pages.login(page),
                AuthorizeOutcome::Consent(page) => state.pages.consent(page),
                AuthorizeOutcome::Redirect(response) => to_client(response, &state.issuer, status),
            };
            if let Some(secret) = &answer.new_session {
                set_cookie(&mut response, &state.cookie.set(secret));
            }
            response
        }
        Err(error) => page_error(state, error, id),
    }
}

/// `GET /login`: the login form of a pending request (a reload).
pub(crate) async fn login_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let query = FormQuery::read(&request);
    let cookie = state.cookie.read(&request);
    let page = state.authorize.login_page(cookie.as_deref(), &query.request, &query.client_id).await;
    render(&state, &id, page, |page| state.pages.login(page))
}

/// `POST /login`: a login attempt; 303 onwards when it succeeds.
pub(crate) async fn login_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let form = match read_login_form(&request, &body, &state) {
        Ok(form) => form,
        Err(problem) => return state.pages.error(ErrorKind::BadRequest, &problem, &id),
    };
    let cookie = state.cookie.read(&request);
    match state.authorize.login(form, cookie.as_deref()).await {
        Ok(LoginOutcome::SignedIn { session, next }) => {
            let mut response = match next {
                Next::Consent { pending, client_id } => {
                    let query = url::form_urlencoded::Serializer::new(String::new())
                        .append_pair("request", &pending)
                        .append_pair("client_id", client_id.as_str())
                        .finish();
                    see_other(&format!("{}/consent?{query}", state.pages.base_path()))
                }
                Next::Redirect(response) => to_client(&response, &state.issuer, StatusCode::SEE_OTHER),
            };
            set_cookie(&mut response, &state.cookie.set(&session));
            response
        }
        Ok(LoginOutcome::Refused(page)) => state.pages.login(&page),
        Ok(LoginOutcome::Answered(response)) => to_client(&response, &state.issuer, StatusCode::SEE_OTHER),
        Err(error) => page_error(&state, error, &id),
    }
}

fn read_login_form(request: &HttpRequest, body: &[u8], state: &AppState) -> Result<LoginForm, String> {
    let fields = FormFields::parse(request, body)?;
    Ok(LoginForm {
        pending: fields.get("request")?,
        client_id: fields.get("client_id")?,
        csrf: fields.get("csrf_token")?,
        username: fields.get("username")?,
        password: SecretString::from(fields.get("password")?),
        address: client_address(request, &state.trusted_proxies),
    })
}

/// `GET /consent`: the consent page of a pending request.
pub(crate) async fn consent_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let query = FormQuery::read(&request);
    let cookie = state.cookie.read(&request);
    let page = state.authorize.consent_page(cookie.as_deref(), &query.request, &query.client_id).await;
    render(&state, &id, page, |page| state.pages.consent(page))
}

/// `POST /consent`: approve or deny; 303 to the client either way.
pub(crate) async fn consent_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let fields = match FormFields::parse(&request, &body) {
        Ok(fields) => fields,
        Err(problem) => return state.pages.error(ErrorKind::BadRequest, &problem, &id),
    };
    let read = || -> Result<(String, String, String, Decision), String> {
        let decision = fields.get("decision")?;
        let decision = Decision::parse(&decision).ok_or("the decision must be approve or deny")?;
        Ok((fields.get("csrf_token")?, fields.get("request")?, fields.get("client_id")?, decision))
    };
    let (csrf, pending, client_id, decision) = match read() {
        Ok(form) => form,
        Err(problem) => return state.pages.error(ErrorKind::BadRequest, &problem, &id),
    };
    let cookie = state.cookie.read(&request);
    let answer = state.authorize.decide(cookie.as_deref(), &csrf, &pending, &client_id, decision).await;
    render(&state, &id, answer, |response| to_client(response, &state.issuer, StatusCode::SEE_OTHER))
}

/// `GET /logout`: a sign-out form (CSRF-protected), or "signed out".
pub(crate) async fn logout_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let cookie = state.cookie.read(&request);
    let signed_in = state.logout.signed_in_as(cookie.as_deref()).await;
    render(&state, &id, signed_in, |signed_in| {
        state.pages.logout(signed_in.as_ref().map(|s| (s.email.as_str(), s.csrf.as_str())))
    })
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub(crate) async fn logout_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let csrf = match FormFields::parse(&request, &body).and_then(|fields| fields.get("csrf_token")) {
        Ok(csrf) => csrf,
        Err(problem) => return state.pages.error(ErrorKind::BadRequest, &problem, &id),
    };
    let cookie = state.cookie.read(&request);
    match state.logout.logout(cookie.as_deref(), &csrf).await {
        Ok(_) => {
            let mut response = state.pages.logout(None);
            set_cookie(&mut response, &state.cookie.clear());
            response
        }
        Err(error) => page_error(&state, error, &id),
    }
}

/// `GET /oauth/logout` (OpenID Connect RP-Initiated Logout 1.0 §2): the
/// client's request in the query.
pub(crate) async fn end_session_get(
    request: HttpRequest,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    if request.query_string().len() > MAX_QUERY_LEN {
        return state.pages.error(ErrorKind::TooLarge, "The request is too large.", &id);
    }
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(request.query_string().as_bytes()).into_owned().collect();
    end_session(&request, &state, &pairs, false, &id).await
}

/// `POST /oauth/logout`: our own sign-out form confirming a request (with
/// `csrf_token`), or the client's request as a form (§2), turned into a GET.
pub(crate) async fn end_session_post(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<AppState>,
    id: RequestId,
) -> HttpResponse {
    let pairs = match FormFields::parse(&request, &body) {
        Ok(fields) => fields.into_pairs(),
        Err(problem) => return state.pages.error(ErrorKind::BadRequest, &problem, &id),
    };
    if !pairs.iter().any(|(key, _)| key == "csrf_token") {
        // A client's form posted from its own site: the browser withholds our
        // SameSite=Lax cookie on a cross-site POST, so the session could not
        // be found. A 303 to the same request as a GET (a top-level
        // navigation, which carries the cookie) lets it end.
        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
        return see_other(&format!("{}{END_SESSION_PATH}?{query}", state.pages.base_path()));
    }
    end_session(&request, &state, &pairs, true, &id).await
}

async fn end_session(
    request: &HttpRequest,
    state: &AppState,
    pairs: &[(String, String)],
    posted: bool,
    id: &RequestId,
) -> HttpResponse {
    let mut params = EndSessionParams::default();
    let mut csrf = None;
    for (key, value) in pairs {
        let slot = match key.as_str() {
            "id_token_hint" => &mut params.id_token_hint,
            "client_id" => &mut params.client_id,
            "post_logout_redirect_uri" => &mut params.post_logout_redirect_uri,
            "state" => &mut params.state,
            // Only our own form, POSTed, confirms.
            "csrf_token" if posted => &mut csrf,
            _ => continue,
        };
        if slot.replace(value.clone()).is_some() {
            return state.pages.error(ErrorKind::BadRequest, &format!("{key} appears more than once"), id);
        }
    }
    let cookie = state.cookie.read(request);
    match state.logout.end_session(params, cookie.as_deref(), csrf.as_deref()).await {
        Ok(EndSession::Confirm { email, csrf, params }) => {
            let carried: Vec<(&str, &str)> = [
                ("id_token_hint", &params.id_token_hint),
                ("client_id", &params.client_id),
                ("post_logout_redirect_uri", &params.post_logout_redirect_uri),
                ("state", &params.state),
            ]
            .into_iter()
            .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
            .collect();
            state.pages.end_session(&email, &csrf, &carried)
        }
        Ok(EndSession::Ended { redirect }) => {
            let mut response = match redirect {
                Some(location) => see_other(&location),
                None => state.pages.logout(None),
            };
            set_cookie(&mut response, &state.cookie.clear());
            response
        }
        Err(error) => page_error(state, error, id),
    }
}

/// `request` and `client_id` from the query of `/login` and `/consent`.
struct FormQuery {
    request: String,
    client_id: String,
}

impl FormQuery {
    fn read(request: &HttpRequest) -> Self {
        let mut query = Self { request: String::new(), client_id: String::new() };
        for (key, value) in url::form_urlencoded::parse(request.query_string().as_bytes()) {
            match key.as_ref() {
                "request" => query.request = value.into_owned(),
                "client_id" => query.client_id = value.into_owned(),
                _ => {}
            }
        }
        query
    }
}

fn see_other(location: &str) -> HttpResponse {
    let mut builder = HttpResponse::SeeOther();
    builder.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    match HeaderValue::from_str(location) {
        Ok(value) => builder.insert_header((header::LOCATION, value)).finish(),
        Err(_) => HttpResponse::InternalServerError().finish(),
    }
}

fn set_cookie(response: &mut HttpResponse, cookie: &actix_web::cookie::Cookie<'_>) {
    if let Err(error) = response.add_cookie(cookie) {
        tracing::error!(error = %error, "cannot set the session cookie");
    }
}

/// Renders a flow outcome, or our error page.
fn render<T>(
    state: &AppState,
    id: &RequestId,
    outcome: Result<T, PageError>,
    page: impl FnOnce(&T) -> HttpResponse,
) -> HttpResponse {
    match outcome {
        Ok(value) => page(&value),
        Err(error) => page_error(state, error, id),
    }
}

/// Our own error pages: never a redirect to an unverified place.
fn page_error(state: &AppState, error: PageError, id: &RequestId) -> HttpResponse {
    match error {
        PageError::Untrusted(problem) => {
            tracing::info!(event = "authorize_untrusted", reason = %problem);
            let message = format!("{}. The application's sign-in link is wrong; please tell its developers.", capitalised(&problem.to_string()));
            state.pages.error(ErrorKind::Untrusted, &message, id)
        }
        PageError::StartAgain(start_again) => state.pages.start_again(&start_again, id),
        PageError::Forbidden => state.pages.error(
            ErrorKind::Forbidden,
            "The form was not sent from this browser's sign-in session. Please go back to the application and start again.",
            id,
        ),
        PageError::BadRequest(problem) => state.pages.error(ErrorKind::BadRequest, &problem, id),
        PageError::Throttled { retry_after_secs } => state.pages.throttled(retry_after_secs, id),
        PageError::Server(cause) => {
            tracing::error!(error = %cause, "authorization flow failed");
            state.pages.error(ErrorKind::Server, "Please try again in a moment.", id)
        }
        PageError::Unavailable => state.pages.error(
            ErrorKind::Unavailable,
            "Too many sign-ins are being checked at once. Please try again in a few seconds.",
            id,
        ),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

//! The route table. `ROUTES` lists every path with its methods; the server
//! registers exactly these, and the repository audit compares them with the docs.

mod account;
mod authorize;
mod client_form;
mod consent;
mod device;
mod device_authorization;
mod discovery;
mod dpop;
mod end_session;
mod health;
mod interaction;
mod login;
mod logout;
mod pushed;
mod registration;
mod token;
mod token_state;
mod userinfo;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};

use crate::error::json_error;

/// A 200 that no cache may keep: tokens, what a token grants, personal data
/// (RFC 6749 §5.1, RFC 7662 §2.2; `Pragma` for HTTP/1.0 caches).
pub(crate) fn uncached_ok() -> HttpResponseBuilder {
    uncached(actix_web::http::StatusCode::OK)
}

/// A response with `status` that no cache may keep.
pub(crate) fn uncached(status: actix_web::http::StatusCode) -> HttpResponseBuilder {
    let mut builder = HttpResponse::build(status);
    builder
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .insert_header((header::PRAGMA, HeaderValue::from_static("no-cache")));
    builder
}

/// Every route: (methods, path). The last two exist only while dynamic
/// registration is on.
pub const ROUTES: &[(&[&str], &str)] = &[
    (&["GET"], "/healthz"),
    (&["GET"], "/readyz"),
    (&["GET", "POST"], "/oauth/authorize"),
    (&["GET", "POST"], "/login"),
    (&["GET", "POST"], "/consent"),
    (&["GET", "POST"], "/logout"),
    (&["POST", "OPTIONS"], "/oauth/token"),
    (&["POST"], "/oauth/introspect"),
    (&["POST", "OPTIONS"], "/oauth/revoke"),
    (&["GET", "POST", "OPTIONS"], "/userinfo"),
    (&["GET", "POST"], "/oauth/logout"),
    (&["GET"], "/jwks.json"),
    (&["GET"], "/.well-known/jwks.json"),
    (&["GET"], "/.well-known/openid-configuration"),
    (&["GET"], "/.well-known/oauth-authorization-server"),
    (&["POST"], "/oauth/par"),
    (&["POST"], "/oauth/device_authorization"),
    (&["GET", "POST"], "/device"),
    (&["POST"], "/device/login"),
    (&["POST"], "/device/decision"),
    (&["GET"], "/account"),
    (&["POST"], "/account/login"),
    (&["POST"], "/account/apps/revoke"),
    (&["POST"], "/account/sessions/end-others"),
    (&["POST"], "/account/password"),
    (&["POST"], "/oauth/register"),
    (&["GET", "PUT", "DELETE"], "/oauth/register/{client_id}"),
];

/// Small bodies only: nothing we accept is large, and this bounds memory
/// per request.
const BODY_LIMIT: usize = 16 * 1024;

/// One of our resources, carrying its own body limits: set on the resource,
/// they hold even when an application that mounts our routes sets larger
/// limits of its own app-wide (docs/EMBEDDING.md). Named by its template, so
/// that a `RequestObserver` learns the route without an allocation
/// (`HttpRequest::match_name` borrows, `match_pattern` builds a `String`).
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path)
        .name(path)
        .app_data(web::PayloadConfig::new(BODY_LIMIT))
        .app_data(web::FormConfig::default().limit(BODY_LIMIT))
}

pub(crate) fn configure(config: &mut web::ServiceConfig) {
    configure_device(config);
    configure_account(config);
    for path in ["/jwks.json", "/.well-known/jwks.json"] {
        config.service(
            resource(path).route(web::get().to(discovery::jwks)).default_service(web::to(method_not_allowed)),
        );
    }
    for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"] {
        config.service(
            resource(path)
                .route(web::get().to(discovery::metadata))
                .default_service(web::to(method_not_allowed)),
        );
    }
    config
        .service(
            resource("/healthz")
                .route(web::get().to(health::live))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/readyz")
                .route(web::get().to(health::ready))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/oauth/authorize")
                .route(web::get().to(authorize::authorize_get))
                .route(web::post().to(authorize::authorize_post))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/login")
                .route(web::get().to(login::login_get))
                .route(web::post().to(login::login_post))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/consent")
                .route(web::get().to(consent::consent_get))
                .route(web::post().to(consent::consent_post))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/oauth/token")
                .route(web::post().to(token::token))
                .route(web::method(actix_web::http::Method::OPTIONS).to(token::preflight))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/oauth/par")
                .route(web::post().to(pushed::push))
                .route(web::method(actix_web::http::Method::OPTIONS).to(pushed::preflight))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/oauth/introspect")
                .route(web::post().to(token_state::introspect))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/oauth/revoke")
                .route(web::post().to(token_state::revoke))
                .route(web::method(actix_web::http::Method::OPTIONS).to(token_state::revoke_preflight))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/userinfo")
                .route(web::get().to(userinfo::userinfo_get))
                .route(web::post().to(userinfo::userinfo_post))
                .route(web::method(actix_web::http::Method::OPTIONS).to(userinfo::preflight))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/oauth/logout")
                .route(web::get().to(end_session::end_session_get))
                .route(web::post().to(end_session::end_session_post))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/logout")
                .route(web::get().to(logout::logout_get))
                .route(web::post().to(logout::logout_post))
                .default_service(web::to(method_not_allowed)),
        );
}

/// The account page and its forms.
fn configure_account(config: &mut web::ServiceConfig) {
    config
        .service(
            resource("/account")
                .route(web::get().to(account::account_get))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/account/login")
                .route(web::post().to(account::account_login))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/account/apps/revoke")
                .route(web::post().to(account::revoke_app))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/account/sessions/end-others")
                .route(web::post().to(account::end_other_sessions))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/account/password")
                .route(web::post().to(account::change_password))
                .default_service(web::to(method_not_allowed)),
        );
}

/// The device grant's endpoint and verification pages (RFC 8628).
fn configure_device(config: &mut web::ServiceConfig) {
    config
        .service(
            resource("/oauth/device_authorization")
                .route(web::post().to(device_authorization::device_authorization))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/device")
                .route(web::get().to(device::device_get))
                .route(web::post().to(device::device_post))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/device/login")
                .route(web::post().to(device::device_login))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/device/decision")
                .route(web::post().to(device::device_decision))
                .default_service(web::to(method_not_allowed)),
        );
}

/// The registration endpoints (RFC 7591, RFC 7592), mounted only while
/// registration is on.
pub(crate) fn configure_registration(config: &mut web::ServiceConfig) {
    config
        .service(
            resource("/oauth/register")
                .route(web::post().to(registration::register))
                .default_service(web::to(method_not_allowed)),
        )
        .service(
            resource("/oauth/register/{client_id}")
                .route(web::get().to(registration::read_registration))
                .route(web::put().to(registration::update_registration))
                .route(web::delete().to(registration::delete_registration))
                .default_service(web::to(method_not_allowed)),
        );
}

/// RFC 8414 §3.1: for an issuer with a path, the metadata also lives at the
/// well-known path with the issuer's path appended (`path`).
pub(crate) fn configure_metadata_alias(config: &mut web::ServiceConfig, path: &str) {
    if path != "/.well-known/oauth-authorization-server" && !path.is_empty() {
        config.service(
            resource(path)
                .route(web::get().to(discovery::metadata))
                .default_service(web::to(method_not_allowed)),
        );
    }
}

/// A JSON 404 for unknown paths, so that clients always get JSON.
pub(crate) async fn not_found(request: HttpRequest) -> HttpResponse {
    json_error(
        actix_web::http::StatusCode::NOT_FOUND,
        "not_found",
        &format!("no endpoint at {}", request.path()),
    )
}

pub(crate) async fn method_not_allowed(request: HttpRequest) -> HttpResponse {
    // A path with a parameter is listed by its pattern.
    let pattern = request.match_pattern().unwrap_or_else(|| request.path().to_owned());
    let allowed: Vec<&str> = ROUTES
        .iter()
        .filter(|(_, path)| *path == pattern)
        .flat_map(|(methods, _)| methods.iter().copied())
        .collect();
    let mut response = json_error(
        actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &format!("{} is not allowed here; use {}", request.method(), allowed.join(", ")),
    );
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(actix_web::http::header::ALLOW, value);
    }
    response
}

#[cfg(test)]
mod overloaded_login;
#[cfg(test)]
mod unavailable;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use actix_web::{App, test};
    use oauth_core::RepoError;
    use oauth_core::ports::MockReadinessProbe;

    use super::*;

    fn state(ready: bool) -> web::Data<crate::state::AppState> {
        let mut probe = MockReadinessProbe::new();
        probe
            .expect_check()
            .returning(move || if ready { Ok(()) } else { Err(RepoError::Unavailable("db down".into())) });
        web::Data::new(crate::state::testing::state(Arc::new(probe)))
    }

    #[actix_web::test]
    async fn readiness_follows_the_probe_and_hides_the_cause() {
        for (ready, status) in [(true, 200), (false, 503)] {
            let app = test::init_service(App::new().app_data(state(ready)).configure(configure)).await;
            let response =
                test::call_service(&app, test::TestRequest::get().uri("/readyz").to_request()).await;
            assert_eq!(response.status().as_u16(), status);
            let body = test::read_body(response).await;
            assert!(!String::from_utf8_lossy(&body).contains("db down"));
        }
    }

    #[actix_web::test]
    async fn every_listed_route_is_served_with_its_methods() {
        // ROUTES feeds the audit and the Allow header; configure() is what is served.
        let app = test::init_service(
            App::new().app_data(state(true)).configure(configure).configure(configure_registration),
        )
        .await;
        for (methods, path) in ROUTES {
            for method in *methods {
                let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
                let request = test::TestRequest::default().method(method.clone()).uri(path).to_request();
                let status = test::call_service(&app, request).await.status().as_u16();
                assert!(status != 404 && status != 405, "{method} {path} is listed but answers {status}");
            }
        }
    }

    #[actix_web::test]
    async fn wrong_method_is_a_json_405_with_allow() {
        let app = test::init_service(App::new().app_data(state(true)).configure(configure)).await;
        let request = test::TestRequest::post().uri("/healthz").to_request();
        let response = test::call_service(&app, request).await;
        assert_eq!(response.status().as_u16(), 405);
        assert_eq!(response.headers().get("allow").unwrap(), "GET");
        let body: crate::ErrorBody = test::read_body_json(response).await;
        assert_eq!(body.error, "method_not_allowed");
    }
}

//! The HTTP server: middleware order, limits and graceful shutdown.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::middleware::request_id;
use crate::middleware::security_headers::security_headers;
use crate::routes;
use crate::state::AppState;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Worker threads (async; blocking work goes to the blocking pool).
    pub workers: usize,
    /// Whether the issuer is HTTPS, which turns on HSTS.
    pub https: bool,
    /// How long in-flight requests may finish after SIGTERM/SIGINT.
    pub shutdown_timeout: Duration,
}

/// Mounts every route of the authorization server, with its state, on an
/// actix-web application (each route carries its own body limits), beside the application's own routes
/// (docs/EMBEDDING.md). Our pages also want the request-id and
/// security-header middleware: wrap the application in
/// [`assign_request_id`] and [`security_headers`] as `build_server` does.
pub fn mount(state: web::Data<AppState>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config| {
        let alias = state.publication.oauth_metadata_path.clone();
        let registration = state.registration.is_some();
        config.app_data(state);
        routes::configure(config);
        routes::configure_metadata_alias(config, &alias);
        if registration {
            routes::configure_registration(config);
        }
    }
}

/// Binds the routes to an already-bound listener (port 0 in tests).
///
/// The returned server stops gracefully on SIGTERM or SIGINT: it stops
/// accepting, lets in-flight requests finish within `shutdown_timeout`, then
/// resolves.
pub fn build_server(
    listener: TcpListener,
    state: AppState,
    options: &ServerOptions,
) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let https = options.https;
    let server = HttpServer::new(move || {
        App::new()
            .configure(mount(data.clone()))
            .default_service(web::to(routes::not_found))
            .wrap(security_headers(https))
            .wrap(from_fn(request_id::assign))
    })
    .workers(options.workers)
    .shutdown_timeout(options.shutdown_timeout.as_secs())
    .listen(listener)?
    .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use actix_web::{App, HttpResponse, test};
    use oauth_core::ports::MockReadinessProbe;

    use super::*;

    /// The state of a server whose store answers.
    fn ready_state() -> web::Data<AppState> {
        let mut probe = MockReadinessProbe::new();
        probe.expect_check().returning(|| Ok(()));
        web::Data::new(crate::state::testing::state(Arc::new(probe)))
    }

    #[actix_web::test]
    async fn mounted_routes_answer_beside_the_applications_own() {
        let state = ready_state();
        let app = test::init_service(
            App::new()
                .configure(mount(state))
                .route("/orders", web::get().to(|| async { HttpResponse::Ok().body("ours") })),
        )
        .await;
        for (path, status) in [("/orders", 200), ("/readyz", 200), ("/.well-known/jwks.json", 200)] {
            let request = test::TestRequest::get().uri(path).to_request();
            assert_eq!(test::call_service(&app, request).await.status().as_u16(), status, "{path}");
        }
    }

    #[actix_web::test]
    async fn an_applications_larger_body_limit_does_not_reach_our_routes() {
        let state = ready_state();
        let app = test::init_service(
            App::new()
                .configure(mount(state))
                .app_data(web::PayloadConfig::new(1 << 20))
                .app_data(web::FormConfig::default().limit(1 << 20)),
        )
        .await;
        let oversized = test::TestRequest::post()
            .uri("/oauth/token")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(vec![b'a'; 32 * 1024])
            .to_request();
        assert_eq!(test::call_service(&app, oversized).await.status().as_u16(), 413);
    }
}

//! The HTTP server: middleware order, limits and graceful shutdown.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpServer, web};

use crate::middleware::request_id;
use crate::middleware::security_headers::security_headers;
use crate::observer::RequestObserver;
use crate::routes;
use crate::state::AppState;

/// How the server runs.
#[derive(Clone)]
pub struct ServerOptions {
    /// Worker threads (async; blocking work goes to the blocking pool).
    pub workers: usize,
    /// Whether the issuer is HTTPS, which turns on HSTS.
    pub https: bool,
    /// How long in-flight requests may finish after SIGTERM/SIGINT.
    pub shutdown_timeout: Duration,
    /// Told of every request (metrics); `None` costs nothing per request.
    pub observer: Option<Arc<dyn RequestObserver>>,
}

impl std::fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerOptions")
            .field("workers", &self.workers)
            .field("https", &self.https)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("observer", &self.observer.is_some())
            .finish()
    }
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
    let observer = options.observer.clone();
    let server = HttpServer::new(move || application(data.clone(), https, observer.clone()))
        .workers(options.workers)
        .shutdown_timeout(options.shutdown_timeout.as_secs())
        .listen(listener)?
        .run();
    Ok(server)
}

/// Our routes with our middleware: what every worker serves.
fn application(
    data: web::Data<AppState>,
    https: bool,
    observer: Option<Arc<dyn RequestObserver>>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .configure(mount(data))
        .default_service(web::to(routes::not_found))
        .wrap(security_headers(https))
        .wrap(from_fn(move |request, next: Next<_>| {
            request_id::assign_observed(request, next, observer.clone())
        }))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use actix_web::http::StatusCode;
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

    /// Keeps what it is told.
    #[derive(Default)]
    struct Recorder(std::sync::Mutex<Vec<(Option<String>, u16)>>);

    impl RequestObserver for Recorder {
        fn observe(&self, route: Option<&str>, status: StatusCode, _: Duration) {
            self.0.lock().unwrap().push((route.map(str::to_owned), status.as_u16()));
        }
    }

    #[actix_web::test]
    async fn the_observer_learns_route_templates_never_paths() {
        let recorder = Arc::new(Recorder::default());
        let observer: Arc<dyn RequestObserver> = recorder.clone();
        let app = test::init_service(application(ready_state(), false, Some(observer))).await;
        let rows: &[(&str, actix_web::http::Method, Option<&str>, u16)] = &[
            ("/readyz", actix_web::http::Method::GET, Some("/readyz"), 200),
            ("/healthz", actix_web::http::Method::POST, Some("/healthz"), 405),
            ("/x/secret-looking-path", actix_web::http::Method::GET, None, 404),
        ];
        for (path, method, _, _) in rows {
            let request = test::TestRequest::default().method(method.clone()).uri(path).to_request();
            test::call_service(&app, request).await;
        }
        let seen = recorder.0.lock().unwrap().clone();
        let expected: Vec<_> =
            rows.iter().map(|(_, _, route, status)| (route.map(str::to_owned), *status)).collect();
        assert_eq!(seen, expected);
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

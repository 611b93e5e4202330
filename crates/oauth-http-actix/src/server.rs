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
    let alias = state.publication.oauth_metadata_path.clone();
    let data = web::Data::new(state);
    let https = options.https;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            // Small bodies only: nothing we accept is large, and this bounds memory per request.
            .app_data(web::PayloadConfig::new(16 * 1024))
            .app_data(web::FormConfig::default().limit(16 * 1024))
            .configure(routes::configure)
            .configure(|config| routes::configure_metadata_alias(config, &alias))
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

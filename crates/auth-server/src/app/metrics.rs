//! The metrics listener: `GET /metrics` alone, on `metrics_bind`, with one
//! worker of its own, so the public port never serves it and a scraper is
//! answered apart from the public traffic. It runs and stops with the main
//! server (`Application::run_until_stopped`).

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{App, HttpResponse, HttpServer, web};
use oauth_http_actix::RequestObserver;

use crate::config::{Config, ConfigError};
use crate::exit::CommandError;
use crate::telemetry::metrics::{CONTENT_TYPE, Metrics};

/// Connections the metrics listener accepts at once.
const METRICS_CONNECTIONS: u32 = 16;

/// The metrics, when `metrics_bind` asks for them; `None` costs the request
/// path nothing.
pub(super) fn metrics(config: &Config) -> Option<Metrics> {
    config.server.metrics_bind.map(|_| Metrics::new())
}

/// The metrics as the HTTP adapter's request observer.
pub(super) fn observer(metrics: Option<&Metrics>) -> Option<Arc<dyn RequestObserver>> {
    metrics.map(|metrics| Arc::new(metrics.clone()) as Arc<dyn RequestObserver>)
}

/// The bound, not yet running, metrics server.
pub(super) struct MetricsListener {
    server: Server,
    address: SocketAddr,
}

impl MetricsListener {
    /// Binds `metrics_bind` (refused like `bind` when it cannot listen) and
    /// builds the server; it serves once [`MetricsListener::start`] runs it.
    pub(super) fn bind(config: &Config, metrics: Option<&Metrics>) -> Result<Option<Self>, CommandError> {
        let (Some(bind), Some(metrics)) = (config.server.metrics_bind, metrics) else { return Ok(None) };
        if !bind.ip().is_loopback() {
            tracing::warn!(
                address = %bind,
                "metrics_bind is not a loopback address: keep it reachable by the scraper only"
            );
        }
        let listener = TcpListener::bind(bind)
            .map_err(|e| ConfigError::new("metrics_bind", format!("cannot listen on {bind}: {e}")))?;
        let address = listener
            .local_addr()
            .map_err(|e| CommandError::Runtime(format!("cannot read the metrics address: {e}")))?;
        let data = web::Data::new(metrics.clone());
        let server = HttpServer::new(move || {
            App::new().app_data(data.clone()).service(web::resource("/metrics").route(web::get().to(scrape)))
        })
        .workers(1)
        // A scraper needs one connection; whoever else reaches the port must
        // not hold the file descriptors the public listener needs.
        .max_connections(METRICS_CONNECTIONS as usize)
        .backlog(METRICS_CONNECTIONS)
        // The main server takes SIGTERM/SIGINT and stops this one after itself.
        .disable_signals()
        .shutdown_timeout(config.server.shutdown_timeout.as_secs())
        .listen(listener)
        .map_err(|e| CommandError::Runtime(format!("cannot start the metrics server: {e}")))?
        .run();
        Ok(Some(Self { server, address }))
    }

    /// Where it listens.
    pub(super) fn address(&self) -> SocketAddr {
        self.address
    }

    /// Starts serving; the handle stops it.
    pub(super) fn start(self) -> (ServerHandle, tokio::task::JoinHandle<std::io::Result<()>>) {
        let handle = self.server.handle();
        (handle, tokio::spawn(self.server))
    }
}

/// The OpenMetrics text of every metric, never kept by a cache.
async fn scrape(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(metrics.encode())
}

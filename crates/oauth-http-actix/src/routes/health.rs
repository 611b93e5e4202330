//! Liveness and readiness probes for orchestrators and load balancers.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue};
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::json_error;
use crate::state::AppState;

/// A readiness probe that hangs is a failed probe.
const READINESS_TIMEOUT: Duration = Duration::from_secs(5);

/// `GET /healthz`: the process is up and serving. Touches nothing else, so an
/// orchestrator does not restart us for a database outage.
pub(crate) async fn live() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .json(json!({ "status": "ok" }))
}

/// `GET /readyz`: the database answered just now. 503 otherwise, so a load
/// balancer stops sending traffic; the cause is logged, not shown.
pub(crate) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let outcome = tokio_timeout(READINESS_TIMEOUT, state.readiness.check()).await;
    match outcome {
        Some(Ok(())) => HttpResponse::Ok()
            .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .json(json!({ "status": "ready" })),
        Some(Err(error)) => {
            tracing::warn!(%error, "readiness check failed");
            unavailable()
        }
        None => {
            tracing::warn!("readiness check timed out");
            unavailable()
        }
    }
}

fn unavailable() -> HttpResponse {
    json_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "the database is not reachable")
}

/// `None` when `future` did not finish within `limit`.
async fn tokio_timeout<T>(limit: Duration, future: impl std::future::Future<Output = T>) -> Option<T> {
    actix_web::rt::time::timeout(limit, future).await.ok()
}

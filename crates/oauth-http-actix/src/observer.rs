//! A port for whoever counts requests (the server binary's metrics): told of
//! every answered request by its route template, status and duration, never
//! by its path, so that what it keeps stays bounded by the route table.

use std::time::Duration;

use actix_web::http::StatusCode;

/// Told of every request the server answered, once, after its response is
/// ready (the body may still be streaming).
///
/// Called on the request path of every worker: an implementation must be
/// cheap, must not block and should not allocate.
pub trait RequestObserver: Send + Sync {
    /// `route` is the template of the route that answered, one of
    /// [`crate::ROUTES`]' paths or the issuer's RFC 8414 metadata path, and
    /// never request text; `None` when no route matched the path (a 404 for
    /// an unknown path) or the request failed before a response existed.
    fn observe(&self, route: Option<&str>, status: StatusCode, elapsed: Duration);
}

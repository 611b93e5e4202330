//! ManuMu Auth's HTTP adapter: actix-web routes, the mapping of domain errors
//! to HTTP, request ids and security headers. It knows the core's services and
//! ports, never a concrete store or key implementation.

mod browser;
mod error;
mod middleware;
mod observer;
mod pages;
mod params;
mod redirect;
mod routes;
mod server;
mod state;

pub use browser::CookiePolicy;
pub use error::{ApiError, ErrorBody};
pub use middleware::request_id::{RequestId, assign as assign_request_id};
pub use middleware::security_headers::security_headers;
pub use middleware::trace_context::TraceContext;
pub use observer::RequestObserver;
pub use pages::{Pages, PagesError};
pub use routes::ROUTES;
pub use server::{ServerOptions, build_server, mount};
pub use state::{AppState, Publication};

//! Prometheus metrics, served in the OpenMetrics text format on their own
//! listener (`metrics_bind`, never the public port). Every label value comes
//! from a fixed set (`labels.rs`): no client id, user, path or error text
//! ever becomes a label, so callers cannot grow the number of series.

mod capacity;
mod events;
mod labels;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::StatusCode;
use oauth_http_actix::RequestObserver;
use oauth_keys::Argon2Hasher;
use oauth_store_diesel::DieselStore;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

pub use labels::LoginOutcome;
use labels::{HttpLabels, LoginLabels, RouteLabels, TokenLabels};

/// The content type of [`Metrics::encode`]'s text (OpenMetrics 1.0 §3.1).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Request latency buckets, in seconds: a JWKS read takes well under a
/// millisecond, a sign-in tens of milliseconds (argon2id), a stalled
/// database up to `db_timeout_secs`.
const LATENCY_BUCKETS: [f64; 13] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

type Latencies = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// The server's metrics. Cheap to clone: every clone counts into the same
/// registry.
#[derive(Debug, Clone)]
pub struct Metrics(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_latency: Latencies,
    tokens_issued: Family<TokenLabels, Counter>,
    refresh_reuse: Counter,
    logins: Family<LoginLabels, Counter>,
    client_authentication_failures: Counter,
    janitor_sweeps: Counter,
    janitor_rows_removed: Counter,
    janitor_keys_removed: Counter,
    janitor_sweep_failures: Counter,
    key_rotations: Counter,
    capacity: capacity::Capacity,
    dropped_events: events::DroppedEvents,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every metric registered, the unlabelled and fixed-label ones at zero.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template and status class",
            http_requests.clone(),
        );
        let http_latency: Latencies = Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time from a request's arrival to its response, by route template",
            Unit::Seconds,
            http_latency.clone(),
        );
        let tokens_issued = Family::<TokenLabels, Counter>::default();
        for grant in labels::GRANTS {
            for public in [true, false] {
                let client_type = labels::client_type_label(public);
                drop(tokens_issued.get_or_create(&TokenLabels { grant, client_type }));
            }
        }
        registry.register(
            "tokens_issued",
            "Token responses issued, by grant and client type",
            tokens_issued.clone(),
        );
        let logins = Family::<LoginLabels, Counter>::default();
        for outcome in LoginOutcome::ALL {
            drop(logins.get_or_create(&LoginLabels { outcome: outcome.label() }));
        }
        registry.register("logins", "Sign-in attempts, by outcome", logins.clone());
        // Help texts end without a period: the registry adds one.
        let counter = |registry: &mut Registry, name: &str, help: &str| {
            let counter = Counter::default();
            registry.register(name, help, counter.clone());
            counter
        };
        let refresh_reuse = counter(
            &mut registry,
            "refresh_reuse_detected",
            "Refresh tokens presented again after their rotation; each revoked its family",
        );
        let client_authentication_failures = counter(
            &mut registry,
            "client_authentication_failures",
            "Client authentications refused at the token, revocation, introspection and PAR endpoints",
        );
        let janitor_sweeps = counter(&mut registry, "janitor_sweeps", "Janitor sweeps run");
        let janitor_rows_removed =
            counter(&mut registry, "janitor_rows_removed", "Expired rows the janitor deleted");
        let janitor_keys_removed =
            counter(&mut registry, "janitor_keys_removed", "Retired signing keys the janitor deleted");
        let janitor_sweep_failures = counter(
            &mut registry,
            "janitor_sweep_failures",
            "Janitor steps that failed (logged; retried at the next sweep)",
        );
        let key_rotations =
            counter(&mut registry, "signing_key_rotations", "Signing keys rotated by this instance");
        let capacity = capacity::Capacity::default();
        registry.register_collector(Box::new(capacity.clone()));
        let dropped_events = events::DroppedEvents::default();
        registry.register_collector(Box::new(dropped_events.clone()));
        Self(Arc::new(Inner {
            registry,
            http_requests,
            http_latency,
            tokens_issued,
            refresh_reuse,
            logins,
            client_authentication_failures,
            janitor_sweeps,
            janitor_rows_removed,
            janitor_keys_removed,
            janitor_sweep_failures,
            key_rotations,
            capacity,
            dropped_events,
        }))
    }

    /// Reads `store`'s pool and `hasher`'s queue at each scrape from now on.
    /// A process has one of each: a second call changes nothing.
    pub fn watch(&self, store: &DieselStore, hasher: &Argon2Hasher) {
        let sources = capacity::Sources { store: store.clone(), hasher: hasher.clone() };
        if self.0.capacity.0.set(sources).is_err() {
            tracing::debug!("metrics already watch a store and a hasher");
        }
    }

    /// A token response was issued for `grant` (the request's `grant_type`;
    /// an unknown one counts as `other`) to a public or confidential client.
    pub fn tokens_issued(&self, grant: &str, public_client: bool) {
        let labels = TokenLabels {
            grant: labels::grant_label(grant),
            client_type: labels::client_type_label(public_client),
        };
        self.0.tokens_issued.get_or_create(&labels).inc();
    }

    /// A rotated refresh token was presented again (RFC 9700 §4.14.2).
    pub fn refresh_reuse_detected(&self) {
        self.0.refresh_reuse.inc();
    }

    /// A sign-in ended with `outcome`.
    pub fn login(&self, outcome: LoginOutcome) {
        self.0.logins.get_or_create(&LoginLabels { outcome: outcome.label() }).inc();
    }

    /// A client's authentication was refused.
    pub fn client_authentication_failed(&self) {
        self.0.client_authentication_failures.inc();
    }

    /// This instance rotated a signing key.
    pub fn key_rotated(&self) {
        self.0.key_rotations.inc();
    }

    /// A janitor sweep finished, having deleted `rows` expired rows and
    /// `keys` retired signing keys.
    pub fn janitor_swept(&self, rows: u64, keys: u64) {
        self.0.janitor_sweeps.inc();
        self.0.janitor_rows_removed.inc_by(rows);
        self.0.janitor_keys_removed.inc_by(keys);
    }

    /// A step of a janitor sweep failed (it is logged and retried).
    pub fn janitor_sweep_failed(&self) {
        self.0.janitor_sweep_failures.inc();
    }

    /// Every metric in the OpenMetrics text format, ending in `# EOF`.
    pub fn encode(&self) -> String {
        let mut text = String::with_capacity(8 * 1024);
        // Writing to a `String` cannot fail, nor can our collector.
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.0.registry) {
            tracing::warn!(error = %error, "cannot encode the metrics");
        }
        text
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

impl RequestObserver for Metrics {
    fn observe(&self, route: Option<&str>, status: StatusCode, elapsed: Duration) {
        let route = labels::route_label(route);
        let labels = HttpLabels { route, status_class: labels::status_class(status) };
        self.0.http_requests.get_or_create(&labels).inc();
        self.0.http_latency.get_or_create(&RouteLabels { route }).observe(elapsed.as_secs_f64());
    }
}

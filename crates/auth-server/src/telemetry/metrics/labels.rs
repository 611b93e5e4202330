//! Label values, each from a fixed set of `&'static str`s: whatever a request
//! carries (a path, a client id, a grant it made up, error text) maps onto
//! one of them, so the number of series never depends on what callers send.

use actix_web::http::StatusCode;
use prometheus_client::encoding::EncodeLabelSet;

/// `http_requests_total`'s labels.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct HttpLabels {
    pub route: &'static str,
    pub status_class: &'static str,
}

/// `http_request_duration_seconds`' labels.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct RouteLabels {
    pub route: &'static str,
}

/// `tokens_issued_total`'s labels.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct TokenLabels {
    pub grant: &'static str,
    pub client_type: &'static str,
}

/// `logins_total`'s labels.
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct LoginLabels {
    pub outcome: &'static str,
}

/// How a sign-in ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    /// The password matched and the user may sign in.
    Succeeded,
    /// Wrong password, unknown or disabled user.
    Failed,
    /// A failed sign-in that locked an account or address (the refusals
    /// while locked are logged as `login_throttled`, not counted).
    Locked,
}

impl LoginOutcome {
    /// Every outcome, so each series exists from the first scrape.
    pub(super) const ALL: [Self; 3] = [Self::Succeeded, Self::Failed, Self::Locked];

    /// The `outcome` label.
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Locked => "locked",
        }
    }
}

/// The `grant` labels, in the order they are listed.
pub(super) const GRANTS: [&str; 5] =
    ["authorization_code", "refresh_token", "client_credentials", "device_code", "other"];

/// The `grant` label of a `grant_type` (RFC 6749 §4, RFC 8628 §3.4); any
/// other text, an extension grant or a caller's invention, is `other`.
pub(super) fn grant_label(grant_type: &str) -> &'static str {
    match grant_type {
        "authorization_code" => "authorization_code",
        "refresh_token" => "refresh_token",
        "client_credentials" => "client_credentials",
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => "device_code",
        _ => "other",
    }
}

/// The `client_type` label (RFC 6749 §2.1).
pub(super) fn client_type_label(public_client: bool) -> &'static str {
    if public_client { "public" } else { "confidential" }
}

/// The `status_class` label: the status code's first digit (RFC 9110 §15).
pub(super) fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        // actix allows codes up to 999; none of ours is one.
        _ => "other",
    }
}

/// The `route` label: the route table's own template, `unmatched` when no
/// route answered, and `other` for a template outside the table (the
/// issuer's RFC 8414 metadata path): never text the observer was handed.
pub(super) fn route_label(route: Option<&str>) -> &'static str {
    let Some(template) = route else { return "unmatched" };
    oauth_http_actix::ROUTES.iter().find(|(_, path)| *path == template).map_or("other", |(_, path)| *path)
}

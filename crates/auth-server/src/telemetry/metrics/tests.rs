#![allow(clippy::unwrap_used)] // test code: a panic is a failed test

use super::labels::{grant_label, route_label, status_class};
use super::*;

/// The value of the sample line that starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map(|value| value.parse().unwrap())
}

#[test]
fn grant_types_map_onto_a_fixed_set() {
    let rows = [
        ("code", "authorization_code", "authorization_code"),
        ("refresh", "refresh_token", "refresh_token"),
        ("machine", "client_credentials", "client_credentials"),
        ("device, RFC 8628 URN", "urn:ietf:params:oauth:grant-type:device_code", "device_code"),
        ("device, short", "device_code", "device_code"),
        ("implicit", "implicit", "other"),
        ("invented", "bogus-grant-4711", "other"),
        ("empty", "", "other"),
    ];
    for (name, grant_type, expected) in rows {
        assert_eq!(grant_label(grant_type), expected, "{name}");
    }
}

#[test]
fn status_codes_map_onto_their_class() {
    let rows = [
        (100, "1xx"),
        (200, "2xx"),
        (204, "2xx"),
        (302, "3xx"),
        (303, "3xx"),
        (400, "4xx"),
        (401, "4xx"),
        (499, "4xx"),
        (500, "5xx"),
        (503, "5xx"),
        (600, "other"),
    ];
    for (code, expected) in rows {
        assert_eq!(status_class(StatusCode::from_u16(code).unwrap()), expected, "{code}");
    }
}

#[test]
fn route_labels_come_only_from_the_route_table() {
    let rows = [
        ("listed route", Some("/oauth/token"), "/oauth/token"),
        ("listed template", Some("/oauth/register/{client_id}"), "/oauth/register/{client_id}"),
        ("unlisted template", Some("/.well-known/oauth-authorization-server/tenant"), "other"),
        ("a raw path", Some("/x/4711"), "other"),
        ("no route", None, "unmatched"),
    ];
    for (name, route, expected) in rows {
        assert_eq!(route_label(route), expected, "{name}");
    }
}

#[test]
fn encodes_openmetrics_text_with_every_family() {
    let metrics = Metrics::new();
    metrics.observe(Some("/oauth/token"), StatusCode::OK, Duration::from_millis(3));
    metrics.observe(Some("/oauth/token"), StatusCode::UNAUTHORIZED, Duration::from_millis(2));
    metrics.observe(None, StatusCode::NOT_FOUND, Duration::from_micros(300));
    metrics.tokens_issued("authorization_code", true);
    metrics.tokens_issued("urn:example:made-up", false);
    metrics.refresh_reuse_detected();
    metrics.login(LoginOutcome::Locked);
    metrics.client_authentication_failed();
    metrics.key_rotated();
    metrics.janitor_swept(7, 1);
    metrics.janitor_swept(3, 0);
    metrics.janitor_sweep_failed();
    let text = metrics.encode();

    assert!(text.ends_with("# EOF\n"), "{text}");
    let rows = [
        (r#"http_requests_total{route="/oauth/token",status_class="2xx"}"#, 1.0),
        (r#"http_requests_total{route="/oauth/token",status_class="4xx"}"#, 1.0),
        (r#"http_requests_total{route="unmatched",status_class="4xx"}"#, 1.0),
        (r#"http_request_duration_seconds_count{route="/oauth/token"}"#, 2.0),
        (r#"http_request_duration_seconds_bucket{le="0.0025",route="/oauth/token"}"#, 1.0),
        (r#"http_request_duration_seconds_bucket{le="0.001",route="unmatched"}"#, 1.0),
        (r#"tokens_issued_total{grant="authorization_code",client_type="public"}"#, 1.0),
        (r#"tokens_issued_total{grant="other",client_type="confidential"}"#, 1.0),
        (r#"tokens_issued_total{grant="refresh_token",client_type="public"}"#, 0.0),
        ("refresh_reuse_detected_total", 1.0),
        (r#"logins_total{outcome="locked"}"#, 1.0),
        (r#"logins_total{outcome="succeeded"}"#, 0.0),
        ("client_authentication_failures_total", 1.0),
        ("signing_key_rotations_total", 1.0),
        ("janitor_sweeps_total", 2.0),
        ("janitor_rows_removed_total", 10.0),
        ("janitor_keys_removed_total", 1.0),
        ("janitor_sweep_failures_total", 1.0),
    ];
    for (series, value) in rows {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
    assert!(text.contains("# TYPE http_request_duration_seconds histogram"), "{text}");
    assert!(text.contains("# UNIT http_request_duration_seconds seconds"), "{text}");
    assert!(!text.contains("made-up"), "a caller's grant text is never a label");
    assert!(!text.contains("store_pool"), "no gauges before a store is watched");
}

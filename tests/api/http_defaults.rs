//! What every HTTP answer carries, whatever the route: its own request id,
//! the security headers (no framing, no sniffing, no referrer, no caching, a
//! closed CSP), and a JSON error for an unknown path or a wrong method.

use crate::support::app::spawn_app;

#[tokio::test]
async fn every_response_carries_a_request_id_and_security_headers() {
    let app = spawn_app().await;
    let first = app.get("/healthz").await;
    let second = app.get("/healthz").await;
    let id = |r: &reqwest::Response| r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id(&first).len(), 36);
    assert_ne!(id(&first), id(&second), "each request gets its own id");
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(first.headers()[name], value, "header {name}");
    }
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_get_json_errors() {
    let app = spawn_app().await;
    let missing = app.get("/oauth/nothing-here").await;
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().contains_key("x-request-id"));
    assert_eq!(missing.json::<serde_json::Value>().await.unwrap()["error"], "not_found");

    let wrong = app.http.delete(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(wrong.status(), 405);
    assert_eq!(wrong.headers()["allow"], "GET");
    assert_eq!(wrong.json::<serde_json::Value>().await.unwrap()["error"], "method_not_allowed");
}

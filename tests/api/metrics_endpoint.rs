//! `/metrics`: off unless `metrics_bind` is set, then on its own listener
//! only; HTTP counters follow a real code flow; and labels stay bounded
//! whatever paths and client ids callers send.

use oauth_store_diesel::testing::TestDatabase;

use crate::support::app::{TestApp, spawn_app, spawn_app_with};
use crate::support::browser::Browser;
use crate::support::seed::seed;
use crate::support::token::{borrowed, code_for, exchange, refresh_fields, token};

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// An app whose metrics listen on a loopback port of their own.
async fn app_with_metrics() -> TestApp {
    spawn_app_with(TestDatabase::sqlite(), |raw| raw.server.metrics_bind = Some("127.0.0.1:0".into())).await
}

/// The metrics text, scraped from the metrics listener.
async fn scrape(app: &TestApp) -> String {
    let base = app.metrics_address.as_deref().expect("metrics are on");
    let response = app.http.get(format!("{base}/metrics")).send().await.expect("scrape");
    assert_eq!(response.status(), 200);
    response.text().await.expect("text")
}

/// The value of the sample whose name and labels are `series`, if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series).and_then(|rest| rest.strip_prefix(' ')))
        .map(|value| value.parse().expect("a number"))
}

/// Sample lines: every line but comments (`# HELP`, `# TYPE`, `# EOF`).
fn series_count(text: &str) -> usize {
    text.lines().filter(|line| !line.is_empty() && !line.starts_with('#')).count()
}

fn requests(route: &str, class: &str) -> String {
    format!(r#"http_requests_total{{route="{route}",status_class="{class}"}}"#)
}

#[tokio::test]
async fn metrics_are_off_by_default() {
    let app = spawn_app().await;
    assert_eq!(app.metrics_address, None, "no metrics listener unless metrics_bind is set");
    assert_eq!(app.get("/metrics").await.status(), 404);
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_only() {
    let app = app_with_metrics().await;
    let base = app.metrics_address.clone().expect("metrics are on");
    assert_ne!(base, app.address);

    let response = app.http.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], OPENMETRICS);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let text = response.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    // Families with fixed labels or none are there from the start; labelled
    // ones appear with their first series.
    let families = [
        "tokens_issued",
        "logins",
        "refresh_reuse_detected",
        "store_pool_connections",
        "password_hash_queue_depth",
    ];
    for family in families {
        assert!(text.contains(&format!("# TYPE {family} ")), "{family} in\n{text}");
    }

    assert_eq!(app.get("/metrics").await.status(), 404, "the public port never serves metrics");
    let elsewhere = app.http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(elsewhere.status(), 404, "the metrics listener serves nothing else");
}

#[tokio::test]
async fn http_counters_follow_a_code_flow() {
    let app = app_with_metrics().await;
    let seed = seed(&app).await;
    let mut browser = Browser::new(&app);
    let code = code_for(&mut browser, &seed, "openid").await;
    let answer = token(&app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    let text = scrape(&app).await;
    // The login page, the login (303 to consent), the consent page, the
    // decision (303 to the client), the exchange.
    let rows = [
        (requests("/oauth/authorize", "2xx"), 1.0),
        (requests("/login", "3xx"), 1.0),
        (requests("/consent", "2xx"), 1.0),
        (requests("/consent", "3xx"), 1.0),
        (requests("/oauth/token", "2xx"), 1.0),
        (r#"http_request_duration_seconds_count{route="/oauth/token"}"#.to_owned(), 1.0),
        (r#"http_request_duration_seconds_bucket{le="+Inf",route="/login"}"#.to_owned(), 1.0),
    ];
    for (series, value) in rows {
        assert_eq!(sample(&text, &series), Some(value), "{series} in\n{text}");
    }
    assert!(sample(&text, "store_pool_connections").is_some_and(|n| n >= 1.0), "{text}");
    assert!(!text.contains(&seed.client_id), "a client id is never a label");
}

/// The counters fed by security events move with what happens: an
/// issuance, a sign-in, a refused client and a refresh token reused.
#[tokio::test]
async fn event_counters_follow_issuance_refusal_and_reuse() {
    let app = app_with_metrics().await;
    let seed = seed(&app).await;
    let mut browser = Browser::new(&app);
    let code = code_for(&mut browser, &seed, "openid offline_access").await;
    let issued = token(&app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(issued.status, 200, "{}", issued.body);
    let first = issued.field("refresh_token");
    let refresh = refresh_fields(&seed.client_id, &first, None);
    assert_eq!(token(&app, &borrowed(&refresh), None).await.status, 200);
    assert_eq!(token(&app, &borrowed(&refresh), None).await.error(), "invalid_grant", "reuse");
    let refused = token(&app, &exchange(&seed.client_id, "x"), Some((&seed.client_id, "wrong"))).await;
    assert_eq!(refused.status, 401);

    let text = scrape(&app).await;
    let rows = [
        (r#"tokens_issued_total{grant="authorization_code",client_type="public"}"#, 1.0),
        (r#"tokens_issued_total{grant="refresh_token",client_type="public"}"#, 1.0),
        (r#"tokens_issued_total{grant="client_credentials",client_type="confidential"}"#, 0.0),
        (r#"logins_total{outcome="succeeded"}"#, 1.0),
        (r#"logins_total{outcome="failed"}"#, 0.0),
        ("refresh_reuse_detected_total", 1.0),
        ("client_authentication_failures_total", 1.0),
        ("security_events_dropped_total", 0.0),
    ];
    for (series, value) in rows {
        assert_eq!(sample(&text, series), Some(value), "{series} in\n{text}");
    }
}

#[tokio::test]
async fn labels_stay_bounded_whatever_callers_send() {
    let app = app_with_metrics().await;
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let send = |range: std::ops::Range<usize>| {
        let (app, nonce) = (&app, &nonce);
        async move {
            for n in range {
                let path = format!("/x/bogus-path-{n}-{nonce}");
                assert_eq!(app.get(&path).await.status(), 404);
                let client_id = format!("bogus-client-{n}-{nonce}");
                let fields = [("grant_type", "client_credentials"), ("client_id", client_id.as_str())];
                let answer = token(app, &fields, None).await;
                assert!(answer.status.is_client_error(), "{}: {}", answer.status, answer.body);
            }
        }
    };

    send(0..10).await;
    let after_ten = scrape(&app).await;
    send(10..1_000).await;
    let after_thousand = scrape(&app).await;

    assert_eq!(
        series_count(&after_thousand),
        series_count(&after_ten),
        "series grew with the paths and client ids sent:\n{after_thousand}"
    );
    assert_eq!(sample(&after_thousand, &requests("unmatched", "4xx")), Some(1_000.0));
    assert!(!after_thousand.contains("bogus"), "request text reached a label:\n{after_thousand}");
    assert!(!after_thousand.contains(&nonce), "request text reached a label");
}

//! Foundation, over HTTP: probes, request ids, headers and JSON errors.

use oauth_store_diesel::testing::TestDatabase;

use crate::helpers::{spawn_app, spawn_app_on};

#[tokio::test]
async fn healthz_and_readyz_answer_on_a_fresh_sqlite_database() {
    let app = spawn_app().await;
    let live = app.get("/healthz").await;
    assert_eq!(live.status(), 200);
    assert_eq!(live.json::<serde_json::Value>().await.unwrap()["status"], "ok");
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["status"], "ready");
}

#[tokio::test]
async fn readyz_is_503_when_the_sqlite_file_is_gone() {
    let app = spawn_app().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let path = app.db.url().sqlite_path().unwrap().to_owned();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    assert!(!body.to_string().contains(&path.display().to_string()), "no internals in the body");
    assert_eq!(app.get("/healthz").await.status(), 200, "liveness does not depend on the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_when_the_postgres_database_is_dropped() {
    let Some(db) = TestDatabase::postgres("readyz_is_503_when_the_postgres_database_is_dropped") else {
        return;
    };
    let app = spawn_app_on(db).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    app.db.drop_now();
    assert_eq!(app.get("/readyz").await.status(), 503);
}

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

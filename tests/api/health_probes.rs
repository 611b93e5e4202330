//! The probes over HTTP: `/healthz` answers while the process lives,
//! `/readyz` only while the database does (503 `temporarily_unavailable`,
//! with no internals, once the SQLite file or the PostgreSQL database is gone).

use oauth_store_diesel::testing::TestDatabase;

use crate::support::app::{spawn_app, spawn_app_on};

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

//! The per-instance read caches in front of the client registry and the
//! client-authentication failure counters (docs/SECURITY.md § Read caches):
//! what another process changes is honoured here within `client_cache_secs`
//! on the injected clock, a refusal is never decided on a stale copy, and the
//! shared failure limit holds across instances.

use oauth_store_diesel::testing::TestDatabase;
use time::Duration;

use crate::flow::{Seed, register};
use crate::helpers::{TestApp, spawn_app, spawn_app_with, start};
use crate::token::{Answer, post_form, token};

const CC: [(&str, &str); 1] = [("grant_type", "client_credentials")];

async fn machine(app: &TestApp) -> (Seed, String) {
    let seed = register(app, "Batch", |spec| {
        spec.client_type = "confidential".into();
        spec.redirect_uris = vec![];
        spec.grant_types = vec!["client_credentials".into()];
        spec.scopes = vec!["openid".into()];
    })
    .await;
    let secret = seed.secret.clone().unwrap();
    (seed, secret)
}

/// The client service of another process (the CLI) on the same database.
async fn elsewhere(app: &TestApp) -> oauth_core::service::clients::ClientService {
    let (store, _) = auth_server::app::open_store(&app.config).await.unwrap();
    auth_server::app::client_service(&app.config, store)
}

async fn client_credentials_at(base: &str, id: &str, secret: &str) -> Answer {
    post_form(&reqwest::Client::new(), &format!("{base}/oauth/token"), &CC, Some((id, secret))).await
}

#[tokio::test]
async fn a_secret_rotated_elsewhere_is_accepted_at_once_and_the_old_one_through_its_grace() {
    let app = spawn_app().await;
    let (seed, old) = machine(&app).await;
    assert_eq!(token(&app, &CC, Some((&seed.client_id, &old))).await.status, 200, "now cached");
    let (_, new) =
        elsewhere(&app).await.rotate_secret(&seed.client_id, Some(Duration::hours(1))).await.unwrap();
    let with_new = token(&app, &CC, Some((&seed.client_id, new.expose()))).await;
    assert_eq!(with_new.status, 200, "no wait for the cache: {}", with_new.body);
    assert_eq!(token(&app, &CC, Some((&seed.client_id, &old))).await.status, 200, "within the grace");
}

#[tokio::test]
async fn a_client_disabled_elsewhere_is_refused_once_the_cache_expired() {
    let app = spawn_app().await;
    let (seed, secret) = machine(&app).await;
    assert_eq!(token(&app, &CC, Some((&seed.client_id, &secret))).await.status, 200);
    elsewhere(&app).await.set_disabled(&seed.client_id, true).await.unwrap();
    app.clock.advance(Duration::seconds(1));
    let refused = token(&app, &CC, Some((&seed.client_id, &secret))).await;
    assert_eq!((refused.status.as_u16(), refused.error()), (401, "invalid_client"));
    elsewhere(&app).await.set_disabled(&seed.client_id, false).await.unwrap();
    let back = token(&app, &CC, Some((&seed.client_id, &secret))).await;
    assert_eq!(back.status, 200, "re-enabled is seen at once: a refusal re-reads the store");
}

#[tokio::test]
async fn with_the_cache_off_a_disabled_client_is_refused_on_the_next_request() {
    let app = spawn_app_with(TestDatabase::sqlite(), |raw| raw.client_cache_secs = 0).await;
    let (seed, secret) = machine(&app).await;
    assert_eq!(token(&app, &CC, Some((&seed.client_id, &secret))).await.status, 200);
    elsewhere(&app).await.set_disabled(&seed.client_id, true).await.unwrap();
    assert_eq!(token(&app, &CC, Some((&seed.client_id, &secret))).await.error(), "invalid_client");
}

#[tokio::test]
async fn the_failure_limit_is_shared_by_instances_whatever_they_cached() {
    let app = spawn_app().await;
    let (seed, secret) = machine(&app).await;
    let other = start(&app.config, app.clock.clone()).await;
    // The other instance has cached "no failures" for this client and address.
    assert_eq!(client_credentials_at(&other, &seed.client_id, &secret).await.status, 200);
    for _ in 0..20 {
        assert_eq!(token(&app, &CC, Some((&seed.client_id, "wrong"))).await.status, 401);
    }
    // Its copy predates the 20 failures: one more guess is judged there, and
    // recording it brings back the shared count.
    let guess = client_credentials_at(&other, &seed.client_id, "still wrong").await;
    assert_eq!(guess.status, 401);
    for attempt in [
        client_credentials_at(&other, &seed.client_id, &secret).await,
        token(&app, &CC, Some((&seed.client_id, &secret))).await,
    ] {
        assert_eq!(attempt.status, 429, "locked on both instances, even with the right secret");
    }
}

//! The per-instance read caches (docs/SECURITY.md § Read caches): in front of
//! the client registry and the client-authentication failure counters, what
//! another process changes is honoured here within `client_cache_secs` on the
//! injected clock, a refusal is never decided on a stale copy, and the shared
//! failure limit holds across instances; in front of the token verifier, a
//! checked signature is remembered but revocation and expiry never are.

use oauth_core::service::clients::ClientUpdate;
use oauth_store_diesel::testing::TestDatabase;
use time::Duration;

use crate::support::app::{TestApp, spawn_app, spawn_app_with, start};
use crate::support::browser::{Browser, authorize_query};
use crate::support::seed::{REDIRECT_URI, Seed, register_machine, seed};
use crate::support::token::{Answer, introspect, post_form, revoke, token};

const CC: [(&str, &str); 1] = [("grant_type", "client_credentials")];

async fn machine(app: &TestApp) -> (Seed, String) {
    let seed = register_machine(app, "Batch").await;
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
    let app = spawn_app_with(TestDatabase::sqlite(), |raw| {
        raw.database.client_cache_secs = auth_server::config::Duration::seconds(0);
    })
    .await;
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

#[tokio::test]
async fn a_remembered_signature_check_never_outlives_a_revocation_or_the_tokens_expiry() {
    let app = spawn_app().await;
    let (seed, secret) = machine(&app).await;
    let caller = Some((seed.client_id.as_str(), secret.as_str()));
    let [revoked, expiring] = [token(&app, &CC, caller).await, token(&app, &CC, caller).await]
        .map(|answer| answer.field("access_token"));
    for access in [&revoked, &expiring] {
        assert_eq!(introspect(&app, access, caller).await.body["active"], true, "checked and remembered");
    }
    assert_eq!(revoke(&app, &[("token", &revoked)], caller).await.status, 200);
    assert_eq!(introspect(&app, &revoked, caller).await.body["active"], false, "revoked at once");
    assert_eq!(introspect(&app, &expiring, caller).await.body["active"], true);
    // Access tokens live 600 s by default; the signature is remembered for
    // 60 s, so check it again at 590 s and cross the expiry while it is
    // remembered.
    app.clock.advance(Duration::seconds(590));
    assert_eq!(introspect(&app, &expiring, caller).await.body["active"], true, "remembered again");
    app.clock.advance(Duration::seconds(10));
    assert_eq!(introspect(&app, &expiring, caller).await.body["active"], false, "expired at once");
}

#[tokio::test]
async fn a_forged_token_is_refused_every_time_even_next_to_a_remembered_one() {
    let app = spawn_app().await;
    let (seed, secret) = machine(&app).await;
    let caller = Some((seed.client_id.as_str(), secret.as_str()));
    let access = token(&app, &CC, caller).await.field("access_token");
    assert_eq!(introspect(&app, &access, caller).await.body["active"], true);
    // Same header and claims, another signature: a different token to the cache.
    let (signed, signature) = access.rsplit_once('.').unwrap();
    let mut forged_signature = signature.to_owned().into_bytes();
    forged_signature[0] = if forged_signature[0] == b'A' { b'B' } else { b'A' };
    let forged = format!("{signed}.{}", String::from_utf8(forged_signature).unwrap());
    for _ in 0..2 {
        assert_eq!(introspect(&app, &forged, caller).await.body["active"], false);
    }
}

#[tokio::test]
async fn a_redirect_uri_or_scope_added_elsewhere_is_accepted_at_once() {
    let app = spawn_app_with(TestDatabase::sqlite(), |raw| {
        raw.sign_in.api_scopes.insert("api:read".into(), "Read the API".into());
    })
    .await;
    let seed = seed(&app).await;
    let login_page = Browser::new(&app).authorize(&seed, &[]).await;
    assert_eq!(login_page.status(), 200, "the client is now cached");
    let added = "https://rp.example/added";
    let update = ClientUpdate {
        redirect_uris: Some(vec![REDIRECT_URI.into(), added.into()]),
        ..ClientUpdate::default()
    };
    elsewhere(&app).await.update(&seed.client_id, update).await.unwrap();
    let query = authorize_query(&seed, &[("redirect_uri", Some(added))]);
    assert_eq!(Browser::new(&app).get(&format!("/oauth/authorize?{query}")).await.status(), 200);

    let (machine, secret) = machine(&app).await;
    assert_eq!(token(&app, &CC, Some((&machine.client_id, &secret))).await.status, 200, "now cached");
    let scopes = Some(vec!["openid".into(), "api:read".into()]);
    elsewhere(&app)
        .await
        .update(&machine.client_id, ClientUpdate { scopes, ..ClientUpdate::default() })
        .await
        .unwrap();
    let wider = [("grant_type", "client_credentials"), ("scope", "api:read")];
    let answer = token(&app, &wider, Some((&machine.client_id, &secret))).await;
    assert_eq!(answer.status, 200, "a scope added elsewhere: {}", answer.body);
}

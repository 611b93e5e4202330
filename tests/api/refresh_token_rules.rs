//! Refresh token lifetimes (RFC 9700 §4.14.2: expire when unused, and a
//! family ends at its absolute lifetime however often it is used) and their
//! revocation whatever `token_type_hint` says (RFC 7009 §2.1).

use serde_json::json;
use time::Duration;

use crate::support::app::TestApp;
use crate::support::browser::Browser;
use crate::support::seed::{Seed, confidential, seeded_app, seeded_app_with};
use crate::support::token::{
    Answer, borrowed, code_for, exchange, introspect, refresh_fields, revoke, token, tokens_for,
};

/// The defaults (`refresh_token_idle_secs`, `refresh_token_absolute_secs`).
const IDLE: Duration = Duration::days(14);
const ABSOLUTE: Duration = Duration::days(30);

/// A first refresh token for the public client `seed`.
async fn first_refresh_token(app: &TestApp, seed: &Seed) -> String {
    let code = code_for(&mut Browser::new(app), seed, "openid offline_access").await;
    let answer = token(app, &exchange(&seed.client_id, &code), None).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.field("refresh_token")
}

async fn refresh(app: &TestApp, seed: &Seed, refresh_token: &str) -> Answer {
    token(app, &borrowed(&refresh_fields(&seed.client_id, refresh_token, None)), None).await
}

#[tokio::test]
async fn a_refresh_token_unused_for_the_idle_lifetime_is_expired() {
    let (app, seed) = seeded_app().await;
    let rt = first_refresh_token(&app, &seed).await;
    app.clock.advance(IDLE - Duration::seconds(1));
    let used = refresh(&app, &seed, &rt).await;
    assert_eq!(used.status, 200, "within the idle lifetime: {}", used.body);
    let successor = used.field("refresh_token");

    app.clock.advance(IDLE);
    let idle = refresh(&app, &seed, &successor).await;
    assert_eq!((idle.status.as_u16(), idle.error()), (400, "invalid_grant"), "{}", idle.body);
}

#[tokio::test]
async fn a_family_refreshed_within_every_idle_window_still_ends_at_its_absolute_lifetime() {
    let (app, seed) = seeded_app().await;
    let mut rt = first_refresh_token(&app, &seed).await;
    // Used every 13 days (inside the idle window), then one second before
    // the family's end: each use succeeds.
    let last = ABSOLUTE - Duration::days(26) - Duration::seconds(1);
    for step in [Duration::days(13), Duration::days(13), last] {
        app.clock.advance(step);
        let answer = refresh(&app, &seed, &rt).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        rt = answer.field("refresh_token");
    }
    // The last successor is a second old, far inside its idle window, but the
    // family began ABSOLUTE ago.
    app.clock.advance(Duration::seconds(1));
    let ended = refresh(&app, &seed, &rt).await;
    assert_eq!((ended.status.as_u16(), ended.error()), (400, "invalid_grant"), "{}", ended.body);
}

#[tokio::test]
async fn a_refresh_token_revoked_with_the_access_token_hint_is_revoked() {
    // RFC 7009 §2.1: a wrong hint makes the server extend its search.
    let (app, seed) = seeded_app_with(confidential).await;
    let caller = Some(seed.credentials());
    let mut browser = Browser::new(&app);
    let tokens = tokens_for(&app, &mut browser, &seed, "openid offline_access").await;
    let rt = tokens.field("refresh_token");

    let answer = revoke(&app, &[("token", &rt), ("token_type_hint", "access_token")], caller).await;
    assert_eq!(answer.status, 200);
    assert_eq!(introspect(&app, &rt, caller).await.body, json!({ "active": false }));
    let again = token(&app, &[("grant_type", "refresh_token"), ("refresh_token", &rt)], caller).await;
    assert_eq!((again.status.as_u16(), again.error()), (400, "invalid_grant"), "{}", again.body);

    // And the other way round: an access token with the refresh token hint.
    let other = tokens_for(&app, &mut browser, &seed, "openid").await.field("access_token");
    assert_eq!(introspect(&app, &other, caller).await.body["active"], true);
    let answer = revoke(&app, &[("token", &other), ("token_type_hint", "refresh_token")], caller).await;
    assert_eq!(answer.status, 200);
    assert_eq!(introspect(&app, &other, caller).await.body, json!({ "active": false }));
}

//! Revocation (RFC 7009) over the in-memory store.

use time::Duration;

use crate::service::endpoint_harness::{self, *};
use crate::service::retention::{REVOCATION_MARGIN, RetentionPorts, RetentionService};
use crate::service::userinfo::UserinfoFailure;

#[tokio::test]
async fn revoking_a_refresh_token_kills_its_family_and_its_access_tokens() {
    let h = harness().await;
    let (access, refresh) = tokens(&h, "c-1", &["openid", "offline_access"]).await;
    let refresh = refresh.unwrap();
    let refreshed = h
        .service
        .token(&basic("client1", "s"), endpoint_harness::refresh(&refresh, None), "192.0.2.1")
        .await
        .unwrap();
    let later_access = refreshed.response.access_token;
    let successor = refreshed.response.refresh_token.unwrap().expose().to_owned();
    assert!(h.service.userinfo(&later_access).await.is_ok());

    h.service.revoke(&basic("client1", "s"), Some(successor.clone()), "192.0.2.1").await.unwrap();
    for token in [&access, &later_access, &successor] {
        assert!(!active(&h, ("client1", "s"), token).await, "revoked with the family");
    }
    assert!(matches!(h.service.userinfo(&later_access).await, Err(UserinfoFailure::InvalidToken)));
    let again = h
        .service
        .token(&basic("client1", "s"), endpoint_harness::refresh(&successor, None), "192.0.2.1")
        .await;
    assert_eq!(error_code(again), "invalid_grant");
}

#[tokio::test]
async fn revoking_an_access_token_lists_its_jti_until_it_expires() {
    let h = harness().await;
    let (access, _) = tokens(&h, "c-1", &["openid"]).await;
    let (other, _) = tokens(&h, "c-2", &["openid"]).await;
    h.service.revoke(&basic("client1", "s"), Some(access.clone()), "192.0.2.1").await.unwrap();
    assert!(!active(&h, ("client1", "s"), &access).await);
    assert!(active(&h, ("client1", "s"), &other).await, "only that token");
    h.clock.advance(Duration::minutes(10));
    let retention = RetentionService::new(RetentionPorts::over(&h.store), h.clock.clone());
    assert_eq!(retention.purge_token_state(100).await.unwrap(), 0, "kept for the clock margin");
    h.clock.advance(REVOCATION_MARGIN);
    assert_eq!(
        retention.purge_token_state(100).await.unwrap(),
        1,
        "forgotten once expired and the margin passed"
    );
}

#[tokio::test]
async fn another_clients_token_and_unknown_tokens_are_not_revoked_and_answer_alike() {
    let h = harness().await;
    let (access, refresh) = tokens(&h, "c-1", &["openid", "offline_access"]).await;
    let refresh = refresh.unwrap();
    for token in [&access, &refresh, &"unknown".to_owned(), &"a.b.c".to_owned()] {
        let outcome = h.service.revoke(&basic("client2", "m-secret"), Some(token.clone()), "192.0.2.1").await;
        assert!(outcome.is_ok(), "{token}");
    }
    assert!(active(&h, ("client1", "s"), &access).await, "client2 could not revoke it");
    assert!(active(&h, ("client1", "s"), &refresh).await);
}

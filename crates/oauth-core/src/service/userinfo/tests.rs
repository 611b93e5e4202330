//! Userinfo (OIDC Core §5.3) over the in-memory store.

use time::Duration;

use crate::service::endpoint_harness::*;
use crate::service::userinfo::UserinfoFailure;
use crate::testing::fixtures::{self};

#[tokio::test]
async fn userinfo_answers_exactly_the_claims_of_the_granted_scopes() {
    let h = harness().await;
    let (access, _) = tokens(&h, "c-1", &["openid", "email"]).await;
    let info = h.service.userinfo(&access).await.unwrap();
    let ada = fixtures::user(1, "ada@example.com");
    assert_eq!(info.sub, ada.id.to_string());
    assert_eq!(info.email, Some(("ada@example.com".into(), ada.email_verified)));
    assert_eq!(info.name, None, "profile was not granted");
    assert_eq!(info.client.id.as_str(), "client1");
}

#[tokio::test]
async fn userinfo_refuses_tokens_that_are_not_live() {
    let h = harness().await;
    let (without_openid, _) = tokens(&h, "c-1", &["email"]).await;
    assert!(matches!(h.service.userinfo(&without_openid).await, Err(UserinfoFailure::InsufficientScope)));
    assert!(matches!(
        h.service.userinfo("access.ES256.never-issued").await,
        Err(UserinfoFailure::InvalidToken)
    ));
    assert!(matches!(h.service.userinfo("not-a-jwt").await, Err(UserinfoFailure::InvalidToken)));
    let (access, _) = tokens(&h, "c-2", &["openid"]).await;
    h.clock.advance(Duration::minutes(10));
    assert!(matches!(h.service.userinfo(&access).await, Err(UserinfoFailure::InvalidToken)), "expired");
}

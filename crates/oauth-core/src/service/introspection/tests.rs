//! Introspection (RFC 7662) over the in-memory store.

use super::{TokenKind, kind_of};
use crate::error::OAuthError;
use crate::ports::UserRepository;
use crate::service::endpoint_harness::*;
use crate::service::introspection::Introspection;
use crate::service::token::TokenFailure;
use crate::service::userinfo::UserinfoFailure;
use crate::testing::fixtures::{self, T0};

#[tokio::test]
async fn a_disabled_user_or_client_makes_its_tokens_inactive() {
    let h = harness().await;
    let (access, _) = tokens(&h, "c-1", &["openid"]).await;
    assert!(active(&h, ("client1", "s"), &access).await);
    let ada = fixtures::user(1, "ada@example.com");
    UserRepository::set_disabled(h.store.as_ref(), ada.id, true, T0).await.unwrap();
    assert!(!active(&h, ("client1", "s"), &access).await);
    assert!(matches!(h.service.userinfo(&access).await, Err(UserinfoFailure::InvalidToken)));
}

#[tokio::test]
async fn introspection_shows_own_tokens_and_others_only_with_the_flag() {
    let h = harness().await;
    let (access, refresh) = tokens(&h, "c-1", &["openid", "offline_access"]).await;
    let (_, answer) =
        h.service.introspect(&basic("client1", "s"), Some(access.clone()), "192.0.2.1").await.unwrap();
    let Introspection::Active(token) = answer else { panic!("own access token is active") };
    assert_eq!(
        (token.token_type, token.client_id.as_str(), token.iss.as_str()),
        ("Bearer", "client1", ISSUER)
    );
    assert_eq!(token.scope, "offline_access openid");
    assert!(token.jti.is_some());
    let refresh = refresh.unwrap();
    let (_, answer) =
        h.service.introspect(&basic("client1", "s"), Some(refresh.clone()), "192.0.2.1").await.unwrap();
    let Introspection::Active(token) = answer else { panic!("own refresh token is active") };
    assert_eq!((token.token_type, token.jti), ("refresh_token", None));

    assert!(!active(&h, ("client2", "m-secret"), &access).await, "another client's token, no flag");
    let_client2_introspect_any(&h).await;
    assert!(active(&h, ("client2", "m-secret"), &access).await, "a resource server with the flag");
}

#[tokio::test]
async fn a_refresh_token_is_active_only_to_its_own_client_and_has_no_audience() {
    let h = harness().await;
    let (_, refresh) = tokens(&h, "c-1", &["openid", "offline_access"]).await;
    let refresh = refresh.unwrap();
    let (_, answer) =
        h.service.introspect(&basic("client1", "s"), Some(refresh.clone()), "192.0.2.1").await.unwrap();
    let Introspection::Active(token) = answer else { panic!("own refresh token is active") };
    assert_eq!(token.aud, None, "a refresh token is for no resource server");

    assert!(!active(&h, ("client2", "m-secret"), &refresh).await, "another client, no flag");
    let_client2_introspect_any(&h).await;
    assert!(
        !active(&h, ("client2", "m-secret"), &refresh).await,
        "RFC 7662 §4 lets a resource server see access tokens, never another client's refresh token"
    );
}

#[tokio::test]
async fn introspection_needs_a_confidential_client_and_a_token() {
    let h = harness().await;
    let (access, _) = tokens(&h, "c-1", &["openid"]).await;
    let wrong = h.service.introspect(&basic("client1", "wrong"), Some(access), "192.0.2.1").await;
    assert!(matches!(wrong, Err(TokenFailure::Refused(OAuthError::InvalidClient(_)))));
    let missing = h.service.introspect(&basic("client1", "s"), None, "192.0.2.1").await;
    assert!(matches!(missing, Err(TokenFailure::Refused(OAuthError::InvalidRequest(_)))));
}

#[test]
fn the_kind_is_told_by_the_shape() {
    assert_eq!(kind_of("a.b.c"), TokenKind::Access);
    assert_eq!(kind_of("opaque_refresh-token"), TokenKind::Refresh);
    assert_eq!(kind_of("a.b"), TokenKind::Refresh);
}

//! Userinfo, introspection and revocation over the in-memory store.

use super::*;
use crate::service::retention::{REVOCATION_MARGIN, RetentionPorts, RetentionService};

/// A code exchange for `granted`: the access token and the refresh token, if any.
async fn tokens(h: &Harness, code_value: &str, granted: &[&str]) -> (String, Option<String>) {
    code(h, code_value, granted).await;
    let granted =
        h.service.token(&basic("client1", "s"), exchange(code_value, VERIFIER), "192.0.2.1").await.unwrap();
    let refresh = granted.response.refresh_token.map(|t| t.expose().to_owned());
    (granted.response.access_token, refresh)
}

async fn active(h: &Harness, caller: (&str, &str), token: &str) -> bool {
    let (_, answer) =
        h.service.introspect(&basic(caller.0, caller.1), Some(token.into()), "192.0.2.1").await.unwrap();
    answer != Introspection::Inactive
}

/// An operator lets client2, a resource server, see every client's tokens (RFC 7662 §4).
async fn let_client2_introspect_any(h: &Harness) {
    let mut machine = ClientRepository::find(h.store.as_ref(), &ClientId::parse("client2").unwrap())
        .await
        .unwrap()
        .unwrap();
    machine.metadata.may_introspect_any = true;
    ClientRepository::update(h.store.as_ref(), &machine).await.unwrap();
}

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

#[tokio::test]
async fn revoking_a_refresh_token_kills_its_family_and_its_access_tokens() {
    let h = harness().await;
    let (access, refresh) = tokens(&h, "c-1", &["openid", "offline_access"]).await;
    let refresh = refresh.unwrap();
    let refreshed =
        h.service.token(&basic("client1", "s"), super::refresh(&refresh, None), "192.0.2.1").await.unwrap();
    let later_access = refreshed.response.access_token;
    let successor = refreshed.response.refresh_token.unwrap().expose().to_owned();
    assert!(h.service.userinfo(&later_access).await.is_ok());

    h.service.revoke(&basic("client1", "s"), Some(successor.clone()), "192.0.2.1").await.unwrap();
    for token in [&access, &later_access, &successor] {
        assert!(!active(&h, ("client1", "s"), token).await, "revoked with the family");
    }
    assert!(matches!(h.service.userinfo(&later_access).await, Err(UserinfoFailure::InvalidToken)));
    let again = h.service.token(&basic("client1", "s"), super::refresh(&successor, None), "192.0.2.1").await;
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

#[tokio::test]
async fn a_replayed_code_revokes_the_access_token_its_exchange_issued() {
    let h = harness().await;
    let (access, refresh) = tokens(&h, "c-1", &["openid"]).await;
    assert!(refresh.is_none(), "no family to revoke: only the jti can");
    assert!(active(&h, ("client1", "s"), &access).await);
    let replay = h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(replay), "invalid_grant");
    assert!(!active(&h, ("client1", "s"), &access).await, "RFC 6749 §4.1.2");
}

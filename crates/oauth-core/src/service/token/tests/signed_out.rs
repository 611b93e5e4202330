//! A user signed out everywhere: the grants made before it are dead, the
//! ones after it live.

use super::*;

async fn sign_out(h: &Harness) {
    let ada = fixtures::user(1, "ada@example.com");
    UserRepository::sign_out_everywhere(h.store.as_ref(), ada.id, h.clock.now()).await.unwrap();
}

#[tokio::test]
async fn a_code_from_a_login_before_the_sign_out_is_refused() {
    let h = harness().await;
    code(&h, "c-1", &["openid"]).await;
    sign_out(&h).await;
    let exchanged = h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await;
    assert_eq!(error_code(exchanged), "invalid_grant");
}

#[tokio::test]
async fn access_tokens_issued_before_the_sign_out_die_and_later_ones_live() {
    let h = harness().await;
    code(&h, "c-1", &["openid"]).await;
    let before =
        h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await.unwrap();
    h.clock.advance(Duration::seconds(1));
    sign_out(&h).await;
    let (_, answer) = h
        .service
        .introspect(&basic("client1", "s"), Some(before.response.access_token), "192.0.2.1")
        .await
        .unwrap();
    assert_eq!(answer, Introspection::Inactive);

    // A login after the sign-out: its code and tokens are good.
    h.clock.advance(Duration::seconds(1));
    code_from_a_login_now(&h, "c-2", &["openid"]).await;
    let after =
        h.service.token(&basic("client1", "s"), exchange("c-2", VERIFIER), "192.0.2.1").await.unwrap();
    let (_, answer) = h
        .service
        .introspect(&basic("client1", "s"), Some(after.response.access_token), "192.0.2.1")
        .await
        .unwrap();
    assert_ne!(answer, Introspection::Inactive);
}

#[tokio::test]
async fn a_token_minted_while_the_sign_out_commits_dies_with_its_login() {
    let h = harness().await;
    code(&h, "c-1", &["openid"]).await; // a login at T0 - 30 s
    // The exchange reads the clock and the user row before the sign-out
    // commits; the sign-out's own clock read an earlier second.
    h.clock.advance(Duration::seconds(2));
    let granted =
        h.service.token(&basic("client1", "s"), exchange("c-1", VERIFIER), "192.0.2.1").await.unwrap();
    let ada = fixtures::user(1, "ada@example.com");
    UserRepository::sign_out_everywhere(h.store.as_ref(), ada.id, T0 + Duration::seconds(1)).await.unwrap();
    let (_, answer) = h
        .service
        .introspect(&basic("client1", "s"), Some(granted.response.access_token), "192.0.2.1")
        .await
        .unwrap();
    assert_eq!(answer, Introspection::Inactive, "judged by its login, not by iat");
}

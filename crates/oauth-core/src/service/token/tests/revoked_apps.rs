//! An app revoked on the account page: its tokens without a family die by
//! the revocation time, which outlives the client: one made again under
//! the same id does not bring the old tokens back.

use super::*;
use crate::ports::GrantedAppRepository;

fn billing() -> ClientId {
    ClientId::parse("client1").unwrap()
}

#[tokio::test]
async fn a_revoked_apps_tokens_without_a_family_die_and_later_ones_live() {
    let h = harness().await;
    let (before, refresh) = tokens(&h, "c-1", &["openid"]).await;
    assert!(refresh.is_none(), "no family: only the revocation time can end it");
    let ada = fixtures::user(1, "ada@example.com");
    GrantedAppRepository::revoke_app(h.store.as_ref(), ada.id, &billing(), h.clock.now()).await.unwrap();
    assert!(!active(&h, ("client1", "s"), &before).await, "issued in the revocation's second");

    h.clock.advance(Duration::seconds(1));
    code_from_a_login_now(&h, "c-2", &["openid"]).await;
    let after =
        h.service.token(&basic("client1", "s"), exchange("c-2", VERIFIER), "192.0.2.1").await.unwrap();
    assert!(active(&h, ("client1", "s"), &after.response.access_token).await, "granted again since");
}

#[tokio::test]
async fn a_revocation_outlives_its_client_made_again_under_the_same_id() {
    let h = harness().await;
    let (access, _) = tokens(&h, "c-1", &["openid"]).await;
    let ada = fixtures::user(1, "ada@example.com");
    GrantedAppRepository::revoke_app(h.store.as_ref(), ada.id, &billing(), h.clock.now()).await.unwrap();
    // Deleted (a metadata document's client is purged once its consent is
    // gone), then the same id comes back.
    ClientRepository::delete(h.store.as_ref(), &billing()).await.unwrap();
    ClientRepository::insert(h.store.as_ref(), &fixtures::client(1, "Billing", "s")).await.unwrap();
    h.clock.advance(Duration::seconds(10));
    assert!(!active(&h, ("client1", "s"), &access).await, "revoked before the client went");
}

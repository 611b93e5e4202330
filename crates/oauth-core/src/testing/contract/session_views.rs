//! The `SessionViews` contract: one read answers what the session, user and
//! consent repositories answer one after another.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use time::Duration;

use super::{ContractStores, contract_suite};
use crate::scope::ScopeName;
use crate::session::{Login, Session, SessionDigest, SessionId};
use crate::testing::SeqRandom;
use crate::testing::fixtures::{self, T0};

contract_suite! {
    a_signed_in_session_comes_with_its_user_and_consent,
    an_anonymous_session_has_no_user_and_no_consent,
    the_view_is_as_stored_whatever_its_state,
}

fn scopes(names: &[&str]) -> BTreeSet<ScopeName> {
    names.iter().map(|n| ScopeName::parse(n).unwrap()).collect()
}

/// Session `n`, signed in as the fixture user when `signed_in`, stored.
async fn stored_session(stores: &ContractStores, n: u64, signed_in: bool) -> Session {
    let login = signed_in.then(|| Login {
        user_id: fixtures::user(1, "ada@example.com").id,
        auth_time: T0 - Duration::minutes(1),
    });
    let session = Session {
        id: SessionId::generate(&SeqRandom::new(n)).unwrap(),
        digest: SessionDigest::of(&format!("cookie-{n}")),
        login,
        created_at: T0,
        expires_at: T0 + Duration::hours(1),
    };
    stores.sessions.insert(&session).await.unwrap();
    session
}

/// Two clients, Ada, and Bob, who consented to both clients: no view of
/// Ada's session or of an anonymous one may show Bob's consent.
async fn with_owners(stores: &ContractStores) {
    stores.clients.insert(&fixtures::client(1, "Billing", "s")).await.unwrap();
    stores.clients.insert(&fixtures::client(2, "Payroll", "s")).await.unwrap();
    stores.users.insert(&fixtures::user(1, "ada@example.com")).await.unwrap();
    let bob = fixtures::user(2, "bob@example.com");
    stores.users.insert(&bob).await.unwrap();
    for client in [fixtures::client(1, "Billing", "s").id, fixtures::client(2, "Payroll", "s").id] {
        stores.consents.grant(bob.id, &client, &scopes(&["openid", "profile", "phone"]), T0).await.unwrap();
    }
}

/// The session, its user, and the scopes granted to the asked client only.
pub async fn a_signed_in_session_comes_with_its_user_and_consent(stores: ContractStores) {
    with_owners(&stores).await;
    let session = stored_session(&stores, 1, true).await;
    let (billing, payroll) = (fixtures::client(1, "Billing", "s").id, fixtures::client(2, "Payroll", "s").id);
    let user = fixtures::user(1, "ada@example.com");
    stores.consents.grant(user.id, &billing, &scopes(&["openid", "email"]), T0).await.unwrap();
    let view = stores.views.find_view(&session.digest, &billing).await.unwrap().expect("found");
    assert_eq!(view.session, session);
    assert_eq!(view.user, Some(user));
    assert_eq!(view.granted, scopes(&["openid", "email"]));
    let other = stores.views.find_view(&session.digest, &payroll).await.unwrap().expect("found");
    assert!(other.granted.is_empty(), "consent is per user and client, Bob's is not Ada's: {other:?}");
}

/// Without a login there is no user and nothing granted (not even another
/// user's consent); an unknown cookie has no view.
pub async fn an_anonymous_session_has_no_user_and_no_consent(stores: ContractStores) {
    with_owners(&stores).await;
    let session = stored_session(&stores, 2, false).await;
    let billing = fixtures::client(1, "Billing", "s").id;
    let view = stores.views.find_view(&session.digest, &billing).await.unwrap().expect("found");
    assert_eq!((view.session, view.user, view.granted), (session, None, BTreeSet::new()));
    let unknown = SessionDigest::of("never issued");
    assert_eq!(stores.views.find_view(&unknown, &billing).await.unwrap(), None);
}

/// An expired session and a disabled user are returned as stored: judging
/// them is the caller's.
pub async fn the_view_is_as_stored_whatever_its_state(stores: ContractStores) {
    with_owners(&stores).await;
    let mut expired = stored_session(&stores, 3, true).await;
    expired.expires_at = T0 - Duration::seconds(1);
    stores.sessions.delete(expired.id).await.unwrap();
    stores.sessions.insert(&expired).await.unwrap();
    stores.users.set_disabled(fixtures::user(1, "ada@example.com").id, true, T0).await.unwrap();
    let billing = fixtures::client(1, "Billing", "s").id;
    let view = stores.views.find_view(&expired.digest, &billing).await.unwrap().expect("found");
    assert_eq!(view.session.expires_at, expired.expires_at);
    assert!(view.user.expect("the user").disabled);
}

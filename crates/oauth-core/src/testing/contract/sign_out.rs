//! The `UserRepository::sign_out_everywhere` contract: it reaches across the
//! user's sessions and refresh families, so it needs those repositories too.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use time::Duration;

use super::{ContractStores, contract_suite};
use crate::authorization_request::AuthorizationParams;
use crate::code::{AuthorizationCode, CodeDigest, Consumed};
use crate::error::RepoError;
use crate::pending::{PendingAuthorization, PendingDigest};
use crate::ports::SignedOut;
use crate::refresh::RefreshFamily;
use crate::session::{Login, Session, SessionDigest, SessionId};
use crate::testing::SeqRandom;
use crate::testing::fixtures::{self, T0};
use crate::user::User;

contract_suite! {
    ends_only_that_users_sessions_and_families,
    an_unknown_user_is_not_found,
    the_stamp_never_moves_back,
    codes_not_yet_exchanged_go_and_spent_ones_stay,
}

/// Ada and Bob and the fixture client, stored; returns the two users.
async fn ada_and_bob(stores: &ContractStores) -> (User, User) {
    let (ada, bob) = (fixtures::user(1, "ada@example.com"), fixtures::user(2, "bob@example.com"));
    stores.users.insert(&ada).await.unwrap();
    stores.users.insert(&bob).await.unwrap();
    stores.clients.insert(&fixtures::client(1, "Billing", "s")).await.unwrap();
    (ada, bob)
}

fn session_of(user: &User, n: u64) -> Session {
    Session {
        id: SessionId::generate(&SeqRandom::new(n)).unwrap(),
        digest: SessionDigest::of(&format!("secret-{n}")),
        login: Some(Login { user_id: user.id, auth_time: T0 }),
        created_at: T0,
        expires_at: T0 + Duration::hours(1),
    }
}

async fn family_of(stores: &ContractStores, user: &User, n: u64) -> RefreshFamily {
    let (family, first) = fixtures::refresh_family(1000 + n, user.id, None);
    stores.refresh.start_family(&family, &first).await.unwrap();
    family
}

/// The user's sessions (with their pending requests) go, the user's live
/// families are revoked, the stamp is set; another user keeps everything.
pub async fn ends_only_that_users_sessions_and_families(stores: ContractStores) {
    let (ada, bob) = ada_and_bob(&stores).await;
    for (user, n) in [(&ada, 1), (&ada, 2), (&bob, 3)] {
        stores.sessions.insert(&session_of(user, n)).await.unwrap();
    }
    let parked = PendingAuthorization {
        digest: PendingDigest::of("pending-1"),
        session_id: session_of(&ada, 1).id,
        client_id: fixtures::client(1, "Billing", "s").id,
        params: AuthorizationParams::default(),
        created_at: T0,
        expires_at: T0 + Duration::minutes(10),
    };
    stores.sessions.insert_pending(&parked).await.unwrap();
    let ada_family = family_of(&stores, &ada, 1).await;
    let bob_family = family_of(&stores, &bob, 2).await;

    let later = T0 + Duration::seconds(30);
    let ended = stores.users.sign_out_everywhere(ada.id, later).await.unwrap();
    assert_eq!(ended, SignedOut { sessions: 2, families: 1 });

    for n in [1, 2] {
        let digest = SessionDigest::of(&format!("secret-{n}"));
        assert!(stores.sessions.find(&digest).await.unwrap().is_none(), "ada's session {n} ended");
    }
    assert!(stores.sessions.find(&SessionDigest::of("secret-3")).await.unwrap().is_some(), "bob's stays");
    let orphan = stores.sessions.find_pending(&parked.digest, parked.session_id).await.unwrap();
    assert!(orphan.is_none(), "the pending request went with its session");
    let revoked = stores.refresh.find_family(ada_family.id).await.unwrap().unwrap();
    assert_eq!(revoked.revoked_at, Some(later));
    assert_eq!(stores.refresh.find_family(bob_family.id).await.unwrap().unwrap().revoked_at, None);
    let stamped = stores.users.find_by_id(ada.id).await.unwrap().unwrap();
    assert_eq!((stamped.signed_out_at, stamped.updated_at), (Some(later), later));
    assert_eq!(stores.users.find_by_id(bob.id).await.unwrap().unwrap().signed_out_at, None);

    let again = stores.users.sign_out_everywhere(ada.id, later + Duration::seconds(1)).await.unwrap();
    assert_eq!(again, SignedOut::default(), "a revoked family is not revoked twice");
}

/// Signing out an unknown id is `NotFound` and changes nothing.
pub async fn an_unknown_user_is_not_found(stores: ContractStores) {
    let ghost = fixtures::user(9, "ghost@example.com");
    assert!(matches!(stores.users.sign_out_everywhere(ghost.id, T0).await, Err(RepoError::NotFound)));
}

/// A second sign-out stamped earlier (another host's clock) never moves
/// the stamp back, so it revives nothing the first one ended; in or before
/// the stamp's second it moves it one second on, so that it also ends a
/// login dated just after the first (the account page's, after a password
/// change); a later one stamps its own time.
pub async fn the_stamp_never_moves_back(stores: ContractStores) {
    let ada = fixtures::user(1, "ada@example.com");
    stores.users.insert(&ada).await.unwrap();
    let stamp = async || stores.users.find_by_id(ada.id).await.unwrap().unwrap().signed_out_at;
    let first = T0 + Duration::seconds(60);
    stores.users.sign_out_everywhere(ada.id, first).await.unwrap();
    assert_eq!(stamp().await, Some(first));
    stores.users.sign_out_everywhere(ada.id, first - Duration::seconds(10)).await.unwrap();
    assert_eq!(stamp().await, Some(first + Duration::seconds(1)));
    stores.users.sign_out_everywhere(ada.id, first + Duration::seconds(1)).await.unwrap();
    assert_eq!(stamp().await, Some(first + Duration::seconds(2)));
    stores.users.sign_out_everywhere(ada.id, first + Duration::seconds(100)).await.unwrap();
    assert_eq!(stamp().await, Some(first + Duration::seconds(100)));
}

fn code_of(user: &User, name: &str) -> AuthorizationCode {
    AuthorizationCode {
        resources: std::collections::BTreeSet::new(),
        digest: CodeDigest::of(name),
        client_id: fixtures::client(1, "Billing", "s").id,
        user_id: user.id,
        redirect_uri: "https://rp.example/cb".into(),
        redirect_uri_sent: true,
        scopes: BTreeSet::new(),
        nonce: None,
        code_challenge: None,
        auth_time: T0,
        issued_at: T0,
        expires_at: T0 + Duration::seconds(60),
        dpop_jkt: None,
    }
}

/// The user's codes not yet exchanged are deleted (their login is over);
/// spent ones stay, so a replay is still recognised; other users' stay.
pub async fn codes_not_yet_exchanged_go_and_spent_ones_stay(stores: ContractStores) {
    let (ada, bob) = ada_and_bob(&stores).await;
    for (user, name) in [(&ada, "live"), (&ada, "spent"), (&bob, "bobs")] {
        stores.codes.insert(&code_of(user, name)).await.unwrap();
    }
    assert!(matches!(stores.codes.consume(&CodeDigest::of("spent"), T0).await.unwrap(), Consumed::Now(_)));

    stores.users.sign_out_everywhere(ada.id, T0 + Duration::seconds(1)).await.unwrap();
    let later = T0 + Duration::seconds(2);
    assert_eq!(stores.codes.consume(&CodeDigest::of("live"), later).await.unwrap(), Consumed::Unknown);
    assert!(matches!(
        stores.codes.consume(&CodeDigest::of("spent"), later).await.unwrap(),
        Consumed::Already(_)
    ));
    assert!(matches!(stores.codes.consume(&CodeDigest::of("bobs"), later).await.unwrap(), Consumed::Now(_)));
}

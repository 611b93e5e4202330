//! The account page's part of the `SessionRepository` contract: a user's
//! signed-in sessions, and ending all but one.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use time::Duration;

use super::{ContractStores, contract_suite};
use crate::authorization_request::AuthorizationParams;
use crate::pending::{PendingAuthorization, PendingDigest};
use crate::session::{Login, Session, SessionDigest, SessionId};
use crate::testing::SeqRandom;
use crate::testing::fixtures::{self, T0};
use crate::user::User;

contract_suite! {
    lists_only_the_users_live_sessions_newest_first,
    ending_the_others_keeps_one_and_everyone_elses,
}

/// Session `n`, signed in by `user` (when given) `signed_in` after T0,
/// expiring an hour after T0, stored.
async fn stored(stores: &ContractStores, n: u64, user: Option<&User>, signed_in: Duration) -> Session {
    let session = Session {
        id: SessionId::generate(&SeqRandom::new(n)).unwrap(),
        digest: SessionDigest::of(&format!("secret-{n}")),
        login: user.map(|user| Login { user_id: user.id, auth_time: T0 + signed_in }),
        created_at: T0,
        expires_at: T0 + Duration::hours(1),
    };
    stores.sessions.insert(&session).await.unwrap();
    session
}

async fn ada_and_bob(stores: &ContractStores) -> (User, User) {
    let (ada, bob) = (fixtures::user(1, "ada@example.com"), fixtures::user(2, "bob@example.com"));
    stores.users.insert(&ada).await.unwrap();
    stores.users.insert(&bob).await.unwrap();
    stores.clients.insert(&fixtures::client(1, "Billing", "s")).await.unwrap();
    (ada, bob)
}

/// Ada's two sessions, the later sign-in first; not Bob's, not an
/// anonymous one, not once expired; at most `limit`.
pub async fn lists_only_the_users_live_sessions_newest_first(stores: ContractStores) {
    let (ada, bob) = ada_and_bob(&stores).await;
    let earlier = stored(&stores, 1, Some(&ada), Duration::seconds(5)).await;
    let later = stored(&stores, 2, Some(&ada), Duration::seconds(50)).await;
    stored(&stores, 3, Some(&bob), Duration::seconds(10)).await;
    stored(&stores, 4, None, Duration::ZERO).await;

    let now = T0 + Duration::minutes(1);
    let listed = stores.sessions.signed_in_sessions(ada.id, now, 10).await.unwrap();
    assert_eq!(listed, vec![later.clone(), earlier]);
    assert_eq!(stores.sessions.signed_in_sessions(ada.id, now, 1).await.unwrap(), vec![later]);
    let expired = T0 + Duration::hours(2);
    assert!(stores.sessions.signed_in_sessions(ada.id, expired, 10).await.unwrap().is_empty());
}

/// Every session of Ada's but the kept one ends, with what was pending in
/// it; the kept one, Bob's and the anonymous one stay.
pub async fn ending_the_others_keeps_one_and_everyone_elses(stores: ContractStores) {
    let (ada, bob) = ada_and_bob(&stores).await;
    let kept = stored(&stores, 1, Some(&ada), Duration::seconds(5)).await;
    let other = stored(&stores, 2, Some(&ada), Duration::seconds(6)).await;
    stored(&stores, 3, Some(&ada), Duration::seconds(7)).await;
    stored(&stores, 4, Some(&bob), Duration::seconds(8)).await;
    stored(&stores, 5, None, Duration::ZERO).await;
    let parked = PendingAuthorization {
        digest: PendingDigest::of("pending-in-other"),
        session_id: other.id,
        client_id: fixtures::client(1, "Billing", "s").id,
        params: AuthorizationParams::default(),
        created_at: T0,
        expires_at: T0 + Duration::minutes(10),
    };
    stores.sessions.insert_pending(&parked).await.unwrap();

    assert_eq!(stores.sessions.end_other_sessions(ada.id, kept.id).await.unwrap(), 2);
    let find = async |n: u64| stores.sessions.find(&SessionDigest::of(&format!("secret-{n}"))).await;
    assert!(find(1).await.unwrap().is_some(), "the kept session");
    assert!(find(2).await.unwrap().is_none() && find(3).await.unwrap().is_none(), "the others");
    assert!(find(4).await.unwrap().is_some() && find(5).await.unwrap().is_some(), "no one else's");
    assert!(
        stores.sessions.find_pending(&parked.digest, other.id).await.unwrap().is_none(),
        "what was pending in an ended session went with it"
    );
    assert_eq!(stores.sessions.end_other_sessions(ada.id, kept.id).await.unwrap(), 0, "none left");
}

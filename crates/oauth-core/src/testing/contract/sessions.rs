//! The `SessionRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use time::Duration;

use super::{ContractStores, contract_suite};
use crate::authorization_request::AuthorizationParams;
use crate::pending::{PendingAuthorization, PendingDigest};
use crate::session::{Login, Session, SessionDigest, SessionId};
use crate::testing::SeqRandom;
use crate::testing::contract::join_all;
use crate::testing::fixtures::{self, T0};

contract_suite! {
    renew_replaces_the_secret,
    pending_belongs_to_its_session_and_is_taken_once,
    delete_ends_the_session_and_its_pending_requests,
    purge_removes_only_expired_rows,
    trim_keeps_the_newest_pending_requests_of_one_session,
}

fn session(n: u8, expires_in: Duration) -> Session {
    let random = SeqRandom::new(u64::from(n));
    Session {
        id: SessionId::generate(&random).unwrap(),
        digest: SessionDigest::of(&format!("secret-{n}")),
        login: None,
        created_at: T0,
        expires_at: T0 + expires_in,
    }
}

/// Sessions 1 and 2, expiring `first` and `second` after T0, stored.
async fn two_sessions(stores: &ContractStores, first: Duration, second: Duration) -> (Session, Session) {
    let (one, two) = (session(1, first), session(2, second));
    stores.sessions.insert(&one).await.unwrap();
    stores.sessions.insert(&two).await.unwrap();
    (one, two)
}

fn pending(n: u8, session: &Session, expires_in: Duration) -> PendingAuthorization {
    PendingAuthorization {
        digest: PendingDigest::of(&format!("pending-{n}")),
        session_id: session.id,
        client_id: fixtures::client(1, "Billing", "s").id,
        params: AuthorizationParams::new(vec![
            ("client_id".into(), "client1".into()),
            ("state".into(), "a b&c=d".into()),
        ]),
        created_at: T0,
        expires_at: T0 + expires_in,
    }
}

async fn with_owners(stores: &ContractStores) -> Login {
    stores.clients.insert(&fixtures::client(1, "Billing", "s")).await.unwrap();
    let user = fixtures::user(1, "ada@example.com");
    stores.users.insert(&user).await.unwrap();
    Login { user_id: user.id, auth_time: T0 + Duration::seconds(5) }
}

/// After a login the old secret finds nothing and the new one finds the same session.
pub async fn renew_replaces_the_secret(stores: ContractStores) {
    let login = with_owners(&stores).await;
    let anonymous = session(1, Duration::minutes(30));
    stores.sessions.insert(&anonymous).await.unwrap();
    assert_eq!(stores.sessions.find(&anonymous.digest).await.unwrap(), Some(anonymous.clone()));
    let renewed = SessionDigest::of("renewed");
    let expires = T0 + Duration::hours(8);
    stores.sessions.renew(anonymous.id, &renewed, &login, expires).await.unwrap();
    assert_eq!(stores.sessions.find(&anonymous.digest).await.unwrap(), None, "the old cookie is dead");
    let found = stores.sessions.find(&renewed).await.unwrap().unwrap();
    assert_eq!((found.id, found.login, found.expires_at), (anonymous.id, Some(login), expires));
    let unknown = session(9, Duration::minutes(1));
    assert!(stores.sessions.renew(unknown.id, &renewed, &login, expires).await.is_err());
}

/// A pending request is found only with its own session, and taken exactly once.
pub async fn pending_belongs_to_its_session_and_is_taken_once(stores: ContractStores) {
    with_owners(&stores).await;
    let (mine, theirs) = two_sessions(&stores, Duration::minutes(30), Duration::minutes(30)).await;
    let parked = pending(1, &mine, Duration::minutes(10));
    stores.sessions.insert_pending(&parked).await.unwrap();
    assert_eq!(stores.sessions.find_pending(&parked.digest, mine.id).await.unwrap(), Some(parked.clone()));
    assert_eq!(stores.sessions.find_pending(&parked.digest, theirs.id).await.unwrap(), None);
    assert_eq!(stores.sessions.take_pending(&parked.digest, theirs.id).await.unwrap(), None);
    let takers = join_all((0..8).map(|_| stores.sessions.take_pending(&parked.digest, mine.id))).await;
    let won = takers.into_iter().filter(|t| matches!(t, Ok(Some(_)))).count();
    assert_eq!(won, 1, "exactly one taker");
    assert_eq!(stores.sessions.find_pending(&parked.digest, mine.id).await.unwrap(), None);
}

/// Deleting a session takes its pending requests with it.
pub async fn delete_ends_the_session_and_its_pending_requests(stores: ContractStores) {
    with_owners(&stores).await;
    let (mine, other) = two_sessions(&stores, Duration::minutes(30), Duration::minutes(30)).await;
    let parked = pending(1, &mine, Duration::minutes(10));
    let kept = pending(2, &other, Duration::minutes(10));
    stores.sessions.insert_pending(&parked).await.unwrap();
    stores.sessions.insert_pending(&kept).await.unwrap();
    stores.sessions.delete(mine.id).await.unwrap();
    assert_eq!(stores.sessions.find(&mine.digest).await.unwrap(), None);
    assert_eq!(stores.sessions.find_pending(&parked.digest, mine.id).await.unwrap(), None);
    assert!(stores.sessions.find(&other.digest).await.unwrap().is_some(), "other sessions stay");
    assert!(stores.sessions.find_pending(&kept.digest, other.id).await.unwrap().is_some());
}

/// Purging removes expired sessions (with their requests) and expired requests, nothing live.
pub async fn purge_removes_only_expired_rows(stores: ContractStores) {
    with_owners(&stores).await;
    let (dead, live) = two_sessions(&stores, Duration::minutes(1), Duration::hours(1)).await;
    let in_dead = pending(1, &dead, Duration::minutes(1));
    let expired = pending(2, &live, Duration::minutes(1));
    let fresh = pending(3, &live, Duration::minutes(30));
    for p in [&in_dead, &expired, &fresh] {
        stores.sessions.insert_pending(p).await.unwrap();
    }
    let purged = stores.sessions.purge_expired(T0 + Duration::minutes(2), 100).await.unwrap();
    assert_eq!(purged, 3, "one session and two pending requests");
    assert_eq!(stores.sessions.find(&dead.digest).await.unwrap(), None);
    assert!(stores.sessions.find(&live.digest).await.unwrap().is_some());
    assert_eq!(stores.sessions.find_pending(&expired.digest, live.id).await.unwrap(), None);
    assert!(stores.sessions.find_pending(&fresh.digest, live.id).await.unwrap().is_some());
    assert_eq!(stores.sessions.purge_expired(T0 + Duration::minutes(2), 100).await.unwrap(), 0);
}

/// Trimming deletes a session's oldest pending requests down to `keep`, and
/// nothing of another session.
pub async fn trim_keeps_the_newest_pending_requests_of_one_session(stores: ContractStores) {
    with_owners(&stores).await;
    let (mine, theirs) = two_sessions(&stores, Duration::minutes(30), Duration::minutes(30)).await;
    let parked: Vec<PendingAuthorization> = (1..=5_u8)
        .map(|n| PendingAuthorization {
            created_at: T0 + Duration::seconds(i64::from(n)),
            ..pending(n, &mine, Duration::minutes(10))
        })
        .collect();
    for p in &parked {
        stores.sessions.insert_pending(p).await.unwrap();
    }
    let other = pending(9, &theirs, Duration::minutes(10));
    stores.sessions.insert_pending(&other).await.unwrap();
    assert_eq!(stores.sessions.trim_pending(mine.id, 7).await.unwrap(), 0, "under the bound");
    assert_eq!(stores.sessions.trim_pending(mine.id, 2).await.unwrap(), 3);
    for (index, p) in parked.iter().enumerate() {
        let found = stores.sessions.find_pending(&p.digest, mine.id).await.unwrap();
        assert_eq!(found.is_some(), index >= 3, "request {index}: only the two newest stay");
    }
    assert!(stores.sessions.find_pending(&other.digest, theirs.id).await.unwrap().is_some(), "theirs stay");
    assert_eq!(stores.sessions.trim_pending(mine.id, 0).await.unwrap(), 2, "zero keeps none");
}

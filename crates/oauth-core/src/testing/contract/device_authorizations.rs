//! The `DeviceAuthorizationRepository` contract (RFC 8628): a user code is
//! decided once, a device code is redeemed once, and only while live.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use time::Duration;

use super::{ContractStores, contract_suite, join_all};
use crate::client::Client;
use crate::device_authorization::{
    DEFAULT_POLL_INTERVAL, DeviceAuthorization, DeviceCode, DeviceDecision, UserCode,
};
use crate::error::RepoError;
use crate::resource::ResourceUri;
use crate::scope::ScopeName;
use crate::session::SessionId;
use crate::testing::SeqRandom;
use crate::testing::fixtures::{self, T0};
use crate::user::User;

contract_suite! {
    an_authorization_round_trips_and_codes_are_unique,
    a_user_code_is_found_and_decided_only_while_live_and_pending,
    thirty_two_racing_decisions_record_one,
    only_an_approved_live_authorization_is_redeemed_once,
    thirty_two_racing_redemptions_get_one_authorization,
    polls_are_recorded_and_authorizations_go_with_their_client,
    expired_authorizations_are_purged_in_bounded_batches,
}

/// A pending authorization for `client`, its codes drawn from seed `n`.
pub fn pending(n: u64, client: &Client, lifetime: Duration) -> DeviceAuthorization {
    let random = SeqRandom::new(n);
    DeviceAuthorization {
        device_code: DeviceCode::generate(&random).unwrap().digest(),
        user_code: UserCode::generate(&random).unwrap().digest(),
        client_id: client.id.clone(),
        scopes: BTreeSet::from([
            ScopeName::parse("openid").unwrap(),
            ScopeName::parse("offline_access").unwrap(),
        ]),
        resources: BTreeSet::from([ResourceUri::parse("https://api.example.com/").unwrap()]),
        decision: DeviceDecision::Pending,
        entered_by: None,
        interval: DEFAULT_POLL_INTERVAL,
        last_polled_at: None,
        created_at: T0,
        expires_at: T0 + lifetime,
    }
}

async fn client_and_user(stores: &ContractStores) -> (Client, User) {
    let (client, user) = (fixtures::client(1, "Television", "s"), fixtures::user(1, "ada@example.com"));
    stores.clients.insert(&client).await.unwrap();
    stores.users.insert(&user).await.unwrap();
    (client, user)
}

fn approved_by(user: &User) -> DeviceDecision {
    DeviceDecision::Approved { user_id: user.id, auth_time: T0 - Duration::minutes(3) }
}

/// Every field comes back; a second authorization with the same user code
/// (or device code) is a conflict, as is one for an unknown client.
pub async fn an_authorization_round_trips_and_codes_are_unique(stores: ContractStores) {
    let (client, _) = client_and_user(&stores).await;
    let repo = stores.device_authorizations.clone();
    let device = pending(1, &client, Duration::minutes(10));
    repo.insert(&device).await.unwrap();
    assert_eq!(repo.find_by_device_code(&device.device_code).await.unwrap(), Some(device.clone()));
    let twin = DeviceAuthorization {
        device_code: pending(2, &client, Duration::minutes(10)).device_code,
        ..device.clone()
    };
    assert!(matches!(repo.insert(&twin).await, Err(RepoError::Conflict(_))), "a user code held");
    let same_device = DeviceAuthorization {
        user_code: pending(3, &client, Duration::minutes(10)).user_code,
        ..device.clone()
    };
    assert!(matches!(repo.insert(&same_device).await, Err(RepoError::Conflict(_))), "a device code held");
    let orphan = pending(4, &fixtures::client(9, "Nobody", "s"), Duration::minutes(10));
    assert!(repo.insert(&orphan).await.is_err(), "an unknown client");
    assert_eq!(repo.find_by_device_code(&orphan.device_code).await.unwrap(), None);
}

/// A user code finds its authorization only while it lives, and records
/// one decision, approval or denial, only on a pending one.
pub async fn a_user_code_is_found_and_decided_only_while_live_and_pending(stores: ContractStores) {
    let (client, user) = client_and_user(&stores).await;
    let repo = stores.device_authorizations.clone();
    let device = pending(1, &client, Duration::minutes(10));
    repo.insert(&device).await.unwrap();
    assert_eq!(repo.find_by_user_code(&device.user_code, T0).await.unwrap(), Some(device.clone()));
    assert_eq!(repo.find_by_user_code(&device.user_code, device.expires_at).await.unwrap(), None, "expired");
    assert!(!repo.decide(&device.user_code, approved_by(&user), device.expires_at).await.unwrap(), "expired");
    assert!(!repo.decide(&device.user_code, DeviceDecision::Pending, T0).await.unwrap(), "not a decision");
    assert!(repo.decide(&device.user_code, approved_by(&user), T0).await.unwrap());
    assert!(!repo.decide(&device.user_code, DeviceDecision::Denied, T0).await.unwrap(), "decided once");
    let found = repo.find_by_device_code(&device.device_code).await.unwrap().unwrap();
    assert_eq!(found.decision, approved_by(&user));

    assert!(
        !repo
            .record_entry(&device.user_code, SessionId::generate(&SeqRandom::new(5)).unwrap(), T0)
            .await
            .unwrap(),
        "decided"
    );

    let denied = pending(2, &client, Duration::minutes(10));
    repo.insert(&denied).await.unwrap();
    let session = SessionId::generate(&SeqRandom::new(6)).unwrap();
    assert!(repo.record_entry(&denied.user_code, session, T0).await.unwrap());
    assert_eq!(
        repo.find_by_device_code(&denied.device_code).await.unwrap().unwrap().entered_by,
        Some(session)
    );
    assert!(repo.decide(&denied.user_code, DeviceDecision::Denied, T0).await.unwrap());
    let found = repo.find_by_device_code(&denied.device_code).await.unwrap().unwrap();
    assert_eq!(found.decision, DeviceDecision::Denied);
}

/// RFC 8628 §5.4: one user code, one decision, however many tabs submit.
pub async fn thirty_two_racing_decisions_record_one(stores: ContractStores) {
    let (client, user) = client_and_user(&stores).await;
    let repo = stores.device_authorizations.clone();
    let device = pending(1, &client, Duration::minutes(10));
    repo.insert(&device).await.unwrap();
    let decisions = join_all((0..32).map(|n| {
        let decision = if n % 2 == 0 { approved_by(&user) } else { DeviceDecision::Denied };
        let repo = repo.clone();
        let user_code = device.user_code.clone();
        async move { repo.decide(&user_code, decision, T0).await }
    }))
    .await;
    assert_eq!(decisions.into_iter().filter(|won| *won.as_ref().unwrap()).count(), 1);
}

/// Redemption takes an approved, live authorization once, with its user
/// code; a pending, expired or denied one is not taken.
pub async fn only_an_approved_live_authorization_is_redeemed_once(stores: ContractStores) {
    let (client, user) = client_and_user(&stores).await;
    let repo = stores.device_authorizations.clone();
    let device = pending(1, &client, Duration::minutes(10));
    repo.insert(&device).await.unwrap();
    assert_eq!(repo.redeem(&device.device_code, T0).await.unwrap(), None, "pending");
    repo.decide(&device.user_code, approved_by(&user), T0).await.unwrap();
    assert_eq!(repo.redeem(&device.device_code, device.expires_at).await.unwrap(), None, "expired");
    let redeemed = repo.redeem(&device.device_code, T0).await.unwrap().expect("approved and live");
    assert_eq!(redeemed.decision, approved_by(&user));
    assert_eq!((redeemed.scopes, redeemed.resources), (device.scopes.clone(), device.resources.clone()));
    assert_eq!(repo.redeem(&device.device_code, T0).await.unwrap(), None, "once");
    assert_eq!(repo.find_by_device_code(&device.device_code).await.unwrap(), None, "gone");
    assert_eq!(repo.find_by_user_code(&device.user_code, T0).await.unwrap(), None, "its user code too");

    let denied = pending(2, &client, Duration::minutes(10));
    repo.insert(&denied).await.unwrap();
    repo.decide(&denied.user_code, DeviceDecision::Denied, T0).await.unwrap();
    assert_eq!(repo.redeem(&denied.device_code, T0).await.unwrap(), None, "denied");
    assert!(repo.find_by_device_code(&denied.device_code).await.unwrap().is_some(), "kept to answer denied");
}

/// RFC 8628 §3.5 with RFC 6749 §10.5: 32 devices polling with one approved
/// code get one set of tokens.
pub async fn thirty_two_racing_redemptions_get_one_authorization(stores: ContractStores) {
    let (client, user) = client_and_user(&stores).await;
    let repo = stores.device_authorizations.clone();
    let device = pending(1, &client, Duration::minutes(10));
    repo.insert(&device).await.unwrap();
    repo.decide(&device.user_code, approved_by(&user), T0).await.unwrap();
    let redemptions = join_all((0..32).map(|_| repo.redeem(&device.device_code, T0))).await;
    let won: Vec<DeviceAuthorization> = redemptions.into_iter().filter_map(Result::unwrap).collect();
    assert_eq!(won.len(), 1);
}

/// A poll's time and the interval after it are kept; deleting the client
/// deletes its authorizations.
pub async fn polls_are_recorded_and_authorizations_go_with_their_client(stores: ContractStores) {
    let (client, _) = client_and_user(&stores).await;
    let repo = stores.device_authorizations.clone();
    let device = pending(1, &client, Duration::minutes(10));
    repo.insert(&device).await.unwrap();
    let polled_at = T0 + Duration::seconds(7);
    assert!(repo.record_poll(&device.device_code, None, polled_at, Duration::seconds(10)).await.unwrap());
    let found = repo.find_by_device_code(&device.device_code).await.unwrap().unwrap();
    assert_eq!((found.last_polled_at, found.interval), (Some(polled_at), Duration::seconds(10)));
    // A poll that read the state before this one was recorded writes nothing.
    let late = repo.record_poll(&device.device_code, None, T0 + Duration::seconds(8), Duration::seconds(5));
    assert!(!late.await.unwrap());
    let next = T0 + Duration::seconds(20);
    assert!(
        repo.record_poll(&device.device_code, Some(polled_at), next, Duration::seconds(10)).await.unwrap()
    );
    let found = repo.find_by_device_code(&device.device_code).await.unwrap().unwrap();
    assert_eq!((found.last_polled_at, found.interval), (Some(next), Duration::seconds(10)));
    stores.clients.delete(&client.id).await.unwrap();
    assert_eq!(repo.find_by_device_code(&device.device_code).await.unwrap(), None);
}

/// Expired before the cut-off: purged, at most `limit` a call.
pub async fn expired_authorizations_are_purged_in_bounded_batches(stores: ContractStores) {
    let (client, _) = client_and_user(&stores).await;
    let repo = stores.device_authorizations.clone();
    let (old, older, live) = (
        pending(1, &client, Duration::seconds(10)),
        pending(2, &client, Duration::seconds(20)),
        pending(3, &client, Duration::hours(1)),
    );
    for device in [&old, &older, &live] {
        repo.insert(device).await.unwrap();
    }
    let cut_off = T0 + Duration::minutes(1);
    assert_eq!(repo.purge_expired(cut_off, 1).await.unwrap(), 1);
    assert_eq!(repo.purge_expired(cut_off, 10).await.unwrap(), 1);
    assert_eq!(repo.purge_expired(cut_off, 10).await.unwrap(), 0);
    assert!(repo.find_by_device_code(&live.device_code).await.unwrap().is_some(), "the live one stays");
}

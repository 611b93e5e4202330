//! The `ClientRegistrationRepository` contract: a registration stored with
//! its client, its access token rotated and checked atomically, and the
//! sweep of dynamic clients nobody uses.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use time::Duration;

use super::{ContractStores, contract_suite, join_all};
use crate::client::{Client, ClientOrigin, ClientType};
use crate::client_registration::{
    ApplicationType, ClientRegistration, RegistrationAccessDigest, RegistrationRevision,
};
use crate::error::RepoError;
use crate::redirect_uri::RedirectUri;
use crate::scope::ScopeName;
use crate::testing::fixtures::{self, T0};

contract_suite! {
    a_registration_is_stored_with_its_client_or_not_at_all,
    rotation_takes_the_current_token_once,
    removal_takes_the_current_token_and_the_whole_client,
    use_is_recorded_at_most_once_per_period,
    only_idle_enabled_dynamic_clients_are_purged,
}

fn dynamic_client(n: u64) -> Client {
    let mut client = fixtures::client(n, &format!("Agent {n}"), "secret");
    client.origin = ClientOrigin::Dynamic;
    client
}

fn registration(
    client: &Client,
    token: &str,
    last_used_at: Option<time::OffsetDateTime>,
) -> ClientRegistration {
    ClientRegistration {
        client_id: client.id.clone(),
        access_token: RegistrationAccessDigest::of(token),
        application_type: ApplicationType::Web,
        registered_from: "192.0.2.7".into(),
        initial_token: None,
        last_used_at,
    }
}

/// Registered with its secret and registration; a second client with the
/// same id is refused and stores nothing.
pub async fn a_registration_is_stored_with_its_client_or_not_at_all(stores: ContractStores) {
    let client = dynamic_client(1);
    let kept = registration(&client, "rat-1", None);
    stores.client_registrations.register(&client, &kept).await.unwrap();
    assert_eq!(stores.clients.find(&client.id).await.unwrap(), Some(client.clone()));
    assert_eq!(stores.client_registrations.find(&client.id).await.unwrap(), Some(kept.clone()));

    let mut twin = dynamic_client(1);
    twin.metadata.name = "Another".into();
    let refused = stores.client_registrations.register(&twin, &registration(&twin, "rat-2", None)).await;
    assert!(matches!(refused, Err(RepoError::Conflict(_))), "{refused:?}");
    assert_eq!(stores.client_registrations.find(&client.id).await.unwrap(), Some(kept), "untouched");
    assert_eq!(stores.clients.find(&client.id).await.unwrap().unwrap().metadata.name, "Agent 1");
}

/// Eight rotations racing with one token: one wins. A wrong token changes
/// nothing; a revision changes the metadata and application type, never
/// the operator's disabled flag.
pub async fn rotation_takes_the_current_token_once(stores: ContractStores) {
    let client = dynamic_client(1);
    let repo = stores.client_registrations.clone();
    repo.register(&client, &registration(&client, "rat-1", Some(T0))).await.unwrap();
    let presented = RegistrationAccessDigest::of("rat-1");
    let nexts: Vec<RegistrationAccessDigest> =
        (0..8).map(|n| RegistrationAccessDigest::of(&format!("next-{n}"))).collect();
    let later = T0 + Duration::hours(2);
    let won = join_all(nexts.iter().map(|next| repo.rotate(&client.id, &presented, next, None, later))).await;
    let winners: Vec<usize> =
        won.iter().enumerate().filter(|(_, r)| *r.as_ref().unwrap()).map(|(i, _)| i).collect();
    assert_eq!(winners.len(), 1, "{won:?}");
    let current = repo.find(&client.id).await.unwrap().unwrap();
    assert_eq!(current.access_token, nexts[winners[0]]);
    assert_eq!(
        current.last_used_at,
        Some(T0),
        "a rotation is not a use: a token holder cannot keep a client alive"
    );

    let mut disabled = client.clone();
    disabled.disabled = true;
    stores.clients.update(&disabled).await.unwrap();
    let mut metadata = client.metadata.clone();
    metadata.scopes = BTreeSet::from([ScopeName::parse("openid").unwrap()]);
    metadata.redirect_uris =
        vec![RedirectUri::parse("http://127.0.0.1/cb", ClientType::Confidential).unwrap()];
    let revision =
        RegistrationRevision { metadata: metadata.clone(), application_type: ApplicationType::Native };
    let stale = RegistrationAccessDigest::of("rat-1");
    let refused = repo.rotate(&client.id, &stale, &presented, Some(&revision), later).await.unwrap();
    assert!(!refused, "the old token is spent");
    assert_eq!(stores.clients.find(&client.id).await.unwrap().unwrap().metadata, client.metadata);

    let next = RegistrationAccessDigest::of("rat-3");
    let last = later + Duration::hours(1);
    assert!(repo.rotate(&client.id, &current.access_token, &next, Some(&revision), last).await.unwrap());
    let updated = stores.clients.find(&client.id).await.unwrap().unwrap();
    assert_eq!((updated.metadata, updated.updated_at, updated.disabled), (metadata, last, true));
    assert_eq!(repo.find(&client.id).await.unwrap().unwrap().application_type, ApplicationType::Native);
}

/// A wrong token removes nothing; the current one removes the client with
/// its consents. Deleting a client by the operator's path drops its
/// registration too.
pub async fn removal_takes_the_current_token_and_the_whole_client(stores: ContractStores) {
    let (client, other) = (dynamic_client(1), dynamic_client(2));
    let repo = stores.client_registrations.clone();
    repo.register(&client, &registration(&client, "rat-1", Some(T0))).await.unwrap();
    repo.register(&other, &registration(&other, "rat-2", Some(T0))).await.unwrap();
    let user = fixtures::user(1, "ada@example.com");
    stores.users.insert(&user).await.unwrap();
    let openid = BTreeSet::from([ScopeName::parse("openid").unwrap()]);
    stores.consents.grant(user.id, &client.id, &openid, T0).await.unwrap();

    assert!(!repo.remove(&client.id, &RegistrationAccessDigest::of("rat-2")).await.unwrap());
    assert!(stores.clients.find(&client.id).await.unwrap().is_some());
    assert!(repo.remove(&client.id, &RegistrationAccessDigest::of("rat-1")).await.unwrap());
    assert_eq!(stores.clients.find(&client.id).await.unwrap(), None);
    assert_eq!(repo.find(&client.id).await.unwrap(), None);
    assert!(stores.consents.granted(user.id, &client.id).await.unwrap().is_empty());
    assert!(!repo.remove(&client.id, &RegistrationAccessDigest::of("rat-1")).await.unwrap(), "gone");

    stores.clients.delete(&other.id).await.unwrap();
    assert_eq!(repo.find(&other.id).await.unwrap(), None);
}

/// A first use is always written; a later one only when the last one
/// recorded is older than asked.
pub async fn use_is_recorded_at_most_once_per_period(stores: ContractStores) {
    let client = dynamic_client(1);
    let repo = stores.client_registrations.clone();
    repo.register(&client, &registration(&client, "rat-1", None)).await.unwrap();
    let first = T0 + Duration::minutes(1);
    repo.record_use(&client.id, first, first - Duration::hours(1)).await.unwrap();
    assert_eq!(repo.find(&client.id).await.unwrap().unwrap().last_used_at, Some(first), "the first use");
    let soon = T0 + Duration::minutes(10);
    repo.record_use(&client.id, soon, soon - Duration::hours(1)).await.unwrap();
    assert_eq!(repo.find(&client.id).await.unwrap().unwrap().last_used_at, Some(first), "recent enough");
    let later = T0 + Duration::hours(2);
    repo.record_use(&client.id, later, later - Duration::hours(1)).await.unwrap();
    assert_eq!(repo.find(&client.id).await.unwrap().unwrap().last_used_at, Some(later));
    let stranger = fixtures::client(9, "Stranger", "s").id;
    repo.record_use(&stranger, later, later).await.unwrap();
}

/// Idle, enabled, dynamic: purged, at most `limit` per call. Idle is last
/// used before the cut-off, or never used and registered before it, or
/// never used, anonymous, and registered before the shorter cut-off. A
/// recent one, a never-used one that spent a token, a disabled one and an
/// operator's client stay.
pub async fn only_idle_enabled_dynamic_clients_are_purged(stores: ContractStores) {
    let repo = stores.client_registrations.clone();
    let now = T0 + Duration::days(31);
    let (idle_before, unused_before) = (now - Duration::days(30), now - Duration::days(1));
    let client = |n: u64, created: time::OffsetDateTime| Client { created_at: created, ..dynamic_client(n) };
    let (idle, unused, old_unused, recent, invited, blocked) = (
        client(1, T0),
        client(2, T0 + Duration::days(5)),
        client(3, T0),
        client(4, T0),
        client(5, T0 + Duration::days(5)),
        client(6, T0),
    );
    let token =
        crate::registration_token::RegistrationTokenId::generate(&crate::testing::SeqRandom::new(3)).unwrap();
    let rows = [
        (&idle, Some(T0), None),
        (&unused, None, None),
        (&old_unused, None, Some(token)),
        (&recent, Some(T0 + Duration::days(20)), None),
        (&invited, None, Some(token)),
        (&blocked, Some(T0), None),
    ];
    for (c, used, initial) in rows {
        let row =
            ClientRegistration { initial_token: initial, ..registration(c, &format!("rat-{}", c.id), used) };
        repo.register(c, &row).await.unwrap();
    }
    let mut disabled = blocked.clone();
    disabled.disabled = true;
    stores.clients.update(&disabled).await.unwrap();
    let operators = fixtures::client(9, "Operator's", "s");
    stores.clients.insert(&operators).await.unwrap();

    assert_eq!(repo.count().await.unwrap(), 6, "the operator's client has no registration");
    assert_eq!(repo.purge_idle(idle_before, unused_before, 1).await.unwrap(), 1, "bounded by the limit");
    assert_eq!(repo.purge_idle(idle_before, unused_before, 10).await.unwrap(), 2);
    assert_eq!(repo.purge_idle(idle_before, unused_before, 10).await.unwrap(), 0);
    assert_eq!(repo.count().await.unwrap(), 3);
    for (c, kept) in [
        (&idle, false),
        (&unused, false),
        (&old_unused, false),
        (&recent, true),
        (&invited, true),
        (&blocked, true),
        (&operators, true),
    ] {
        assert_eq!(stores.clients.find(&c.id).await.unwrap().is_some(), kept, "{}", c.metadata.name);
    }
}

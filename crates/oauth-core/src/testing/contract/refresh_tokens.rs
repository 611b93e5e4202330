//! The `RefreshTokenRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use time::Duration;

use super::{ContractStores, contract_suite};
use crate::code::CodeDigest;
use crate::refresh::{RefreshDigest, RefreshFamily, RefreshFamilyId, RefreshTokenRecord, Rotation};
use crate::scope::ScopeName;
use crate::testing::SeqRandom;
use crate::testing::contract::join_all;
use crate::testing::fixtures::{self, T0};

contract_suite! {
    round_trip_and_rotation,
    rotation_is_single_use_under_concurrency,
    revoked_families_never_rotate,
    a_successor_never_joins_another_family,
    families_are_found_by_id,
    a_family_is_bound_to_one_dpop_key,
    a_replayed_code_revokes_its_families,
    purge_removes_only_families_past_their_absolute_expiry,
}

fn scopes(names: &[&str]) -> BTreeSet<ScopeName> {
    names.iter().map(|n| ScopeName::parse(n).unwrap()).collect()
}

/// A family of the fixture client and user, with its first token `first-<n>`.
async fn family(stores: &ContractStores, n: u64, code: Option<&str>) -> (RefreshFamily, RefreshTokenRecord) {
    if stores.clients.find(&fixtures::client(1, "Billing", "s").id).await.unwrap().is_none() {
        stores.clients.insert(&fixtures::client(1, "Billing", "s")).await.unwrap();
        stores.users.insert(&fixtures::user(1, "ada@example.com")).await.unwrap();
    }
    let family = RefreshFamily {
        // Two resources, one with a query: stored and read back exactly.
        resources: ["https://calendar.example.com/", "https://payroll.example.com?v=2"]
            .iter()
            .map(|uri| crate::resource::ResourceUri::parse(uri).expect("a resource URI"))
            .collect(),
        id: RefreshFamilyId::generate(&SeqRandom::new(n)).unwrap(),
        client_id: fixtures::client(1, "Billing", "s").id,
        user_id: fixtures::user(1, "ada@example.com").id,
        scopes: scopes(&["openid", "offline_access"]),
        // Earlier than `created_at`, so that a store swapping the two fails.
        auth_time: T0 - Duration::minutes(5),
        code_digest: code.map(CodeDigest::of),
        created_at: T0,
        expires_at: T0 + Duration::days(30),
        revoked_at: None,
        sender_key: None,
    };
    let first = successor(&family, &format!("first-{n}"));
    stores.refresh.start_family(&family, &first).await.unwrap();
    (family, first)
}

fn successor(family: &RefreshFamily, token: &str) -> RefreshTokenRecord {
    RefreshTokenRecord {
        digest: RefreshDigest::of(token),
        family_id: family.id,
        scopes: family.scopes.clone(),
        issued_at: T0,
        expires_at: T0 + Duration::days(14),
        rotated_at: None,
    }
}

/// Every field comes back; a rotation marks the old token and stores the new one.
pub async fn round_trip_and_rotation(stores: ContractStores) {
    let (family, first) = family(&stores, 1, Some("code-1")).await;
    assert_eq!(stores.refresh.find(&first.digest).await.unwrap(), Some((first.clone(), family.clone())));
    let next = successor(&family, "second");
    let now = T0 + Duration::minutes(5);
    assert_eq!(stores.refresh.rotate(&first.digest, &next, now).await.unwrap(), Rotation::Rotated);
    let (old, _) = stores.refresh.find(&first.digest).await.unwrap().unwrap();
    assert_eq!(old.rotated_at, Some(now));
    assert_eq!(stores.refresh.find(&next.digest).await.unwrap().map(|(r, _)| r), Some(next.clone()));
    let again = successor(&family, "third");
    assert_eq!(stores.refresh.rotate(&first.digest, &again, now).await.unwrap(), Rotation::Reused(family.id));
    assert_eq!(stores.refresh.find(&again.digest).await.unwrap(), None, "no successor for a reuse");
    let unknown = RefreshDigest::of("never issued");
    assert_eq!(
        stores.refresh.rotate(&unknown, &successor(&family, "x"), now).await.unwrap(),
        Rotation::Unknown
    );
}

/// Of 32 concurrent rotations of one token, exactly one wins.
pub async fn rotation_is_single_use_under_concurrency(stores: ContractStores) {
    let (family, first) = family(&stores, 2, None).await;
    let successors: Vec<RefreshTokenRecord> =
        (0..32).map(|i| successor(&family, &format!("racer-{i}"))).collect();
    let outcomes =
        join_all(successors.iter().map(|next| stores.refresh.rotate(&first.digest, next, T0))).await;
    let won = outcomes.iter().filter(|o| matches!(o, Ok(Rotation::Rotated))).count();
    let reused = outcomes.iter().filter(|o| matches!(o, Ok(Rotation::Reused(_)))).count();
    assert_eq!((won, reused), (1, 31), "{outcomes:?}");
    let mut kept = 0;
    for next in &successors {
        kept += usize::from(stores.refresh.find(&next.digest).await.unwrap().is_some());
    }
    assert_eq!(kept, 1, "only the winner's successor is stored");
}

/// After a revocation, no token of the family rotates.
pub async fn revoked_families_never_rotate(stores: ContractStores) {
    let (family, first) = family(&stores, 3, None).await;
    let now = T0 + Duration::minutes(1);
    assert!(stores.refresh.revoke_family(family.id, now).await.unwrap(), "revoked now");
    let again = stores.refresh.revoke_family(family.id, now + Duration::minutes(1)).await.unwrap();
    assert!(!again, "already revoked");
    let (_, found) = stores.refresh.find(&first.digest).await.unwrap().unwrap();
    assert_eq!(found.revoked_at, Some(now), "revoked once");
    let outcome = stores.refresh.rotate(&first.digest, &successor(&family, "after"), now).await.unwrap();
    assert_eq!(outcome, Rotation::Reused(family.id));
}

/// A successor naming another family than the old token's is refused, even
/// from a revoked family into a live one, and nothing is stored.
pub async fn a_successor_never_joins_another_family(stores: ContractStores) {
    let (revoked, first) = family(&stores, 9, None).await;
    let (live, _) = family(&stores, 10, None).await;
    stores.refresh.revoke_family(revoked.id, T0).await.unwrap();
    let elsewhere = successor(&live, "into another family");
    let outcome = stores.refresh.rotate(&first.digest, &elsewhere, T0).await.unwrap();
    assert_eq!(outcome, Rotation::Reused(revoked.id));
    assert_eq!(stores.refresh.find(&elsewhere.digest).await.unwrap(), None, "nothing stored");
    let (_, live_first) = family(&stores, 11, None).await;
    let elsewhere = successor(&revoked, "out of a live family");
    assert!(!matches!(
        stores.refresh.rotate(&live_first.digest, &elsewhere, T0).await.unwrap(),
        Rotation::Rotated
    ));
    assert_eq!(stores.refresh.find(&elsewhere.digest).await.unwrap(), None, "nothing stored");
}

/// A family is found by its id, revoked or not; an unknown id finds nothing.
pub async fn families_are_found_by_id(stores: ContractStores) {
    let (family, _) = family(&stores, 8, None).await;
    assert_eq!(stores.refresh.find_family(family.id).await.unwrap(), Some(family.clone()));
    stores.refresh.revoke_family(family.id, T0).await.unwrap();
    let found = stores.refresh.find_family(family.id).await.unwrap().unwrap();
    assert_eq!(found.revoked_at, Some(T0));
    let unknown = RefreshFamilyId::generate(&SeqRandom::new(999)).unwrap();
    assert_eq!(stores.refresh.find_family(unknown).await.unwrap(), None);
}

/// A family begun bound keeps its key; an unbound one takes the first key
/// it is bound to and refuses any other (RFC 9449 §5).
pub async fn a_family_is_bound_to_one_dpop_key(stores: ContractStores) {
    let key = |n: u8| crate::testing::dpop::test_key(n);
    let (unbound, first) = family(&stores, 9, None).await;
    assert!(stores.refresh.bind_sender_key(unbound.id, &key(1)).await.unwrap());
    assert!(stores.refresh.bind_sender_key(unbound.id, &key(1)).await.unwrap(), "the same key again");
    assert!(!stores.refresh.bind_sender_key(unbound.id, &key(2)).await.unwrap(), "another key");
    let (_, found) = stores.refresh.find(&first.digest).await.unwrap().unwrap();
    assert_eq!(found.sender_key, Some(key(1)));
    let unknown = RefreshFamilyId::generate(&SeqRandom::new(998)).unwrap();
    assert!(!stores.refresh.bind_sender_key(unknown, &key(1)).await.unwrap());

    let bound = RefreshFamily {
        id: RefreshFamilyId::generate(&SeqRandom::new(10)).unwrap(),
        sender_key: Some(key(3)),
        ..unbound
    };
    let bound_first = successor(&bound, "bound-first");
    stores.refresh.start_family(&bound, &bound_first).await.unwrap();
    assert_eq!(stores.refresh.find_family(bound.id).await.unwrap(), Some(bound.clone()), "read back whole");
    assert!(!stores.refresh.bind_sender_key(bound.id, &key(1)).await.unwrap());
}

/// Revoking by code touches that code's families only.
pub async fn a_replayed_code_revokes_its_families(stores: ContractStores) {
    let (from_code, first) = family(&stores, 4, Some("the-code")).await;
    let (other, other_first) = family(&stores, 5, Some("another-code")).await;
    assert_eq!(stores.refresh.revoke_for_code(&CodeDigest::of("the-code"), T0).await.unwrap(), 1);
    assert!(stores.refresh.find(&first.digest).await.unwrap().unwrap().1.revoked_at.is_some());
    assert!(stores.refresh.find(&other_first.digest).await.unwrap().unwrap().1.revoked_at.is_none());
    let _ = (from_code, other);
}

/// Families past their absolute expiry go, with their tokens, in bounded batches.
pub async fn purge_removes_only_families_past_their_absolute_expiry(stores: ContractStores) {
    let (first_family, first) = family(&stores, 6, None).await;
    let (_, second) = family(&stores, 7, None).await;
    let end = first_family.expires_at;
    assert_eq!(stores.refresh.purge_expired(end - Duration::seconds(1), 100).await.unwrap(), 0, "not yet");
    assert_eq!(stores.refresh.purge_expired(end, 1).await.unwrap(), 1, "a bounded batch");
    let first_left = stores.refresh.find(&first.digest).await.unwrap().is_some();
    let second_left = stores.refresh.find(&second.digest).await.unwrap().is_some();
    assert!(first_left ^ second_left, "one family and its token gone, the other kept");
    assert_eq!(stores.refresh.purge_expired(end, 100).await.unwrap(), 1);
    assert!(stores.refresh.find(&first.digest).await.unwrap().is_none());
    assert!(stores.refresh.find(&second.digest).await.unwrap().is_none());
}

//! The `GrantStore` contract: the same answers as the fine-grained
//! repositories give step by step, and the same single-use guarantees.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use time::Duration;

use super::codes::code;
use super::{ContractStores, contract_suite, join_all};
use crate::code::{CodeDigest, Consumed};
use crate::ports::Issued;
use crate::refresh::{RefreshDigest, RefreshFamily, RefreshTokenRecord};
use crate::testing::fixtures::{self, T0};

contract_suite! {
    a_redemption_reads_the_code_and_its_user,
    redemption_is_single_use_under_concurrency,
    what_an_exchange_issued_is_stored_together,
    a_replay_mark_is_read_back_with_the_jti,
    a_refresh_token_is_found_with_its_family_and_user,
    a_family_that_cannot_be_stored_leaves_nothing,
    a_replay_racing_the_record_is_always_seen,
}

async fn with_owners(stores: &ContractStores) {
    stores.clients.insert(&fixtures::client(1, "Billing", "s")).await.unwrap();
    stores.users.insert(&fixtures::user(1, "ada@example.com")).await.unwrap();
}

/// A family of the fixture client and user started by `code`, and its first token.
fn family_of(code: &CodeDigest, n: u64) -> (RefreshFamily, RefreshTokenRecord) {
    fixtures::refresh_family(n, fixtures::user(1, "ada@example.com").id, Some(code.clone()))
}

/// The first redemption gets the code and its user; a second is a replay
/// without the user; a code never issued is unknown.
pub async fn a_redemption_reads_the_code_and_its_user(stores: ContractStores) {
    with_owners(&stores).await;
    let issued = code("code-1", Duration::seconds(60));
    stores.codes.insert(&issued).await.unwrap();
    let first = stores.grants.redeem(&issued.digest, T0).await.unwrap();
    assert_eq!(first.consumed, Consumed::Now(issued.clone()));
    assert_eq!(first.user, Some(fixtures::user(1, "ada@example.com")));
    let again = stores.grants.redeem(&issued.digest, T0).await.unwrap();
    assert_eq!(again.consumed, Consumed::Already(issued));
    assert_eq!(again.user, None);
    let unknown = stores.grants.redeem(&CodeDigest::of("never-issued"), T0).await.unwrap();
    assert_eq!((unknown.consumed, unknown.user), (Consumed::Unknown, None));
}

/// Of 32 concurrent redemptions of one code, exactly one wins; the rest see a replay.
pub async fn redemption_is_single_use_under_concurrency(stores: ContractStores) {
    with_owners(&stores).await;
    let issued = code("race", Duration::seconds(60));
    stores.codes.insert(&issued).await.unwrap();
    let results = join_all((0..32).map(|_| stores.grants.redeem(&issued.digest, T0))).await;
    let consumed: Vec<_> = results.into_iter().map(|r| r.unwrap().consumed).collect();
    let wins = consumed.iter().filter(|c| matches!(c, Consumed::Now(_))).count();
    let replays = consumed.iter().filter(|c| matches!(c, Consumed::Already(_))).count();
    assert_eq!((wins, replays), (1, 31), "exactly one redemption: {consumed:?}");
}

/// The family, its first token and the access token's jti are all found
/// again, and no replay is reported.
pub async fn what_an_exchange_issued_is_stored_together(stores: ContractStores) {
    with_owners(&stores).await;
    let issued = code("exchanged", Duration::seconds(60));
    stores.codes.insert(&issued).await.unwrap();
    stores.grants.redeem(&issued.digest, T0).await.unwrap();
    let (family, first) = family_of(&issued.digest, 1);
    let record = Issued { code: &issued.digest, family: Some((&family, &first)), access_jti: "jti-1" };
    assert!(!stores.grants.record_issued(record).await.unwrap(), "no replay");
    assert_eq!(stores.refresh.find(&first.digest).await.unwrap(), Some((first, family)));
    assert_eq!(stores.codes.access_token_of(&issued.digest).await.unwrap().as_deref(), Some("jti-1"));
    assert_eq!(stores.refresh.revoke_for_code(&issued.digest, T0).await.unwrap(), 1, "found by its code");
}

/// A code marked replayed says so when the exchange records what it
/// issued, with or without a family; another code does not.
pub async fn a_replay_mark_is_read_back_with_the_jti(stores: ContractStores) {
    with_owners(&stores).await;
    let (replayed, clean) = (code("replayed", Duration::seconds(60)), code("clean", Duration::seconds(60)));
    stores.codes.insert(&replayed).await.unwrap();
    stores.codes.insert(&clean).await.unwrap();
    stores.codes.mark_replayed(&replayed.digest, T0).await.unwrap();
    let (family, first) = family_of(&replayed.digest, 2);
    let with_family = Issued { code: &replayed.digest, family: Some((&family, &first)), access_jti: "jti-1" };
    assert!(stores.grants.record_issued(with_family).await.unwrap());
    let without = Issued { code: &replayed.digest, family: None, access_jti: "jti-2" };
    assert!(stores.grants.record_issued(without).await.unwrap());
    let other = Issued { code: &clean.digest, family: None, access_jti: "jti-3" };
    assert!(!stores.grants.record_issued(other).await.unwrap());
    assert_eq!(stores.codes.access_token_of(&clean.digest).await.unwrap().as_deref(), Some("jti-3"));
}

/// A refresh token comes back with its family and user, revoked or not; an
/// unknown token is `None`.
pub async fn a_refresh_token_is_found_with_its_family_and_user(stores: ContractStores) {
    with_owners(&stores).await;
    let (family, first) = family_of(&CodeDigest::of("some code"), 3);
    stores.refresh.start_family(&family, &first).await.unwrap();
    let found = stores.grants.find_refresh(&first.digest).await.unwrap().expect("found");
    assert_eq!((found.record, &found.family), (first.clone(), &family));
    assert_eq!(found.user, Some(fixtures::user(1, "ada@example.com")));
    stores.refresh.revoke_family(family.id, T0).await.unwrap();
    let revoked = stores.grants.find_refresh(&first.digest).await.unwrap().expect("still found");
    assert_eq!(revoked.family.revoked_at, Some(T0));
    assert!(stores.grants.find_refresh(&RefreshDigest::of("unknown")).await.unwrap().is_none());
}

/// A family whose first token cannot be stored (its digest is taken) is not
/// stored either: the two are one write.
pub async fn a_family_that_cannot_be_stored_leaves_nothing(stores: ContractStores) {
    with_owners(&stores).await;
    let issued = code("clash", Duration::seconds(60));
    stores.codes.insert(&issued).await.unwrap();
    let (taken, first) = family_of(&CodeDigest::of("earlier code"), 4);
    stores.refresh.start_family(&taken, &first).await.unwrap();
    let (family, _) = family_of(&issued.digest, 5);
    let clashing = Issued { code: &issued.digest, family: Some((&family, &first)), access_jti: "jti-1" };
    assert!(stores.grants.record_issued(clashing).await.is_err(), "a taken digest is refused");
    assert_eq!(stores.refresh.find_family(family.id).await.unwrap(), None, "and the family is not kept");
    assert_eq!(stores.codes.access_token_of(&issued.digest).await.unwrap(), None, "nor the jti");
}

/// A replay racing the exchange's record, 16 times: the replay marks the
/// code, then revokes by code and reads the `jti`; the record stores the
/// family and the `jti`, then reads the mark. Every time, one of the two
/// sees the other (RFC 6749 §4.1.2).
pub async fn a_replay_racing_the_record_is_always_seen(stores: ContractStores) {
    with_owners(&stores).await;
    for round in 0..16_u64 {
        let issued = code(&format!("raced-{round}"), Duration::seconds(60));
        stores.codes.insert(&issued).await.unwrap();
        stores.grants.redeem(&issued.digest, T0).await.unwrap();
        let (family, first) = family_of(&issued.digest, 100 + round);
        let record: Side<'_> = Box::pin(async {
            let issued =
                Issued { code: &issued.digest, family: Some((&family, &first)), access_jti: "jti-raced" };
            Seen::Mark(stores.grants.record_issued(issued).await.unwrap())
        });
        let replay: Side<'_> = Box::pin(async {
            stores.codes.mark_replayed(&issued.digest, T0).await.unwrap();
            let revoked = stores.refresh.revoke_for_code(&issued.digest, T0).await.unwrap();
            let jti = stores.codes.access_token_of(&issued.digest).await.unwrap();
            Seen::Issued(revoked == 1 && jti.as_deref() == Some("jti-raced"))
        });
        let seen = join_all([record, replay]).await;
        assert!(
            seen.iter().any(|side| matches!(side, Seen::Mark(true) | Seen::Issued(true))),
            "round {round}: neither side saw the other: {seen:?}"
        );
    }
}

/// What each side of the race saw: the record the replay's mark, the
/// replay the family and the `jti` the record stored.
#[derive(Debug)]
enum Seen {
    Mark(bool),
    Issued(bool),
}

type Side<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Seen> + 'a>>;

//! The `OneTimeIdRepository` contract: an identifier is new exactly once,
//! also when many callers race, until it is purged.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use time::Duration;

use super::{ContractStores, contract_suite, join_all};
use crate::dpop::JwkThumbprint;
use crate::one_time_id::OneTimeId;
use crate::testing::fixtures::T0;

contract_suite! {
    an_id_is_new_once,
    sixteen_racing_first_uses_have_one_winner,
    expired_ids_are_purged_in_bounded_batches,
}

fn id(jti: &str) -> OneTimeId {
    let key = JwkThumbprint::parse("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs").unwrap();
    OneTimeId::dpop_proof(&key, jti)
}

/// The first use is new; a second is not, even after its expiry until the
/// janitor purges it; another id is unaffected.
pub async fn an_id_is_new_once(stores: ContractStores) {
    let repo = stores.one_time_ids.clone();
    let until = T0 + Duration::seconds(60);
    assert!(repo.first_use(&id("a"), until).await.unwrap());
    assert!(!repo.first_use(&id("a"), until).await.unwrap());
    assert!(!repo.first_use(&id("a"), until + Duration::hours(1)).await.unwrap());
    assert!(repo.first_use(&id("b"), until).await.unwrap());
}

/// Sixteen first uses of one id race: exactly one is first.
pub async fn sixteen_racing_first_uses_have_one_winner(stores: ContractStores) {
    let repo = stores.one_time_ids.clone();
    let until = T0 + Duration::seconds(60);
    let raced = id("raced");
    let uses = join_all((0..16).map(|_| repo.first_use(&raced, until))).await;
    assert_eq!(uses.into_iter().filter(|first| *first.as_ref().unwrap()).count(), 1);
}

/// Expired before the cut-off: purged, at most `limit` a call; a purged id
/// is new again (it could no longer be accepted anyway).
pub async fn expired_ids_are_purged_in_bounded_batches(stores: ContractStores) {
    let repo = stores.one_time_ids.clone();
    repo.first_use(&id("old"), T0 + Duration::seconds(10)).await.unwrap();
    repo.first_use(&id("older"), T0 + Duration::seconds(20)).await.unwrap();
    repo.first_use(&id("live"), T0 + Duration::hours(1)).await.unwrap();
    let cut_off = T0 + Duration::minutes(1);
    assert_eq!(repo.purge_expired(cut_off, 1).await.unwrap(), 1);
    assert_eq!(repo.purge_expired(cut_off, 10).await.unwrap(), 1);
    assert_eq!(repo.purge_expired(cut_off, 10).await.unwrap(), 0);
    assert!(!repo.first_use(&id("live"), T0 + Duration::hours(1)).await.unwrap());
    assert!(repo.first_use(&id("old"), T0 + Duration::hours(1)).await.unwrap());
}

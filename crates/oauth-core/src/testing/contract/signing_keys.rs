//! The `SigningKeyRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use time::Duration;

use super::contract_suite;
use crate::ports::SigningKeyRepository;
use crate::signing_key::{KeyState, StoredSigningKey};
use crate::testing::contract::join_all;
use crate::testing::fixtures::T0;
use crate::token::SigningAlg;

contract_suite! {
    on signing_keys:
    round_trip_and_duplicate_kid,
    rotation_moves_every_key_one_step,
    concurrent_rotations_rotate_once,
    only_old_retired_keys_are_deleted,
}

/// A stand-in key (the contract does not care about key material).
pub fn key(kid: &str, alg: SigningAlg, state: KeyState, minutes: i64) -> StoredSigningKey {
    StoredSigningKey {
        kid: kid.into(),
        alg,
        state,
        public_jwk: format!(r#"{{"kid":"{kid}"}}"#),
        sealed_private_jwk: "sealed".into(),
        created_at: T0 + Duration::minutes(minutes),
        activated_at: (state == KeyState::Active).then_some(T0),
        retired_at: None,
    }
}

async fn seeded(keys: &Arc<dyn SigningKeyRepository>) {
    keys.insert(&key("rs-active", SigningAlg::Rs256, KeyState::Active, 0)).await.unwrap();
    keys.insert(&key("rs-next", SigningAlg::Rs256, KeyState::Next, 1)).await.unwrap();
    keys.insert(&key("es-active", SigningAlg::Es256, KeyState::Active, 2)).await.unwrap();
    keys.insert(&key("es-next", SigningAlg::Es256, KeyState::Next, 3)).await.unwrap();
}

fn state_of(keys: &[StoredSigningKey], kid: &str) -> Option<KeyState> {
    keys.iter().find(|k| k.kid == kid).map(|k| k.state)
}

/// Keys come back newest first; a second key with the same kid is a conflict.
pub async fn round_trip_and_duplicate_kid(keys: Arc<dyn SigningKeyRepository>) {
    seeded(&keys).await;
    let listed = keys.list().await.unwrap();
    let kids: Vec<&str> = listed.iter().map(|k| k.kid.as_str()).collect();
    assert_eq!(kids, ["es-next", "es-active", "rs-next", "rs-active"]);
    assert_eq!(listed[1], key("es-active", SigningAlg::Es256, KeyState::Active, 2));
    assert!(keys.insert(&key("rs-next", SigningAlg::Rs256, KeyState::Next, 9)).await.is_err());
    let second_active = keys.insert(&key("rs-other", SigningAlg::Rs256, KeyState::Active, 9)).await;
    assert!(matches!(second_active, Err(crate::RepoError::Conflict(_))), "one active key per algorithm");
    let second_next = keys.insert(&key("es-other", SigningAlg::Es256, KeyState::Next, 9)).await;
    assert!(matches!(second_next, Err(crate::RepoError::Conflict(_))), "one next key per algorithm");
}

/// Active → retired, next → active, new → next; the other algorithm untouched.
pub async fn rotation_moves_every_key_one_step(keys: Arc<dyn SigningKeyRepository>) {
    seeded(&keys).await;
    let now = T0 + Duration::hours(1);
    let new = key("rs-new", SigningAlg::Rs256, KeyState::Next, 60);
    assert!(keys.rotate(SigningAlg::Rs256, "rs-active", &new, now).await.unwrap());
    let listed = keys.list().await.unwrap();
    assert_eq!(state_of(&listed, "rs-active"), Some(KeyState::Retired));
    assert_eq!(state_of(&listed, "rs-next"), Some(KeyState::Active));
    assert_eq!(state_of(&listed, "rs-new"), Some(KeyState::Next));
    assert_eq!(state_of(&listed, "es-active"), Some(KeyState::Active));
    let retired = listed.iter().find(|k| k.kid == "rs-active").unwrap();
    assert_eq!(retired.retired_at, Some(now));
    assert_eq!(listed.iter().find(|k| k.kid == "rs-next").unwrap().activated_at, Some(now));
    let stale = key("rs-stale", SigningAlg::Rs256, KeyState::Next, 61);
    assert!(!keys.rotate(SigningAlg::Rs256, "rs-active", &stale, now).await.unwrap(), "stale expectation");
    assert_eq!(state_of(&keys.list().await.unwrap(), "rs-stale"), None);
}

/// Eight instances rotating at once from the same view: one rotation.
pub async fn concurrent_rotations_rotate_once(keys: Arc<dyn SigningKeyRepository>) {
    seeded(&keys).await;
    let candidates: Vec<StoredSigningKey> =
        (0..8).map(|i| key(&format!("es-new-{i}"), SigningAlg::Es256, KeyState::Next, 10 + i)).collect();
    let outcomes =
        join_all(candidates.iter().map(|new| keys.rotate(SigningAlg::Es256, "es-active", new, T0))).await;
    assert_eq!(outcomes.iter().filter(|o| matches!(o, Ok(true))).count(), 1, "{outcomes:?}");
    let listed = keys.list().await.unwrap();
    let active = listed.iter().filter(|k| k.alg == SigningAlg::Es256 && k.state == KeyState::Active).count();
    let next = listed.iter().filter(|k| k.alg == SigningAlg::Es256 && k.state == KeyState::Next).count();
    assert_eq!((active, next), (1, 1));
}

/// Retired keys go after the cut-off; active and next keys never.
pub async fn only_old_retired_keys_are_deleted(keys: Arc<dyn SigningKeyRepository>) {
    seeded(&keys).await;
    let new = key("rs-new", SigningAlg::Rs256, KeyState::Next, 60);
    keys.rotate(SigningAlg::Rs256, "rs-active", &new, T0 + Duration::hours(1)).await.unwrap();
    assert_eq!(
        keys.delete_retired(T0 + Duration::minutes(59)).await.unwrap(),
        0,
        "retired later than the cut-off"
    );
    assert_eq!(keys.delete_retired(T0 + Duration::hours(1)).await.unwrap(), 1);
    let listed = keys.list().await.unwrap();
    assert_eq!(state_of(&listed, "rs-active"), None);
    assert_eq!(listed.len(), 4);
}

//! The life-cycle rules on the in-memory store, a manual clock and key
//! material without cryptography (`tests/material.rs`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use time::Duration;

use super::*;
use crate::testing::contract::join_all;
use crate::testing::fixtures::{T0, access_claims as claims, id_claims};
use crate::testing::{InMemoryStore, ManualClock};

mod material;

use material::FakeMaterial;

const POLICY: KeyPolicy =
    KeyPolicy { refresh_every: Duration::seconds(60), longest_token_lifetime: Duration::minutes(10) };

struct Instance {
    ring: KeyRing,
    material: Arc<FakeMaterial>,
}

async fn instance(store: &Arc<InMemoryStore>, clock: &Arc<ManualClock>) -> Instance {
    let material = Arc::new(FakeMaterial::default());
    let ring = KeyRing::load(store.clone(), material.clone(), clock.clone(), POLICY).await.unwrap();
    Instance { ring, material }
}

fn setup() -> (Arc<InMemoryStore>, Arc<ManualClock>) {
    (Arc::new(InMemoryStore::default()), Arc::new(ManualClock::at(T0)))
}

async fn stored(store: &InMemoryStore, alg: SigningAlg, state: KeyState) -> Vec<String> {
    let keys = store.list().await.unwrap();
    keys.into_iter().filter(|k| k.alg == alg && k.state == state).map(|k| k.kid).collect()
}

async fn published_kids(ring: &KeyRing) -> Vec<String> {
    let view = ring.view().await;
    let keys = store_kids_in(&view.published.json);
    for kid in &keys {
        assert!(view.verification_key(kid).is_some(), "{kid} is published and verifies");
    }
    keys
}

/// The `kid`s of a JWK Set made by the fake material, in order.
fn store_kids_in(json: &str) -> Vec<String> {
    json.split(r#""kid":""#).skip(1).filter_map(|rest| rest.split('"').next()).map(str::to_owned).collect()
}

#[tokio::test]
async fn the_first_start_makes_an_active_and_a_next_key_per_algorithm_and_signs_with_the_active_one() {
    let (store, clock) = setup();
    let first = instance(&store, &clock).await;
    assert_eq!(store.list().await.unwrap().len(), 4);
    instance(&store, &clock).await;
    assert_eq!(store.list().await.unwrap().len(), 4, "a second start creates nothing");
    for alg in SigningAlg::ALL {
        let active = stored(&store, *alg, KeyState::Active).await;
        assert_eq!(active.len(), 1);
        let token = first.ring.sign_access_token(&claims(), *alg).await.unwrap();
        assert_eq!(token, format!("at+jwt.{alg}.{}.jti-1", active[0]), "the active key, typ at+jwt");
        assert_eq!(first.ring.active_kid(*alg).await.as_ref(), active.first());
    }
    let kids = published_kids(&first.ring).await;
    assert_eq!(kids.len(), 4, "the next keys are published before they sign");
    let view = first.ring.view().await;
    assert_eq!(&*view.published.json, format!(r#"{{"keys":[{}]}}"#, jwks_members(&store).await));
    assert!(view.published.etag.starts_with('"') && view.published.etag.ends_with('"'), "a strong ETag");
}

async fn jwks_members(store: &InMemoryStore) -> String {
    let keys = store.list().await.unwrap();
    keys.iter().map(|k| k.public_jwk.clone()).collect::<Vec<_>>().join(",")
}

#[tokio::test]
async fn rotation_is_due_once_the_active_key_has_signed_for_the_interval() {
    let (store, clock) = setup();
    let one = instance(&store, &clock).await;
    let interval = Duration::days(7);
    clock.advance(interval - Duration::seconds(1));
    assert_eq!(one.ring.rotate_due(interval).await.unwrap(), 0, "not yet");
    let next = stored(&store, SigningAlg::Es256, KeyState::Next).await;
    clock.advance(Duration::seconds(1));
    assert_eq!(one.ring.rotate_due(interval).await.unwrap(), 2, "both algorithms");
    assert_eq!(stored(&store, SigningAlg::Es256, KeyState::Active).await, next, "next became active");
    assert_eq!(one.ring.active_kid(SigningAlg::Es256).await.as_ref(), next.first(), "and signs here at once");
    assert_eq!(one.ring.rotate_due(interval).await.unwrap(), 0, "the new active key has just started");
    assert!(one.ring.rotate(SigningAlg::Es256).await.unwrap(), "a forced rotation needs no interval");
}

#[tokio::test]
async fn a_retired_key_is_published_until_its_tokens_expire_and_then_deleted() {
    let (store, clock) = setup();
    let one = instance(&store, &clock).await;
    let old = one.ring.active_kid(SigningAlg::Es256).await.unwrap();
    let before = one.ring.view().await.published.clone();
    assert!(one.ring.rotate(SigningAlg::Es256).await.unwrap());
    let after = one.ring.view().await.published.clone();
    assert!(published_kids(&one.ring).await.contains(&old), "still verifies the tokens it signed");
    assert_eq!(published_kids(&one.ring).await.len(), 5);
    assert_ne!(after.etag, before.etag);

    clock.advance(POLICY.longest_token_lifetime - Duration::seconds(1));
    one.ring.refresh().await.unwrap();
    assert!(published_kids(&one.ring).await.contains(&old), "a token it signed may still be live");
    assert_eq!(one.ring.delete_expired().await.unwrap(), 0);

    clock.advance(Duration::seconds(1));
    one.ring.refresh().await.unwrap();
    assert!(!published_kids(&one.ring).await.contains(&old), "no token it signed is live");
    assert_eq!(one.ring.delete_expired().await.unwrap(), 1);
    assert_eq!(store.list().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_rotation_by_another_instance_is_seen_at_the_next_reload() {
    let (store, clock) = setup();
    let first = instance(&store, &clock).await;
    let second = instance(&store, &clock).await;
    assert!(first.ring.rotate(SigningAlg::Rs256).await.unwrap());
    let rotated = first.ring.active_kid(SigningAlg::Rs256).await;
    clock.advance(POLICY.refresh_every - Duration::seconds(1));
    assert_ne!(second.ring.active_kid(SigningAlg::Rs256).await, rotated, "not yet: within the interval");
    clock.advance(Duration::seconds(1));
    assert_eq!(second.ring.active_kid(SigningAlg::Rs256).await, rotated, "seen without a restart");
    let token = second.ring.sign_id_token(&id_claims(), SigningAlg::Rs256).await.unwrap();
    assert_eq!(Some(token), rotated.map(|kid| format!("JWT.RS256.{kid}.user-1")));
    assert_eq!(first.ring.view().await.published, second.ring.view().await.published, "the same JWKS");
}

#[tokio::test]
async fn two_instances_rotating_at_once_rotate_each_algorithm_once() {
    let (store, clock) = setup();
    let (first, second) = (instance(&store, &clock).await, instance(&store, &clock).await);
    clock.advance(Duration::days(8));
    let (a, b) =
        tokio::join!(first.ring.rotate_due(Duration::days(7)), second.ring.rotate_due(Duration::days(7)));
    assert_eq!(a.unwrap() + b.unwrap(), 2, "each algorithm rotated once, not once per instance");
    for alg in SigningAlg::ALL {
        assert_eq!(stored(&store, *alg, KeyState::Active).await.len(), 1);
    }
}

#[tokio::test]
async fn concurrent_requests_past_the_interval_reload_once_and_reuse_the_opened_signers() {
    let (store, clock) = setup();
    let one = instance(&store, &clock).await;
    let opens = one.material.opens.load(Ordering::SeqCst);
    let signers = one.material.signers_opened.load(Ordering::SeqCst);
    clock.advance(POLICY.refresh_every);
    let (ring, claims) = (&one.ring, claims());
    // Polled together on this task: each finds the view stale while the first reloads.
    let signed = join_all((0..8).map(|_| ring.sign_access_token(&claims, SigningAlg::Es256))).await;
    assert!(signed.iter().all(Result::is_ok));
    assert_eq!(one.material.opens.load(Ordering::SeqCst), opens + 1, "one reload for all of them");
    assert_eq!(one.material.signers_opened.load(Ordering::SeqCst), signers, "unchanged keys are reused");
}

#[tokio::test]
async fn a_failed_reload_keeps_the_previous_keys_and_a_key_that_does_not_open_stops_start_up() {
    let (store, clock) = setup();
    let one = instance(&store, &clock).await;
    let kid = one.ring.active_kid(SigningAlg::Es256).await;
    one.material.refuse.store(true, Ordering::SeqCst);
    clock.advance(POLICY.refresh_every);
    assert_eq!(one.ring.active_kid(SigningAlg::Es256).await, kid, "signs on with what it had");
    assert!(one.ring.refresh().await.is_err());

    let refusing = Arc::new(FakeMaterial::default());
    refusing.refuse.store(true, Ordering::SeqCst);
    let error = KeyRing::load(store, refusing, clock, POLICY).await.unwrap_err();
    assert!(matches!(error, KeyRingError::Material(_)), "{error}");
}

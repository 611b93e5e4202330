//! The `CodeRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use time::Duration;

use super::{ContractStores, contract_suite};
use crate::code::{AuthorizationCode, CodeDigest, Consumed};
use crate::pkce::CodeChallenge;
use crate::scope::ScopeName;
use crate::testing::fixtures::{self, T0};

contract_suite! {
    round_trips_every_binding,
    consume_is_single_use_under_concurrency,
    unknown_codes_are_unknown,
    purge_removes_only_expired_codes,
    a_replay_mark_is_seen_later,
    the_issued_access_token_is_remembered,
}

/// A code bound to the fixture client and user, expiring `lifetime` after T0.
pub fn code(secret: &str, lifetime: Duration) -> AuthorizationCode {
    AuthorizationCode {
        // Two resources, one with a query: stored and read back exactly.
        resources: ["https://calendar.example.com/", "https://payroll.example.com?v=2"]
            .iter()
            .map(|uri| crate::resource::ResourceUri::parse(uri).expect("a resource URI"))
            .collect(),
        digest: CodeDigest::of(secret),
        client_id: fixtures::client(1, "Billing", "s").id,
        user_id: fixtures::user(1, "ada@example.com").id,
        redirect_uri: "https://rp.example/cb2?x=1".into(),
        redirect_uri_sent: true,
        scopes: BTreeSet::from([ScopeName::parse("openid").unwrap(), ScopeName::parse("email").unwrap()]),
        nonce: Some("n-0S6_WzA2Mj".into()),
        code_challenge: Some(
            CodeChallenge::parse(Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), Some("S256")).unwrap(),
        ),
        auth_time: T0 - Duration::minutes(5),
        issued_at: T0,
        expires_at: T0 + lifetime,
        dpop_jkt: None,
    }
}

async fn with_owners(stores: &ContractStores) {
    stores.clients.insert(&fixtures::client(1, "Billing", "s")).await.unwrap();
    stores.users.insert(&fixtures::user(1, "ada@example.com")).await.unwrap();
}

/// Every binding comes back on consumption.
pub async fn round_trips_every_binding(stores: ContractStores) {
    with_owners(&stores).await;
    let issued = code("code-1", Duration::seconds(60));
    stores.codes.insert(&issued).await.unwrap();
    assert_eq!(stores.codes.consume(&issued.digest, T0).await.unwrap(), Consumed::Now(issued.clone()));
    let mut bare = code("code-2", Duration::seconds(60));
    bare.nonce = None;
    bare.code_challenge = None;
    bare.redirect_uri_sent = false;
    stores.codes.insert(&bare).await.unwrap();
    assert_eq!(stores.codes.consume(&bare.digest, T0).await.unwrap(), Consumed::Now(bare));
}

/// Of 16 concurrent consumptions of one code, exactly one wins; the rest see a replay.
pub async fn consume_is_single_use_under_concurrency(stores: ContractStores) {
    with_owners(&stores).await;
    let issued = code("race", Duration::seconds(60));
    stores.codes.insert(&issued).await.unwrap();
    let tries = (0..16).map(|_| {
        let codes = stores.codes.clone();
        let digest = issued.digest.clone();
        async move { codes.consume(&digest, T0).await }
    });
    let results = super::join_all(tries).await;
    let wins = results.iter().filter(|r| matches!(r, Ok(Consumed::Now(_)))).count();
    let replays = results.iter().filter(|r| matches!(r, Ok(Consumed::Already(_)))).count();
    assert_eq!(wins, 1, "a code must be redeemable exactly once: {results:?}");
    assert_eq!(replays, 15, "every other attempt is a detected replay: {results:?}");
    assert!(matches!(stores.codes.consume(&issued.digest, T0).await.unwrap(), Consumed::Already(_)));
}

/// A digest that was never issued is unknown.
pub async fn unknown_codes_are_unknown(stores: ContractStores) {
    with_owners(&stores).await;
    assert_eq!(stores.codes.consume(&CodeDigest::of("never-issued"), T0).await.unwrap(), Consumed::Unknown);
}

/// A code marked replayed says so to a later recording of its access token;
/// another code does not.
pub async fn a_replay_mark_is_seen_later(stores: ContractStores) {
    with_owners(&stores).await;
    let (replayed, clean) = (code("replayed", Duration::seconds(60)), code("clean", Duration::seconds(60)));
    stores.codes.insert(&replayed).await.unwrap();
    stores.codes.insert(&clean).await.unwrap();
    assert!(!stores.codes.record_access_token(&replayed.digest, "jti-1").await.unwrap());
    stores.codes.mark_replayed(&replayed.digest, T0).await.unwrap();
    assert!(stores.codes.record_access_token(&replayed.digest, "jti-1").await.unwrap());
    assert!(!stores.codes.record_access_token(&clean.digest, "jti-2").await.unwrap());
}

/// The jti recorded for a code is found again; another code has none.
pub async fn the_issued_access_token_is_remembered(stores: ContractStores) {
    with_owners(&stores).await;
    let (used, other) = (code("used", Duration::seconds(60)), code("other", Duration::seconds(60)));
    stores.codes.insert(&used).await.unwrap();
    stores.codes.insert(&other).await.unwrap();
    assert_eq!(stores.codes.access_token_of(&used.digest).await.unwrap(), None);
    stores.codes.record_access_token(&used.digest, "jti-1").await.unwrap();
    assert_eq!(stores.codes.access_token_of(&used.digest).await.unwrap().as_deref(), Some("jti-1"));
    assert_eq!(stores.codes.access_token_of(&other.digest).await.unwrap(), None);
}

/// Purging deletes expired codes in bounded batches and leaves live ones.
pub async fn purge_removes_only_expired_codes(stores: ContractStores) {
    with_owners(&stores).await;
    for n in 0..3 {
        stores.codes.insert(&code(&format!("old-{n}"), Duration::seconds(10))).await.unwrap();
    }
    let live = code("live", Duration::seconds(120));
    stores.codes.insert(&live).await.unwrap();
    let later = T0 + Duration::seconds(60);
    assert_eq!(stores.codes.purge_expired(later, 2).await.unwrap(), 2, "bounded by the limit");
    assert_eq!(stores.codes.purge_expired(later, 100).await.unwrap(), 1);
    assert_eq!(stores.codes.purge_expired(later, 100).await.unwrap(), 0);
    assert!(
        matches!(stores.codes.consume(&live.digest, later).await.unwrap(), Consumed::Now(_)),
        "live code kept"
    );
    assert_eq!(stores.codes.consume(&CodeDigest::of("old-0"), later).await.unwrap(), Consumed::Unknown);
}

//! The `RegistrationTokenRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use time::Duration;

use super::{contract_suite, join_all};
use crate::error::RepoError;
use crate::ports::RegistrationTokenRepository;
use crate::registration_token::{RegistrationToken, RegistrationTokenDigest, RegistrationTokenId};
use crate::testing::SeqRandom;
use crate::testing::fixtures::T0;

contract_suite! {
    on registration_tokens:
    round_trips_and_lists_oldest_first,
    spends_each_use_once_under_concurrency,
    expired_revoked_and_unknown_tokens_are_never_spent,
}

fn token(n: u64, uses: u32) -> RegistrationToken {
    RegistrationToken {
        id: RegistrationTokenId::generate(&SeqRandom::new(n)).unwrap(),
        digest: RegistrationTokenDigest::of(&format!("token-{n}")),
        max_uses: uses,
        uses_left: uses,
        created_at: T0 + Duration::seconds(i64::try_from(n).unwrap()),
        expires_at: T0 + Duration::hours(1),
        revoked_at: None,
    }
}

/// What was stored comes back, oldest first; a revoked token stays listed.
pub async fn round_trips_and_lists_oldest_first(repo: Arc<dyn RegistrationTokenRepository>) {
    let (second, first) = (token(2, 3), token(1, 5));
    repo.insert(&second).await.unwrap();
    repo.insert(&first).await.unwrap();
    repo.revoke(second.id, T0 + Duration::minutes(1)).await.unwrap();
    let listed = repo.list().await.unwrap();
    let revoked = RegistrationToken { revoked_at: Some(T0 + Duration::minutes(1)), ..second };
    assert_eq!(listed, vec![first, revoked]);
}

/// Sixteen registrations racing on a token with three uses: three win.
pub async fn spends_each_use_once_under_concurrency(repo: Arc<dyn RegistrationTokenRepository>) {
    let three = token(1, 3);
    repo.insert(&three).await.unwrap();
    let spent = join_all((0..16).map(|_| repo.spend(&three.digest, T0))).await;
    let wins: Vec<RegistrationTokenId> = spent.into_iter().filter_map(Result::unwrap).collect();
    assert_eq!(wins, vec![three.id; 3]);
    assert_eq!(repo.list().await.unwrap()[0].uses_left, 0);
}

/// No use is taken from a token past its expiry, revoked, or unknown.
pub async fn expired_revoked_and_unknown_tokens_are_never_spent(repo: Arc<dyn RegistrationTokenRepository>) {
    let (expiring, revoked) = (token(1, 5), token(2, 5));
    repo.insert(&expiring).await.unwrap();
    repo.insert(&revoked).await.unwrap();
    repo.revoke(revoked.id, T0).await.unwrap();
    assert_eq!(repo.spend(&expiring.digest, expiring.expires_at).await.unwrap(), None, "at its expiry");
    assert_eq!(repo.spend(&revoked.digest, T0).await.unwrap(), None);
    assert_eq!(repo.spend(&RegistrationTokenDigest::of("unknown"), T0).await.unwrap(), None);
    let untouched: Vec<u32> = repo.list().await.unwrap().iter().map(|t| t.uses_left).collect();
    assert_eq!(untouched, [5, 5]);
    let stranger = RegistrationTokenId::generate(&SeqRandom::new(99)).unwrap();
    assert!(matches!(repo.revoke(stranger, T0).await, Err(RepoError::NotFound)));
}

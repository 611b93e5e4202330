//! The `RevokedTokenRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use time::Duration;

use super::contract_suite;
use crate::ports::RevokedTokenRepository;
use crate::testing::fixtures::T0;

contract_suite! {
    on revoked_tokens:
    revocation_is_listed_and_idempotent,
    purge_removes_only_entries_past_their_expiry,
}

/// A revoked jti is listed; revoking it again succeeds; others are not listed.
pub async fn revocation_is_listed_and_idempotent(revoked: Arc<dyn RevokedTokenRepository>) {
    assert!(!revoked.is_revoked("jti-1").await.unwrap());
    revoked.revoke("jti-1", T0 + Duration::minutes(10)).await.unwrap();
    revoked.revoke("jti-1", T0 + Duration::minutes(10)).await.unwrap();
    assert!(revoked.is_revoked("jti-1").await.unwrap());
    assert!(!revoked.is_revoked("jti-2").await.unwrap());
}

/// Entries go in bounded batches once their token has expired, and not before.
pub async fn purge_removes_only_entries_past_their_expiry(revoked: Arc<dyn RevokedTokenRepository>) {
    let end = T0 + Duration::minutes(10);
    for jti in ["a", "b", "c"] {
        revoked.revoke(jti, end).await.unwrap();
    }
    revoked.revoke("later", end + Duration::minutes(5)).await.unwrap();
    assert_eq!(revoked.purge_expired(end - Duration::seconds(1), 100).await.unwrap(), 0, "not yet");
    assert_eq!(revoked.purge_expired(end, 2).await.unwrap(), 2, "a bounded batch");
    assert_eq!(revoked.purge_expired(end, 100).await.unwrap(), 1);
    for jti in ["a", "b", "c"] {
        assert!(!revoked.is_revoked(jti).await.unwrap(), "{jti} purged");
    }
    assert!(revoked.is_revoked("later").await.unwrap(), "a live entry is kept");
}

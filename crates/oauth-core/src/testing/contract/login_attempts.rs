//! The `LoginAttemptRepository` contract.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use time::Duration;

use super::contract_suite;
use crate::ports::LoginAttemptRepository;
use crate::testing::contract::join_all;
use crate::testing::fixtures::T0;
use crate::throttle::{FailureCount, account_key, ip_key};

contract_suite! {
    on login_attempts:
    failures_count_per_key_and_clear,
    concurrent_failures_all_count,
    failures_are_forgotten_after_the_memory,
    purge_removes_only_stale_keys,
    forgive_one_takes_back_one_failure_never_below_zero,
}

const MEMORY: Duration = Duration::hours(24);

/// Each key counts on its own; `clear` forgets one key.
pub async fn failures_count_per_key_and_clear(attempts: Arc<dyn LoginAttemptRepository>) {
    let (ada, ip) = (account_key("ada@example.com", "192.0.2.1"), ip_key("192.0.2.1"));
    assert_eq!(attempts.failures(&ada).await.unwrap(), None);
    for n in 1..=3_i64 {
        attempts.record_failure(&ada, T0 + Duration::seconds(n), MEMORY).await.unwrap();
    }
    attempts.record_failure(&ip, T0, MEMORY).await.unwrap();
    let expected = FailureCount { failures: 3, last_failure_at: T0 + Duration::seconds(3) };
    assert_eq!(attempts.failures(&ada).await.unwrap(), Some(expected));
    attempts.clear(&ada).await.unwrap();
    assert_eq!(attempts.failures(&ada).await.unwrap(), None);
    assert_eq!(attempts.failures(&ip).await.unwrap().map(|c| c.failures), Some(1));
}

/// Sixteen concurrent failures on one key, new or existing, add sixteen.
pub async fn concurrent_failures_all_count(attempts: Arc<dyn LoginAttemptRepository>) {
    let key = account_key("race@example.com", "192.0.2.1");
    let results = join_all((0..16).map(|_| attempts.record_failure(&key, T0, MEMORY))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(attempts.failures(&key).await.unwrap().map(|c| c.failures), Some(16));
}

/// A failure long after the previous one starts again at one.
pub async fn failures_are_forgotten_after_the_memory(attempts: Arc<dyn LoginAttemptRepository>) {
    let key = account_key("ada@example.com", "192.0.2.1");
    for _ in 0..4 {
        attempts.record_failure(&key, T0, MEMORY).await.unwrap();
    }
    let within = attempts.record_failure(&key, T0 + MEMORY, MEMORY).await.unwrap();
    assert_eq!(within.failures, 5, "exactly the memory later still counts");
    let later = T0 + MEMORY * 2 + Duration::seconds(1);
    let after = attempts.record_failure(&key, later, MEMORY).await.unwrap();
    assert_eq!(after, FailureCount { failures: 1, last_failure_at: later });
}

/// Purging removes keys last touched at or before the cut-off, and no other.
pub async fn purge_removes_only_stale_keys(attempts: Arc<dyn LoginAttemptRepository>) {
    let (old, recent) = (ip_key("192.0.2.1"), ip_key("192.0.2.2"));
    attempts.record_failure(&old, T0, MEMORY).await.unwrap();
    attempts.record_failure(&recent, T0 + Duration::hours(2), MEMORY).await.unwrap();
    assert_eq!(attempts.purge_stale(T0 + Duration::hours(1), 100).await.unwrap(), 1);
    assert_eq!(attempts.failures(&old).await.unwrap(), None);
    assert!(attempts.failures(&recent).await.unwrap().is_some());
}

/// `forgive_one` lowers one key's count by one, keeps the last failure's
/// time, stops at zero, ignores a missing key, and counts under concurrency.
pub async fn forgive_one_takes_back_one_failure_never_below_zero(attempts: Arc<dyn LoginAttemptRepository>) {
    let (ada, other, missing) =
        (account_key("ada@example.com", "192.0.2.1"), ip_key("192.0.2.1"), ip_key("192.0.2.9"));
    for n in 1..=3_i64 {
        attempts.record_failure(&ada, T0 + Duration::seconds(n), MEMORY).await.unwrap();
    }
    attempts.record_failure(&other, T0, MEMORY).await.unwrap();
    attempts.forgive_one(&ada).await.unwrap();
    let expected = FailureCount { failures: 2, last_failure_at: T0 + Duration::seconds(3) };
    assert_eq!(attempts.failures(&ada).await.unwrap(), Some(expected), "exactly one taken back");
    assert_eq!(attempts.failures(&other).await.unwrap().map(|c| c.failures), Some(1), "other keys alone");

    let results = join_all((0..5).map(|_| attempts.forgive_one(&ada))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(attempts.failures(&ada).await.unwrap().map(|c| c.failures), Some(0), "never below zero");
    let next = attempts.record_failure(&ada, T0 + Duration::seconds(4), MEMORY).await.unwrap();
    assert_eq!(next.failures, 1, "counts up again from zero");

    attempts.forgive_one(&missing).await.unwrap();
    assert_eq!(attempts.failures(&missing).await.unwrap(), None, "a missing key stays missing");

    let key = account_key("race@example.com", "192.0.2.1");
    for _ in 0..16 {
        attempts.record_failure(&key, T0, MEMORY).await.unwrap();
    }
    let results = join_all((0..10).map(|_| attempts.forgive_one(&key))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(attempts.failures(&key).await.unwrap().map(|c| c.failures), Some(6), "each one counts");
}

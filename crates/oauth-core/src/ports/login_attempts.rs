//! Storage of failed-login counters.

use time::{Duration, OffsetDateTime};

use crate::error::RepoError;
use crate::throttle::{FailureCount, ThrottleKey};

/// Persistence of the brute-force guard's counters, shared by every instance.
///
/// Contract (checked for every adapter by `testing::contract::login_attempts`):
/// - `record_failure` is atomic: N concurrent calls on one key add N;
/// - a failure more than `memory` after the previous one starts the count at 1;
/// - `forgive_one` is atomic and takes back exactly one failure: it lowers a
///   count above zero by one, never below zero, and leaves the last failure's
///   time and a missing key alone;
/// - `clear` forgets a key; `purge_stale` deletes at most `limit` keys whose
///   last failure is at or before `before`.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait LoginAttemptRepository: Send + Sync {
    /// The failures recorded against `key`, if any.
    async fn failures(&self, key: &ThrottleKey) -> Result<Option<FailureCount>, RepoError>;
    /// Adds one failure at `now` and returns the new count.
    async fn record_failure(
        &self,
        key: &ThrottleKey,
        now: OffsetDateTime,
        memory: Duration,
    ) -> Result<FailureCount, RepoError>;
    /// Takes back one failure of `key`: one recorded ahead of a check that
    /// could not run (an overloaded password hasher), so judged nothing.
    async fn forgive_one(&self, key: &ThrottleKey) -> Result<(), RepoError>;
    /// Forgets the failures of `key` (after a successful login).
    async fn clear(&self, key: &ThrottleKey) -> Result<(), RepoError>;
    /// Deletes up to `limit` counters last touched at or before `before`.
    async fn purge_stale(&self, before: OffsetDateTime, limit: u32) -> Result<u64, RepoError>;
}

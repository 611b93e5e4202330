//! Quotas on rows that callers who have not signed in can make: counted
//! per window in the store's failure counters, shared by every instance.

use time::OffsetDateTime;

use crate::error::RepoError;
use crate::ports::LoginAttemptRepository;
use crate::throttle::{AuthorizeQuota, retry_after_secs};

/// Charges one use of `quota` to `address`, kept apart from other quotas
/// by `purpose`: `None` while the window allows it, otherwise the seconds
/// until the window ends (a `Retry-After`).
pub(crate) async fn charge(
    attempts: &dyn LoginAttemptRepository,
    quota: AuthorizeQuota,
    purpose: &str,
    address: &str,
    now: OffsetDateTime,
) -> Result<Option<u64>, RepoError> {
    let (key, began, ends) = quota.window_for(purpose, address, now);
    let charged = attempts.record_failure(&key, now, now - began).await?;
    if charged.failures <= quota.per_address {
        return Ok(None);
    }
    Ok(Some(retry_after_secs(ends, now)))
}

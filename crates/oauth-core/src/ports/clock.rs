//! Time, injected so that expiry is testable without waiting.

use time::OffsetDateTime;

/// The current time. Every expiry and timestamp in the domain comes from here.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> OffsetDateTime;
}

//! The production clock: the only place that reads the system time.

use oauth_core::ports::Clock;
use time::OffsetDateTime;

/// Wall-clock time in UTC.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one sanctioned reading of the system time
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

//! The brute-force guard on password logins (RFC 6749 §10.10, ASVS 6.3.1):
//! failed attempts are counted per account and per client IP in the store, so
//! the counts survive restarts and are shared by every instance. Past a limit,
//! logins are refused for a lockout that doubles with each further failure.

use time::{Duration, OffsetDateTime};

use crate::digest::Digest;

/// Marks the digests that key the counters.
#[derive(Debug)]
pub enum ThrottleKind {}

/// Which counter: the digest of `account:<email key>` or `ip:<address>`, so the
/// store never holds the raw names or addresses attackers typed.
pub type ThrottleKey = Digest<ThrottleKind>;

/// The counter of an account, whether or not the account exists (a lockout
/// must not reveal which accounts exist).
pub fn account_key(username: &str) -> ThrottleKey {
    Digest::of(&format!("account:{}", username.trim().to_lowercase()))
}

/// The counter of a client address.
pub fn ip_key(address: &str) -> ThrottleKey {
    Digest::of(&format!("ip:{address}"))
}

/// The counter of failed authentications of a client at the token endpoint,
/// from one address: someone else's failures cannot lock the client out.
pub fn client_key(client_id: &str, address: &str) -> ThrottleKey {
    Digest::of(&format!("client:{client_id}|{address}"))
}

/// Failed client authentications allowed per [`CLIENT_WINDOW`] before the
/// client is refused (security checklist CR-04: the 21st in a minute is 429).
pub const CLIENT_LIMIT: u32 = 20;

/// How long a client that hit [`CLIENT_LIMIT`] is refused, and how long its failures count.
pub const CLIENT_WINDOW: Duration = Duration::minutes(1);

/// Failed attempts recorded against one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub failures: u32,
    pub last_failure_at: OffsetDateTime,
}

/// The limits. `window` is the first lockout; each further failure doubles it,
/// up to [`ThrottlePolicy::MAX_LOCKOUT`]. A key with no failure for
/// [`ThrottlePolicy::MEMORY`] starts again from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures an account may have before it is locked.
    pub account_limit: u32,
    /// Failures one address may have before it is locked (higher: addresses are shared).
    pub ip_limit: u32,
    /// The first lockout.
    pub window: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self { account_limit: 5, ip_limit: 30, window: Duration::minutes(15) }
    }
}

impl ThrottlePolicy {
    /// The longest lockout.
    pub const MAX_LOCKOUT: Duration = Duration::hours(24);
    /// How long a failure is remembered.
    pub const MEMORY: Duration = Duration::hours(24);

    /// Until when a key with `count` failures is locked, if it is at `now`.
    pub fn locked_until(
        &self,
        count: FailureCount,
        limit: u32,
        now: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        if count.failures < limit || now - count.last_failure_at >= Self::MEMORY {
            return None;
        }
        let doublings = (count.failures - limit).min(16);
        let lockout = (self.window * 2_i32.pow(doublings)).min(Self::MAX_LOCKOUT);
        let until = count.last_failure_at + lockout;
        (now < until).then_some(until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixtures::T0;

    /// (name, failures, minutes since the last failure, locked)
    type Row<'a> = (&'a str, u32, i64, bool);

    #[test]
    fn lockout_starts_at_the_limit_and_doubles() {
        let policy = ThrottlePolicy::default();
        let rows: &[Row] = &[
            ("below the limit", 4, 0, false),
            ("at the limit", 5, 0, true),
            ("at the limit, 14 minutes on", 5, 14, true),
            ("at the limit, window passed", 5, 15, false),
            ("one more failure doubles the lockout", 6, 29, true),
            ("doubled lockout passed", 6, 30, false),
            ("many failures cap at a day", 40, 60 * 24 - 1, true),
            ("forgotten after a day", 40, 60 * 24, false),
        ];
        for (name, failures, minutes, locked) in rows {
            let count = FailureCount { failures: *failures, last_failure_at: T0 };
            let now = T0 + Duration::minutes(*minutes);
            assert_eq!(policy.locked_until(count, policy.account_limit, now).is_some(), *locked, "{name}");
        }
    }

    #[test]
    fn keys_ignore_case_and_separate_kinds() {
        assert_eq!(account_key("Alice@Example.com "), account_key("alice@example.com"));
        assert_ne!(account_key("127.0.0.1"), ip_key("127.0.0.1"));
    }
}

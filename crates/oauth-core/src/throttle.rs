//! The brute-force guard on password logins (RFC 6749 §10.10, ASVS 6.3.1)
//! and client authentication (RFC 6749 §2.3.1), and the quota on what
//! anonymous requests may store: counters kept in the store, so they survive
//! restarts and are shared by every instance, each keyed by something bounded
//! (an account *and* the address it is tried from, an address), never by a
//! value a caller can vary freely on its own. Past a limit, logins are refused
//! for a lockout that doubles with each further failure.

use std::net::IpAddr;

use time::{Duration, OffsetDateTime};

use crate::digest::Digest;

/// Marks the digests that key the counters.
#[derive(Debug)]
pub enum ThrottleKind {}

/// Which counter: the digest of its kind and its source (`ip:<address>`, …),
/// so the store never holds the raw names or addresses attackers typed.
pub type ThrottleKey = Digest<ThrottleKind>;

/// The source a counter is kept for: the address as given, except that an
/// IPv6 address stands for its /64. RFC 4291 §2.5.1: the low 64 bits are the
/// interface identifier, which a host picks freely (RFC 8981), so one host
/// has billions of addresses in its /64 but rarely more than one /64.
fn source(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
        Ok(ip) => ip.to_canonical().to_string(),
        Err(_) => address.to_owned(),
    }
}

/// The counter of an account's failures from one address, whether or not the
/// account exists (a lockout must not reveal which accounts exist). Failures
/// from one address lock the account there only: someone else's guesses
/// cannot lock the owner out.
pub fn account_key(username: &str, address: &str) -> ThrottleKey {
    Digest::of(&format!("account:{}|{}", username.trim().to_lowercase(), source(address)))
}

/// The counter of a client address.
pub fn ip_key(address: &str) -> ThrottleKey {
    Digest::of(&format!("ip:{}", source(address)))
}

/// The counter of failed authentications of a registered client at the token
/// endpoint, from one address: someone else's failures cannot lock the client out.
pub fn client_key(client_id: &str, address: &str) -> ThrottleKey {
    Digest::of(&format!("client:{client_id}|{}", source(address)))
}

/// The counter of failed authentications from one address under ids that name
/// no client: one per address, however many ids it makes up.
pub fn unknown_client_key(address: &str) -> ThrottleKey {
    Digest::of(&format!("unknown-client:{}", source(address)))
}

/// RFC 6749 §2.3.1: the token endpoint must protect client authentication
/// against brute force. [`client_key`] and [`unknown_client_key`] each allow
/// this many failures with less than [`CLIENT_WINDOW`] between them; the next
/// attempt is refused (429), even with the right secret.
pub const CLIENT_LIMIT: u32 = 20;

/// How long a client that hit [`CLIENT_LIMIT`] is refused, and how long its failures count.
pub const CLIENT_WINDOW: Duration = Duration::minutes(1);

/// The quota on sign-in requests an address may leave in the store: each
/// authorization request that needs the login or consent page stores a
/// pending request (up to 8 KiB of parameters) and, for a browser without a
/// session, a session. Counted per address in fixed windows of `window`, in
/// one counter per address; past `per_address`, the request is refused (429)
/// and nothing is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorizeQuota {
    /// Requests stored per address per window.
    pub per_address: u32,
    /// The window; at least a second.
    pub window: Duration,
}

impl Default for AuthorizeQuota {
    /// 100 per 10 minutes: far more than one person starts; an address many
    /// people share (a large NAT) may need it raised.
    fn default() -> Self {
        Self { per_address: 100, window: Duration::minutes(10) }
    }
}

impl AuthorizeQuota {
    /// The counter of `address` and the window `now` falls in: when it began
    /// and when it ends.
    pub fn window_at(
        &self,
        address: &str,
        now: OffsetDateTime,
    ) -> (ThrottleKey, OffsetDateTime, OffsetDateTime) {
        self.window_for("authorize", address, now)
    }

    /// [`Self::window_at`] for another quota of the same shape, kept apart
    /// from the others by `purpose`.
    pub fn window_for(
        &self,
        purpose: &str,
        address: &str,
        now: OffsetDateTime,
    ) -> (ThrottleKey, OffsetDateTime, OffsetDateTime) {
        let length = self.window.whole_seconds().max(1);
        let since = now.unix_timestamp() - now.unix_timestamp().rem_euclid(length);
        let began = OffsetDateTime::from_unix_timestamp(since).unwrap_or(now);
        let key = Digest::of(&format!("{purpose}:{}", source(address)));
        (key, began, began + Duration::seconds(length))
    }
}

/// The whole seconds (at least one) from `now` until a window `ends`: the
/// `Retry-After` of an answer refused by a quota (RFC 9110 §10.2.3).
pub fn retry_after_secs(ends: OffsetDateTime, now: OffsetDateTime) -> u64 {
    let wait = ends - now;
    let seconds = wait.whole_seconds() + i64::from(wait.subsec_nanoseconds() > 0);
    u64::try_from(seconds).unwrap_or(0).max(1)
}

/// Failed attempts recorded against one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    /// Failures counted so far.
    pub failures: u32,
    /// When the last one happened.
    pub last_failure_at: OffsetDateTime,
}

/// The limits. `window` is the first lockout; each further failure doubles it,
/// up to [`ThrottlePolicy::MAX_LOCKOUT`]. A key with no failure for
/// [`ThrottlePolicy::MEMORY`] starts again from zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures an account may have from one address before it is locked there.
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
    fn keys_ignore_case_and_separate_kinds_and_sources() {
        let here = "192.0.2.1";
        assert_eq!(account_key("Alice@Example.com ", here), account_key("alice@example.com", here));
        assert_ne!(account_key("alice@example.com", here), account_key("alice@example.com", "192.0.2.2"));
        assert_ne!(ip_key(here), unknown_client_key(here));
        assert_ne!(client_key("x", here), unknown_client_key(here));
    }

    #[test]
    fn an_ipv6_address_counts_as_its_slash_64() {
        let rows: &[(&str, &str, &str, bool)] = &[
            ("same /64", "2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true),
            ("another /64", "2001:db8:1:2::1", "2001:db8:1:3::1", false),
            ("mapped IPv4 is the IPv4 address", "::ffff:192.0.2.1", "192.0.2.1", true),
            ("IPv4 addresses are whole", "192.0.2.1", "192.0.2.2", false),
        ];
        for (name, a, b, same) in rows {
            assert_eq!(ip_key(a) == ip_key(b), *same, "{name}");
        }
    }

    #[test]
    fn authorize_windows_are_fixed_and_keyed_per_address() {
        let quota = AuthorizeQuota::default();
        let (key, began, ends) = quota.window_at("192.0.2.1", T0);
        assert!(began <= T0 && T0 < ends && ends - began == quota.window);
        let (same, later_began, _) = quota.window_at("192.0.2.1", ends);
        assert_eq!((same, later_began), (key.clone(), ends), "one counter per address, the next window");
        assert_ne!(quota.window_at("192.0.2.2", T0).0, key);
    }
}

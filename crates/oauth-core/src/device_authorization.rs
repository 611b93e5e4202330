//! The device authorization grant (RFC 8628): a device with no browser asks
//! for a device code and a user code; the user enters the user code on
//! another screen, signs in and approves or denies; the device polls the
//! token endpoint until the decision is made, the codes expire, or it
//! receives its tokens, once.

use std::collections::BTreeSet;

use time::{Duration, OffsetDateTime};

use crate::client::ClientId;
use crate::digest::{Digest, IssuedSecret};
use crate::ports::{RandomSource, RandomUnavailable};
use crate::resource::ResourceUri;
use crate::scope::ScopeName;
use crate::user::UserId;

/// `grant_type` of the device's token requests (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// How long a device code and its user code live unless configured
/// otherwise (RFC 8628 §3.2 `expires_in`; §5.1 asks for a short life).
pub const DEFAULT_DEVICE_CODE_LIFETIME: Duration = Duration::minutes(10);

/// The least time between two polls unless configured otherwise (RFC 8628
/// §3.2 `interval`, 5 s when absent).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::seconds(5);

/// What each `slow_down` adds to a device code's interval (RFC 8628 §3.5).
pub const SLOW_DOWN_STEP: Duration = Duration::seconds(5);

/// The longest interval `slow_down` raises to: a device that polled too
/// fast many times still learns of an approval within a minute.
pub const MAX_POLL_INTERVAL: Duration = Duration::minutes(1);

/// Marks device codes and their digests.
#[derive(Debug)]
pub enum DeviceCodeKind {}

/// The device code (RFC 8628 §3.2): 256 random bits, handed to the device
/// once; only its digest is stored.
pub type DeviceCode = IssuedSecret<DeviceCodeKind>;

/// What the store keeps to find a device authorization by its device code.
pub type DeviceCodeDigest = Digest<DeviceCodeKind>;

/// Marks user codes' digests.
#[derive(Debug)]
pub enum UserCodeKind {}

/// What the store keeps to find a device authorization by its user code.
///
/// SECURITY: a user code has about 34.5 bits, so its digest keeps it from
/// being read off the table, not from being guessed offline; it is useful
/// only while its authorization is pending, minutes, and guessing it
/// online is rate-limited (docs/SECURITY.md § Device grant).
pub type UserCodeDigest = Digest<UserCodeKind>;

/// The user code's characters (RFC 8628 §6.1): twenty consonants, no vowel
/// (no words) and no look-alikes (no `0`/`O`, `1`/`I`/`L` pairs to confuse).
pub const USER_CODE_ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// Characters in a user code: 20^8, about 2^34.5 codes.
pub const USER_CODE_LEN: usize = 8;

/// A user code, normalized: eight characters of [`USER_CODE_ALPHABET`].
#[derive(Clone, PartialEq, Eq)]
pub struct UserCode(String);

impl UserCode {
    /// A fresh code from the CSPRNG, each character uniform over the
    /// alphabet (bytes of 240 and above are drawn again, as 240 is the
    /// largest multiple of 20 a byte holds).
    pub fn generate(random: &dyn RandomSource) -> Result<Self, RandomUnavailable> {
        let mut code = String::with_capacity(USER_CODE_LEN);
        let mut bytes = [0_u8; 16];
        // 16 bytes hold 8 usable ones with overwhelming odds; a source that
        // keeps failing that is no random source.
        for _ in 0..8 {
            if code.len() == USER_CODE_LEN {
                break;
            }
            random.fill(&mut bytes)?;
            for byte in bytes.iter().copied().filter(|byte| *byte < 240) {
                if code.len() < USER_CODE_LEN {
                    code.push(char::from(USER_CODE_ALPHABET[usize::from(byte % 20)]));
                }
            }
        }
        if code.len() < USER_CODE_LEN {
            return Err(RandomUnavailable);
        }
        Ok(Self(code))
    }

    /// The code a user typed (RFC 8628 §6.1): case, dashes and spaces are
    /// ignored; anything else outside the alphabet, or another length, is
    /// no code.
    pub fn parse(typed: &str) -> Option<Self> {
        if typed.len() > 4 * USER_CODE_LEN {
            return None;
        }
        let code: String = typed
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let valid =
            code.len() == USER_CODE_LEN && code.bytes().all(|byte| USER_CODE_ALPHABET.contains(&byte));
        valid.then_some(Self(code))
    }

    /// As shown to the user: two groups of four, `WDJB-MJHT`.
    pub fn display(&self) -> String {
        let (first, second) = self.0.split_at(USER_CODE_LEN / 2);
        format!("{first}-{second}")
    }

    /// What the store keeps.
    pub fn digest(&self) -> UserCodeDigest {
        Digest::of(&self.0)
    }
}

impl std::fmt::Debug for UserCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserCode([REDACTED])")
    }
}

/// What the user decided, so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceDecision {
    /// Nobody has decided yet.
    Pending,
    /// The user approved: the device's next poll gets tokens for them.
    Approved {
        /// Who approved.
        user_id: UserId,
        /// When they last signed in (OIDC Core `auth_time`).
        auth_time: OffsetDateTime,
    },
    /// The user denied.
    Denied,
}

/// A device authorization, from the device's request to its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthorization {
    /// The device code's digest; the code itself is never stored.
    pub device_code: DeviceCodeDigest,
    /// The user code's digest; unique among live authorizations.
    pub user_code: UserCodeDigest,
    /// The client that asked; only it may poll.
    pub client_id: ClientId,
    /// The scopes asked for, checked against the client.
    pub scopes: BTreeSet<ScopeName>,
    /// The resources named (RFC 8707), checked against the client.
    pub resources: BTreeSet<ResourceUri>,
    /// What the user decided.
    pub decision: DeviceDecision,
    /// The browser session that last entered the user code correctly on
    /// the verification page: its next steps need not be counted as
    /// guesses.
    pub entered_by: Option<crate::session::SessionId>,
    /// The least time between polls now: the initial interval plus 5 s per
    /// `slow_down` answered.
    pub interval: Duration,
    /// When the device last polled, if it has.
    pub last_polled_at: Option<OffsetDateTime>,
    /// When the device asked.
    pub created_at: OffsetDateTime,
    /// When both codes stop working.
    pub expires_at: OffsetDateTime,
}

/// How the token endpoint answers a poll (RFC 8628 §3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollVerdict {
    /// `authorization_pending`: the poll is recorded.
    Pending,
    /// `slow_down`: too soon after the last poll; the interval grows to
    /// this for every later poll.
    SlowDown(Duration),
    /// `access_denied`.
    Denied,
    /// `expired_token`.
    Expired,
    /// The tokens, whatever the poll's timing: the grant is redeemed.
    Approved,
}

impl DeviceAuthorization {
    /// Whether the codes still work at `now`.
    pub fn is_live_at(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }

    /// RFC 8628 §3.5: how a poll at `now` is answered. A decided
    /// authorization is answered at once; a pending one polled sooner than
    /// its interval after the last poll is told to slow down.
    pub fn judge_poll(&self, now: OffsetDateTime) -> PollVerdict {
        if !self.is_live_at(now) {
            return PollVerdict::Expired;
        }
        match self.decision {
            DeviceDecision::Approved { .. } => PollVerdict::Approved,
            DeviceDecision::Denied => PollVerdict::Denied,
            DeviceDecision::Pending => match self.last_polled_at {
                Some(last) if now - last < self.interval => {
                    PollVerdict::SlowDown((self.interval + SLOW_DOWN_STEP).min(MAX_POLL_INTERVAL))
                }
                _ => PollVerdict::Pending,
            },
        }
    }
}

#[cfg(test)]
mod tests;

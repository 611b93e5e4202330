//! Initial access tokens (RFC 7591 §3; RFC 7592 Appendix A): what an
//! operator hands out so that a client may register itself when dynamic
//! registration runs in `token` mode. Each is generated here (256 bits),
//! shown once, stored only as its SHA-256 digest, good for a limited number
//! of registrations and until it expires or is revoked.

use time::{Duration, OffsetDateTime};

use crate::digest::{Digest, IssuedSecret};
use crate::random_id::random_uuid_id;

random_uuid_id! {
    /// An initial access token's handle: what `registration-tokens list`
    /// shows and `revoke` takes, and what a registration records as its
    /// source. Never the token.
    RegistrationTokenId
}

/// Marks digests of initial access tokens.
#[derive(Debug)]
pub enum RegistrationTokenKind {}

/// SHA-256 of an initial access token.
pub type RegistrationTokenDigest = Digest<RegistrationTokenKind>;

/// An initial access token in the clear: generated here, shown once.
pub type RegistrationTokenSecret = IssuedSecret<RegistrationTokenKind>;

/// The most registrations one token may allow.
pub const MAX_USES: u32 = 10_000;

/// The shortest and longest life of a token.
pub const TTL_RANGE: (Duration, Duration) = (Duration::minutes(1), Duration::days(365));

/// A stored initial access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationToken {
    /// Its handle.
    pub id: RegistrationTokenId,
    /// SHA-256 of the token.
    pub digest: RegistrationTokenDigest,
    /// Registrations it allows when created.
    pub max_uses: u32,
    /// Registrations it still allows.
    pub uses_left: u32,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// After this instant it is refused.
    pub expires_at: OffsetDateTime,
    /// When an operator revoked it, if one did.
    pub revoked_at: Option<OffsetDateTime>,
}

impl RegistrationToken {
    /// Whether it would allow a registration at `now`.
    pub fn is_usable_at(&self, now: OffsetDateTime) -> bool {
        self.uses_left > 0 && self.revoked_at.is_none() && now < self.expires_at
    }
}

//! Refresh tokens (RFC 6749 §6) in rotating families (RFC 9700 §4.14): every
//! use replaces the token with a successor in the same family; presenting a
//! replaced token again is taken as theft and revokes the whole family.

use std::collections::BTreeSet;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::client::ClientId;
use crate::code::CodeDigest;
use crate::digest::{Digest, IssuedSecret};
use crate::ports::{RandomSource, RandomUnavailable};
use crate::scope::ScopeName;
use crate::user::UserId;

/// Marks refresh tokens and their digests.
#[derive(Debug)]
pub enum RefreshKind {}

/// A refresh token in the clear (256 bits): only in the response that hands it out.
pub type RefreshToken = IssuedSecret<RefreshKind>;

/// What is stored: SHA-256 of the token.
pub type RefreshDigest = Digest<RefreshKind>;

/// Identifies a family: every token descended from one code exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RefreshFamilyId(Uuid);

impl RefreshFamilyId {
    /// A fresh random id.
    pub fn generate(random: &dyn RandomSource) -> Result<Self, RandomUnavailable> {
        let mut bytes = [0_u8; 16];
        random.fill(&mut bytes)?;
        Ok(Self(uuid::Builder::from_random_bytes(bytes).into_uuid()))
    }

    /// Parses a stored id.
    pub fn parse(text: &str) -> Option<Self> {
        Uuid::parse_str(text).ok().map(Self)
    }
}

impl std::fmt::Display for RefreshFamilyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A family: what the first exchange granted, and until when any of its tokens may live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshFamily {
    pub id: RefreshFamilyId,
    /// Bound to this client (RFC 6749 §6).
    pub client_id: ClientId,
    pub user_id: UserId,
    /// The scopes granted at the code exchange: no successor may exceed them.
    pub scopes: BTreeSet<ScopeName>,
    pub auth_time: OffsetDateTime,
    /// The code the family came from, so that a replay of that code revokes it.
    pub code_digest: Option<CodeDigest>,
    pub created_at: OffsetDateTime,
    /// The absolute lifetime's end.
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

/// One token of a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    pub digest: RefreshDigest,
    pub family_id: RefreshFamilyId,
    /// This token's scopes: the family's, or fewer after a narrowing refresh.
    pub scopes: BTreeSet<ScopeName>,
    pub issued_at: OffsetDateTime,
    /// The idle lifetime's end, never after the family's.
    pub expires_at: OffsetDateTime,
    /// Set when a successor replaced it.
    pub rotated_at: Option<OffsetDateTime>,
}

/// What a rotation found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// This call replaced the token with the successor.
    Rotated,
    /// The token was replaced before, or its family is revoked: reuse.
    Reused(RefreshFamilyId),
    /// No such token.
    Unknown,
}

//! Refresh tokens (RFC 6749 §6) in rotating families (RFC 9700 §4.14): every
//! use replaces the token with a successor in the same family; presenting a
//! replaced token again is taken as theft and revokes the whole family.

use std::collections::BTreeSet;

use time::OffsetDateTime;

use crate::client::ClientId;
use crate::code::CodeDigest;
use crate::digest::{Digest, IssuedSecret};
use crate::resource::ResourceUri;
use crate::scope::ScopeName;
use crate::user::UserId;

/// Marks refresh tokens and their digests.
#[derive(Debug)]
pub enum RefreshKind {}

/// A refresh token in the clear (256 bits): only in the response that hands it out.
pub type RefreshToken = IssuedSecret<RefreshKind>;

/// What is stored: SHA-256 of the token.
pub type RefreshDigest = Digest<RefreshKind>;

crate::random_id::random_uuid_id! {
    /// Identifies a family: every token descended from one code exchange.
    RefreshFamilyId
}

/// A family: what the first exchange granted, and until when any of its tokens may live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshFamily {
    /// The family's identifier.
    pub id: RefreshFamilyId,
    /// Bound to this client (RFC 6749 §6).
    pub client_id: ClientId,
    /// The user who granted it.
    pub user_id: UserId,
    /// The scopes granted at the code exchange: no successor may exceed them.
    pub scopes: BTreeSet<ScopeName>,
    /// The resources (RFC 8707) the authorization granted: a refresh may ask
    /// for one of them, never for another.
    pub resources: BTreeSet<ResourceUri>,
    /// When the user last authenticated (the `auth_time` claim).
    pub auth_time: OffsetDateTime,
    /// The code the family came from, so that a replay of that code revokes it.
    pub code_digest: Option<CodeDigest>,
    /// When the first exchange created it.
    pub created_at: OffsetDateTime,
    /// The absolute lifetime's end.
    pub expires_at: OffsetDateTime,
    /// When it was revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
    /// RFC 9449 §5: a public client's family is bound to the DPoP key it
    /// began with; every refresh must prove it.
    pub sender_key: Option<crate::dpop::JwkThumbprint>,
}

/// One token of a family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    /// The token's digest; the token itself is never stored.
    pub digest: RefreshDigest,
    /// The family it belongs to.
    pub family_id: RefreshFamilyId,
    /// This token's scopes: the family's, or fewer after a narrowing refresh.
    pub scopes: BTreeSet<ScopeName>,
    /// When it was issued.
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

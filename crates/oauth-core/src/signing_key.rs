//! Signing keys as stored: the public JWK in the clear, the private JWK
//! sealed under the master key by the keys adapter. Every instance reads the
//! same rows, so they sign with and publish the same keys.

use std::fmt;

use time::OffsetDateTime;

use crate::token::SigningAlg;

/// A key's place in its life: published before it signs, signing while
/// active, published for verification once retired (RFC 7517 §5: a key set
/// lists every key a verifier may meet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyState {
    /// Published, not yet signing.
    Next,
    /// Signing new tokens.
    Active,
    /// No longer signing; published while tokens it signed may live.
    Retired,
}

impl KeyState {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Next => "next",
            Self::Active => "active",
            Self::Retired => "retired",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "next" => Some(Self::Next),
            "active" => Some(Self::Active),
            "retired" => Some(Self::Retired),
            _ => None,
        }
    }
}

/// A signing key as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSigningKey {
    /// RFC 7638 JWK thumbprint.
    pub kid: String,
    /// The algorithm it signs with.
    pub alg: SigningAlg,
    /// Where it is in its life.
    pub state: KeyState,
    /// The public JWK, JSON.
    pub public_jwk: String,
    /// The private JWK, sealed by the adapter (never readable without the master key).
    pub sealed_private_jwk: String,
    /// When it was generated.
    pub created_at: OffsetDateTime,
    /// When it started signing.
    pub activated_at: Option<OffsetDateTime>,
    /// When it stopped signing; deleted once every token it signed has expired.
    pub retired_at: Option<OffsetDateTime>,
}

impl StoredSigningKey {
    /// Whether the JWKS must still carry it at `now`: `next` and `active`
    /// always, `retired` until `retired_at + longest_token_lifetime`.
    pub fn is_published_at(&self, now: OffsetDateTime, longest_token_lifetime: time::Duration) -> bool {
        match (self.state, self.retired_at) {
            (KeyState::Retired, Some(retired_at)) => now < retired_at + longest_token_lifetime,
            (KeyState::Retired, None) => false,
            _ => true,
        }
    }
}

impl fmt::Debug for StoredSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

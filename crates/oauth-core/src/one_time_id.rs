//! The identity of a one-time value (a DPoP proof's `jti`, a client
//! assertion's) as stored by `OneTimeIdRepository`: a digest that keeps the
//! kinds and the keys apart, so one key's `jti` never blocks another's
//! (RFC 9449 §11.1 asks for uniqueness per key).

use crate::digest::Digest;
use crate::dpop::JwkThumbprint;

/// The kind of the digests below (`crate::digest` keeps kinds apart).
enum OneTimeValue {}

/// SHA-256 of a namespaced identifier, as lower-case hex (64 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OneTimeId(String);

impl OneTimeId {
    /// A DPoP proof's `jti`, for the key that signed it.
    pub fn dpop_proof(key: &JwkThumbprint, jti: &str) -> Self {
        Self::of(&["dpop", key.as_str(), jti])
    }

    /// A client assertion's `jti` (RFC 7523 §3 item 7), for its client.
    pub fn client_assertion(client_id: &str, jti: &str) -> Self {
        Self::of(&["client_assertion", client_id, jti])
    }

    fn of(parts: &[&str]) -> Self {
        // Length-prefixed: no two different lists digest the same text.
        let encoded = parts.iter().fold(String::new(), |mut text, part| {
            use std::fmt::Write as _;
            let _ = write!(text, "{}:{part}", part.len());
            text
        });
        Self(Digest::<OneTimeValue>::of(&encoded).to_hex())
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_differ_by_key_and_by_jti() {
        let key = JwkThumbprint::parse("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs").unwrap();
        let other = JwkThumbprint::parse("AzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs").unwrap();
        let id = OneTimeId::dpop_proof(&key, "a");
        assert_eq!(id, OneTimeId::dpop_proof(&key, "a"));
        assert_ne!(id, OneTimeId::dpop_proof(&other, "a"));
        assert_ne!(id, OneTimeId::dpop_proof(&key, "b"));
        assert_eq!(id.as_str().len(), 64, "lower-case hex of SHA-256");
    }
}

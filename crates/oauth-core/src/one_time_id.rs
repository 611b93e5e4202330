//! The identity of a one-time value (a DPoP proof's `jti`, later a client
//! assertion's) as stored by `OneTimeIdRepository`: a digest that keeps the
//! kinds and the keys apart, so one key's `jti` never blocks another's
//! (RFC 9449 §11.1 asks for uniqueness per key).

use sha2::{Digest as _, Sha256};

use crate::dpop::JwkThumbprint;

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
        let mut hasher = Sha256::new();
        for part in parts {
            // Length-prefixed: no two different lists hash the same input.
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
        let digest = hasher.finalize();
        Self(digest.iter().fold(String::with_capacity(64), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        }))
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads the stored form back (64 lower-case hex characters).
    pub fn from_stored(text: &str) -> Option<Self> {
        (text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Self(text.to_owned()))
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
        assert_eq!(OneTimeId::from_stored(id.as_str()), Some(id));
    }
}

//! Server nonces for DPoP (RFC 9449 §8), without state: a nonce is the time
//! it was issued, sealed under the master key (AES-256-GCM, its own `aad`),
//! so every instance sharing the master key accepts every other's, and a
//! client can neither read nor forge one.

use oauth_core::ports::DpopNonces;
use time::{Duration, OffsetDateTime};

use crate::master_key::MasterKey;

/// Bound to the seal, so no other sealed value passes for a nonce.
const AAD: &str = "dpop-nonce";

/// Longer than any nonce we issue; a longer one is refused unopened.
const MAX_NONCE_LEN: usize = 128;

/// The core's `DpopNonces` port, sealed under the master key.
pub struct SealedDpopNonces {
    master: MasterKey,
    lifetime: Duration,
}

impl std::fmt::Debug for SealedDpopNonces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedDpopNonces").field("lifetime", &self.lifetime).finish_non_exhaustive()
    }
}

impl SealedDpopNonces {
    /// Nonces sealed under `master`, each accepted for `lifetime`.
    pub fn new(master: MasterKey, lifetime: Duration) -> Self {
        Self { master, lifetime }
    }
}

impl DpopNonces for SealedDpopNonces {
    fn issue(&self, now: OffsetDateTime) -> Option<String> {
        let sealed = self.master.seal(&now.unix_timestamp().to_be_bytes(), AAD).ok()?;
        // The header value and the claim both take base64url best.
        Some(sealed.replace('+', "-").replace('/', "_").trim_end_matches('=').to_owned())
    }

    fn accepts(&self, nonce: &str, now: OffsetDateTime) -> bool {
        if nonce.len() > MAX_NONCE_LEN {
            return false;
        }
        let mut standard = nonce.replace('-', "+").replace('_', "/");
        while !standard.len().is_multiple_of(4) {
            standard.push('=');
        }
        let Ok(plain) = self.master.open(&standard, AAD) else { return false };
        let Ok(bytes) = <[u8; 8]>::try_from(plain.as_slice()) else { return false };
        let Ok(issued) = OffsetDateTime::from_unix_timestamp(i64::from_be_bytes(bytes)) else { return false };
        // Issued by an instance whose clock may run a little ahead.
        issued <= now + Duration::seconds(5) && now < issued + self.lifetime
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    fn nonces(byte: u8) -> SealedDpopNonces {
        let master = MasterKey::from_base64(&STANDARD.encode([byte; 32])).unwrap();
        SealedDpopNonces::new(master, Duration::minutes(5))
    }

    #[test]
    fn a_nonce_is_accepted_for_its_lifetime_by_any_holder_of_the_key() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let nonce = nonces(7).issue(now).unwrap();
        assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{nonce}");
        let other_instance = nonces(7);
        assert!(other_instance.accepts(&nonce, now));
        assert!(other_instance.accepts(&nonce, now + Duration::seconds(299)));
        assert!(!other_instance.accepts(&nonce, now + Duration::minutes(5)), "expired");
        assert!(!other_instance.accepts(&nonce, now - Duration::minutes(1)), "from the future");
        assert!(!nonces(8).accepts(&nonce, now), "another key");
        assert!(!other_instance.accepts("made-up", now));
        assert!(!other_instance.accepts(&"A".repeat(4096), now));
    }
}

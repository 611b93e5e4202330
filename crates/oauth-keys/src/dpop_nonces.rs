//! Server nonces for DPoP (RFC 9449 §8), without state: a nonce is the time
//! it was issued and an HMAC of it under a key derived from the master key
//! for this purpose alone, so every instance sharing the master key accepts
//! every other's, and a client cannot forge one. A nonce needs integrity,
//! not secrecy: the time in it is no secret.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_core::ports::DpopNonces;
use ring::hmac;
use time::{Duration, OffsetDateTime};

use crate::master_key::MasterKey;

/// The purpose the HMAC key is derived for.
const PURPOSE: &str = "dpop-nonce";

/// The issue time (8 bytes) and its HMAC-SHA256 (32).
const NONCE_BYTES: usize = 40;

/// How far ahead of ours another instance's clock may be.
const CLOCK_SKEW: Duration = Duration::seconds(5);

/// The core's `DpopNonces` port, under a key derived from the master key.
pub struct HmacDpopNonces {
    key: hmac::Key,
    lifetime: Duration,
}

impl std::fmt::Debug for HmacDpopNonces {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HmacDpopNonces").field("lifetime", &self.lifetime).finish_non_exhaustive()
    }
}

impl HmacDpopNonces {
    /// Nonces under `master`'s key for this purpose, each accepted for `lifetime`.
    pub fn new(master: &MasterKey, lifetime: Duration) -> Self {
        Self { key: master.hmac_key(PURPOSE), lifetime }
    }
}

impl DpopNonces for HmacDpopNonces {
    fn issue(&self, now: OffsetDateTime) -> Option<String> {
        let issued = now.unix_timestamp().to_be_bytes();
        let mut nonce = issued.to_vec();
        nonce.extend_from_slice(hmac::sign(&self.key, &issued).as_ref());
        Some(URL_SAFE_NO_PAD.encode(nonce))
    }

    fn accepts(&self, nonce: &str, now: OffsetDateTime) -> bool {
        // 40 bytes are 54 characters: anything else is refused undecoded.
        if nonce.len() != 54 {
            return false;
        }
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(nonce) else { return false };
        let Ok(bytes) = <[u8; NONCE_BYTES]>::try_from(bytes.as_slice()) else { return false };
        let (issued, tag) = bytes.split_at(8);
        let Ok(issued) = <[u8; 8]>::try_from(issued) else { return false };
        // SECURITY: compared in constant time.
        if hmac::verify(&self.key, &issued, tag).is_err() {
            return false;
        }
        let Ok(issued) = OffsetDateTime::from_unix_timestamp(i64::from_be_bytes(issued)) else {
            return false;
        };
        issued <= now + CLOCK_SKEW && now < issued + self.lifetime
    }
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    fn nonces(byte: u8) -> HmacDpopNonces {
        let master = MasterKey::from_base64(&STANDARD.encode([byte; 32])).unwrap();
        HmacDpopNonces::new(&master, Duration::minutes(5))
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

    #[test]
    fn a_changed_time_does_not_pass() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let issuer = nonces(7);
        let mut bytes = URL_SAFE_NO_PAD.decode(issuer.issue(now).unwrap()).unwrap();
        bytes[7] ^= 1;
        assert!(!issuer.accepts(&URL_SAFE_NO_PAD.encode(bytes), now));
    }
}

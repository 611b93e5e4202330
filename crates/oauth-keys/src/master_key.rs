//! The master key that seals private signing keys at rest: AES-256-GCM
//! (`ring`), a fresh 96-bit nonce per seal, and the key's identity as
//! associated data, so a sealed key copied into another row does not open.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};

/// Why the master key could not be had, or a sealed value not opened.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("the master key must be 32 bytes, base64-encoded")]
    Malformed,
    #[error("cannot read or create the master key file {path}: {reason}")]
    File { path: String, reason: String },
    #[error(
        "a stored signing key cannot be decrypted with this master key (wrong AUTH_MASTER_KEY, or a damaged row)"
    )]
    CannotOpen,
    #[error("the system random source is unavailable")]
    Random,
}

/// AES-256-GCM under the operator's master key, and keys for other
/// purposes derived from it (HKDF-SHA256, RFC 5869), so that no other use
/// spends the sealing key's budget of random nonces.
pub struct MasterKey {
    aead: LessSafeKey,
    derivation: hkdf::Prk,
}

/// HKDF's salt: fixed, naming what the derived keys come from.
const DERIVATION_SALT: &[u8] = b"ManuMu Auth master key";

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

impl MasterKey {
    /// The key from its base64 form (`AUTH_MASTER_KEY`).
    pub fn from_base64(text: &str) -> Result<Self, MasterKeyError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| MasterKeyError::Malformed)?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, MasterKeyError> {
        if bytes.len() != 32 {
            return Err(MasterKeyError::Malformed);
        }
        let key = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| MasterKeyError::Malformed)?;
        let derivation = hkdf::Salt::new(hkdf::HKDF_SHA256, DERIVATION_SALT).extract(bytes);
        Ok(Self { aead: LessSafeKey::new(key), derivation })
    }

    /// An HMAC-SHA256 key for `purpose` alone: every instance with this
    /// master key derives the same one, and no two purposes share one.
    pub fn hmac_key(&self, purpose: &str) -> hmac::Key {
        let info = [purpose.as_bytes()];
        match self.derivation.expand(&info, hmac::HMAC_SHA256) {
            Ok(okm) => hmac::Key::from(okm),
            // HKDF refuses only outputs longer than 255 hashes; 32 bytes never are.
            Err(_) => unreachable!("a 32-byte HKDF output is always possible"),
        }
    }

    /// The key in `path`, created (32 random bytes, base64, mode 0600) when
    /// the file does not exist. Returns whether it was created, so that the
    /// caller can warn: a key beside the database protects less than one
    /// kept apart.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), MasterKeyError> {
        let fail = |reason: String| MasterKeyError::File { path: path.display().to_string(), reason };
        match std::fs::read_to_string(path) {
            Ok(text) => return Ok((Self::from_base64(&text)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(fail(e.to_string())),
        }
        let mut bytes = [0_u8; 32];
        SystemRandom::new().fill(&mut bytes).map_err(|_| MasterKeyError::Random)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(|e| fail(e.to_string()))?;
        writeln!(file, "{}", STANDARD.encode(bytes)).map_err(|e| fail(e.to_string()))?;
        Ok((Self::from_bytes(&bytes)?, true))
    }

    /// base64(nonce ‖ ciphertext ‖ tag), with `aad` bound in.
    pub fn seal(&self, plaintext: &[u8], aad: &str) -> Result<String, MasterKeyError> {
        let mut nonce = [0_u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| MasterKeyError::Random)?;
        let mut buffer = plaintext.to_vec();
        self.aead
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad.as_bytes()),
                &mut buffer,
            )
            .map_err(|_| MasterKeyError::Random)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&buffer);
        Ok(STANDARD.encode(sealed))
    }

    /// The plaintext of `sealed`, if this key sealed it with this `aad`.
    pub fn open(&self, sealed: &str, aad: &str) -> Result<Vec<u8>, MasterKeyError> {
        let bytes = STANDARD.decode(sealed).map_err(|_| MasterKeyError::CannotOpen)?;
        if bytes.len() < NONCE_LEN {
            return Err(MasterKeyError::CannotOpen);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| MasterKeyError::CannotOpen)?;
        let mut buffer = ciphertext.to_vec();
        let plaintext = self
            .aead
            .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buffer)
            .map_err(|_| MasterKeyError::CannotOpen)?;
        Ok(plaintext.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_aad() {
        let key = MasterKey::from_base64(&STANDARD.encode([7_u8; 32])).unwrap();
        let other = MasterKey::from_base64(&STANDARD.encode([8_u8; 32])).unwrap();
        let sealed = key.seal(b"private jwk", "kid-1").unwrap();
        assert!(!sealed.contains("private"));
        assert_eq!(key.open(&sealed, "kid-1").unwrap(), b"private jwk");
        assert!(key.open(&sealed, "kid-2").is_err(), "moved to another row");
        assert!(other.open(&sealed, "kid-1").is_err(), "another master key");
        assert_ne!(key.seal(b"private jwk", "kid-1").unwrap(), sealed, "a fresh nonce each time");
        assert!(MasterKey::from_base64("c2hvcnQ=").is_err(), "not 32 bytes");
    }

    #[test]
    fn the_key_file_is_created_once_and_private() {
        let dir = std::env::temp_dir().join(format!("manumu-master-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("master.key");
        let _ = std::fs::remove_file(&path);
        let (first, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(created);
        let (second, created_again) = MasterKey::load_or_create(&path).unwrap();
        assert!(!created_again);
        let sealed = first.seal(b"x", "a").unwrap();
        assert_eq!(second.open(&sealed, "a").unwrap(), b"x", "the same key on the next start");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

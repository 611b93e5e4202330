use secrecy::{ExposeSecret, SecretString};

use crate::password::{Password, PasswordHash};
use crate::ports::{HashError, PasswordHasher};

/// A hasher for unit tests that is fast and transparent: it prefixes the
/// password. Never use outside tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainTextHasher;

const PREFIX: &str = "$plaintext-test-only$";

#[async_trait::async_trait]
impl PasswordHasher for PlainTextHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        Ok(PasswordHash::new(format!("{PREFIX}{}", password.expose())))
    }

    async fn verify(&self, candidate: &SecretString, hash: &PasswordHash) -> Result<bool, HashError> {
        let stored = hash
            .as_str()
            .strip_prefix(PREFIX)
            .ok_or_else(|| HashError::Failed("not a plain-text test hash".into()))?;
        Ok(stored == candidate.expose_secret())
    }
}

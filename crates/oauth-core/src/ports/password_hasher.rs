//! Password hashing for resource owners.

use secrecy::SecretString;

use crate::password::{Password, PasswordHash};

/// The hasher could not run (resource exhaustion, a malformed stored hash).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(pub String);

/// Slow, salted, memory-hard hashing of human passwords.
///
/// Implementations run the work off the async workers (it costs tens of
/// milliseconds of CPU by design) and bound how many hashes run at once.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a password that met the policy, with a fresh random salt.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError>;

    /// Whether `candidate` matches `hash`. The comparison is constant-time;
    /// a wrong password is `Ok(false)`, not an error.
    async fn verify(&self, candidate: &SecretString, hash: &PasswordHash) -> Result<bool, HashError>;
}

//! Password hashing for resource owners.

use secrecy::SecretString;

use crate::password::{Password, PasswordHash};

/// The hasher could not run.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Too many hashes are running or waiting, or the wait for a turn ran
    /// out: the caller is refused at once rather than queued without end,
    /// and should answer "try again later" (HTTP 503 with `Retry-After`).
    #[error("password hashing is overloaded")]
    Overloaded,
    /// Anything else: resource exhaustion, a malformed stored hash.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// Slow, salted, memory-hard hashing of human passwords.
///
/// Implementations run the work off the async workers (it costs tens of
/// milliseconds of CPU by design), bound how many hashes run at once, and
/// bound how many callers wait for a turn and for how long
/// (`HashError::Overloaded` past either).
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a password that met the policy, with a fresh random salt.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError>;

    /// Whether `candidate` matches `hash`. The comparison is constant-time;
    /// a wrong password is `Ok(false)`, not an error.
    async fn verify(&self, candidate: &SecretString, hash: &PasswordHash) -> Result<bool, HashError>;
}

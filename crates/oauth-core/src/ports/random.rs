//! Randomness, injected so that identifiers and secrets are reproducible in tests.

/// The operating system's random source failed; nothing random can be issued.
#[derive(Debug, thiserror::Error)]
#[error("the system random source is unavailable")]
pub struct RandomUnavailable;

/// A cryptographically secure random source.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
pub trait RandomSource: Send + Sync {
    /// Fills `dest` with unpredictable bytes. Production adapters must be a CSPRNG.
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomUnavailable>;
}

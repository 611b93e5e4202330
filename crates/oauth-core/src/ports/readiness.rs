//! Whether the server can do its work right now.

use crate::error::RepoError;

/// Answers a readiness probe: can the store be reached and used?
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait ReadinessProbe: Send + Sync {
    /// `Ok` when a round trip to the store succeeded just now.
    async fn check(&self) -> Result<(), RepoError>;
}

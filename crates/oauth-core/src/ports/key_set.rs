//! The public keys resource servers verify our tokens with.

use std::sync::Arc;

/// The JWK Set as served, and its entity tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedKeys {
    /// RFC 7517 §5 JSON: `{"keys": [...]}`, public members only.
    pub json: Arc<str>,
    /// A strong ETag (quoted) of `json`.
    pub etag: Arc<str>,
}

/// Could not produce the key set (the store is down at a reload).
#[derive(Debug, thiserror::Error)]
#[error("the key set is unavailable: {0}")]
pub struct KeySetUnavailable(pub String);

/// The current JWK Set: every key that may have signed a still-valid token,
/// and the next key before it signs. Implementations pick up rotations made
/// by other instances within their refresh interval.
#[cfg_attr(any(test, feature = "test-support"), mockall::automock)]
#[async_trait::async_trait]
pub trait KeySet: Send + Sync {
    /// The set as it should be served now.
    async fn published(&self) -> Result<PublishedKeys, KeySetUnavailable>;
}

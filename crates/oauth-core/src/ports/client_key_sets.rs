//! The JWK Sets `private_key_jwt` clients publish at their `jwks_uri`
//! (RFC 7591 §2), fetched and kept by an adapter.

use std::sync::Arc;

use crate::client::JwksUri;

/// Why no key set came back; the text is for logs, and the client is told
/// only `invalid_client`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeySetRefused(pub String);

/// The key sets clients publish. An adapter fetches them through a guarded
/// client (public addresses only, bounded size and time) and keeps each a
/// bounded time, so an assertion costs no fetch while its copy is fresh.
#[async_trait::async_trait]
pub trait ClientKeySets: Send + Sync {
    /// The JWK Set at `uri`, as JSON text: the kept copy while it is fresh.
    async fn key_set(&self, uri: &JwksUri) -> Result<Arc<str>, KeySetRefused>;

    /// The set at `uri` fetched again, because an assertion was refused
    /// with the kept copy: the client may have rotated its keys (OIDC Core
    /// §10.1.1). `None` when the kept copy is younger than the adapter's
    /// cooldown, so forged assertions cannot make us fetch at will.
    async fn renewed_key_set(&self, uri: &JwksUri) -> Result<Option<Arc<str>>, KeySetRefused>;
}

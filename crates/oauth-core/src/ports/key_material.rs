//! The cryptography behind signing keys: what the key ring
//! (`service::key_ring`) cannot do without a crypto library.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::ports::SignError;
use crate::signing_key::StoredSigningKey;
use crate::token::{AccessTokenClaims, IdTokenClaims, SigningAlg};

/// A key pair just generated: its RFC 7638 thumbprint as `kid`, the public
/// JWK and the private JWK sealed (bound to its `kid` and algorithm).
#[derive(Clone, PartialEq, Eq)]
pub struct GeneratedKey {
    /// RFC 7638 JWK thumbprint.
    pub kid: String,
    /// The public JWK, JSON, with `kid`, `alg` and `use: sig`.
    pub public_jwk: String,
    /// The private JWK, sealed: never readable without the adapter's secret.
    pub sealed_private_jwk: String,
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// A stored key to open at a reload, and what the ring needs of it.
#[derive(Debug, Clone)]
pub struct KeyToOpen {
    /// The key as stored.
    pub key: StoredSigningKey,
    /// Make it ready to sign (the ring signs with it).
    pub sign: bool,
    /// Give its public members and make it ready to verify (the ring publishes it).
    pub publish: bool,
}

/// What opening one key produced.
#[derive(Debug, Clone, Default)]
pub struct OpenedMaterial {
    /// Ready to sign, when asked for.
    pub signer: Option<OpenedKey>,
    /// Ready to verify, when asked to publish.
    pub verifier: Option<OpenedKey>,
    /// RFC 7517 §4 and RFC 7518 §6: the public members only, as one compact
    /// JSON object, when asked to publish.
    pub public_jwk: Option<String>,
}

/// A key opened by the [`KeyMaterial`] adapter, kept by the ring and handed
/// back to the adapter to sign or verify with; what it holds is the
/// adapter's own. Cloning it is a reference count.
#[derive(Clone)]
pub struct OpenedKey(Arc<dyn Any + Send + Sync>);

impl OpenedKey {
    /// Wraps what the adapter opened.
    pub fn new<T: Any + Send + Sync>(inner: T) -> Self {
        Self(Arc::new(inner))
    }

    /// What the adapter put in, if it is a `T`.
    pub fn downcast_ref<T: Any>(&self) -> Option<&T> {
        self.0.downcast_ref()
    }
}

impl fmt::Debug for OpenedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OpenedKey(..)")
    }
}

/// The JOSE header of a token to sign.
#[derive(Debug, Clone)]
pub struct TokenHeader {
    /// `at+jwt` (RFC 9068 §2.1) or `JWT`.
    pub typ: &'static str,
    /// The signing key's `kid`.
    pub kid: Arc<str>,
    /// The signing key's own algorithm.
    pub alg: SigningAlg,
}

/// The claims of a token to sign.
#[derive(Debug, Clone, Copy)]
pub enum TokenClaims<'a> {
    /// An RFC 9068 access token.
    Access(&'a AccessTokenClaims),
    /// An OpenID Connect ID token.
    Id(&'a IdTokenClaims),
}

/// The crypto library failed, or a stored key does not open.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct KeyMaterialError(pub Box<dyn std::error::Error + Send + Sync>);

impl KeyMaterialError {
    /// The adapter's own error, if it is an `E`.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref()
    }
}

/// Generates, opens and uses signing keys. Implementations keep every
/// CPU-heavy step (key generation, RSA signatures, opening a batch of keys)
/// off the async workers.
///
/// Contract:
/// - `generate` returns a fresh key pair whose `kid` is its thumbprint, the
///   private half sealed so that it opens only under this adapter's secret
///   and only as that `kid` and algorithm;
/// - `open` opens every key it is given, in order, one result per key, and
///   fails when any private half does not open (a wrong secret, a row
///   edited by hand): the ring then refuses to start, or keeps its previous
///   keys at a reload;
/// - `sign` writes a compact JWS with exactly the header's `typ` and `kid`,
///   the algorithm of the key, and the claims, absent options left out.
#[async_trait::async_trait]
pub trait KeyMaterial: Send + Sync {
    /// A new key pair for `alg`, its private half sealed.
    async fn generate(&self, alg: SigningAlg) -> Result<GeneratedKey, KeyMaterialError>;
    /// Opens `keys` (all of them must open) into what each is needed for.
    async fn open(&self, keys: Vec<KeyToOpen>) -> Result<Vec<OpenedMaterial>, KeyMaterialError>;
    /// Signs `claims` with `key`, an [`OpenedMaterial::signer`] of this adapter.
    async fn sign(
        &self,
        key: &OpenedKey,
        header: TokenHeader,
        claims: TokenClaims<'_>,
    ) -> Result<String, SignError>;
}

//! Verifying our own JWTs (userinfo, introspection, revocation, logout hints)
//! with the keys the key ring publishes: exactly what a resource server
//! following `docs/VERIFYING_TOKENS.md` accepts. It reads the ring's current
//! view, so a rotation made by another instance is seen at the ring's next
//! reload.

use std::sync::Arc;

use josekit::jws::{JwsHeader, JwsVerifier};
use josekit::jwt;
use oauth_core::ports::{TokenVerifier, VerifyError};
use oauth_core::service::key_ring::{KeyRing, KeyView};
use oauth_core::token::{AccessTokenClaims, IdTokenClaims, SigningAlg};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A published key opened to verify: what this adapter puts into an
/// `OpenedKey` for the ring's verification keys.
pub(super) type Verifier = Box<dyn JwsVerifier>;

/// The core's `TokenVerifier` port over the key ring's published keys.
#[derive(Debug, Clone)]
pub struct JoseVerifier {
    ring: Arc<KeyRing>,
}

impl JoseVerifier {
    /// Verifies with the keys `ring` publishes.
    pub fn new(ring: Arc<KeyRing>) -> Self {
        Self { ring }
    }

    async fn verified<T: DeserializeOwned + Send + 'static>(
        &self,
        token: &str,
        typ: &'static str,
    ) -> Result<T, VerifyError> {
        let view = self.ring.view().await;
        // An ES256 check is cheaper than a trip to the blocking pool; RSA goes there.
        if key_alg(&view, token).is_some_and(super::runs_inline) {
            return verify(&view, token, typ);
        }
        let token = token.to_owned();
        tokio::task::spawn_blocking(move || verify(&view, &token, typ))
            .await
            .map_err(|e| VerifyError::Unavailable(e.to_string()))?
    }
}

fn invalid(reason: impl Into<String>) -> VerifyError {
    VerifyError::Invalid(reason.into())
}

/// RFC 8725 §3.1 and §3.11: the key named by `kid` must be one we publish,
/// the header's `alg` must be that key's own, and `typ` the expected one;
/// then the signature is checked.
fn verify<T: DeserializeOwned>(view: &KeyView, token: &str, typ: &str) -> Result<T, VerifyError> {
    let select = |header: &JwsHeader| -> Result<Option<&dyn JwsVerifier>, josekit::JoseError> {
        let key = header.key_id().and_then(|kid| view.verification_key(kid));
        Ok(key
            .filter(|key| header.algorithm() == Some(key.alg.as_str()))
            .filter(|_| header.token_type() == Some(typ))
            .and_then(|key| key.key.downcast_ref::<Verifier>())
            .map(AsRef::as_ref))
    };
    let (payload, _) = jwt::decode_with_verifier_selector(token, select)
        .map_err(|e| invalid(format!("not a {typ} signed by a published key: {e}")))?;
    serde_json::from_value(Value::Object(payload.claims_set().clone()))
        .map_err(|e| invalid(format!("unexpected claims: {e}")))
}

/// The algorithm of the published key the token's header names, if any.
fn key_alg(view: &KeyView, token: &str) -> Option<SigningAlg> {
    let header = jwt::decode_header(token).ok()?;
    let kid = header.claim("kid")?.as_str()?;
    view.verification_key(kid).map(|key| key.alg)
}

#[async_trait::async_trait]
impl TokenVerifier for JoseVerifier {
    async fn verify_access_token(&self, token: &str) -> Result<AccessTokenClaims, VerifyError> {
        // RFC 9068 §4: the header must say at+jwt.
        self.verified(token, "at+jwt").await
    }

    async fn verify_id_token(&self, token: &str) -> Result<IdTokenClaims, VerifyError> {
        self.verified(token, "JWT").await
    }
}

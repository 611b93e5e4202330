//! Verifying our own JWTs (userinfo, introspection, revocation, logout hints)
//! with the keys we publish: exactly what a resource server following
//! `docs/VERIFYING_TOKENS.md` accepts.

use std::sync::Arc;

use josekit::jwk::Jwk;
use josekit::jws::{ES256, JwsHeader, JwsVerifier, RS256};
use josekit::jwt;
use oauth_core::ports::{TokenVerifier, VerifyError};
use oauth_core::signing_key::StoredSigningKey;
use oauth_core::token::{AccessTokenClaims, IdTokenClaims, SigningAlg};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{JosekitSigner, KeyError, Loaded};

/// A published key, ready to verify.
#[derive(Clone)]
pub(super) struct PublishedKey {
    alg: SigningAlg,
    verifier: Arc<dyn JwsVerifier>,
}

impl PublishedKey {
    pub(super) fn open(key: &StoredSigningKey) -> Result<Self, KeyError> {
        let invalid =
            |e: josekit::JoseError| KeyError::Invalid { kid: key.kid.clone(), reason: e.to_string() };
        let public = Jwk::from_bytes(key.public_jwk.as_bytes()).map_err(invalid)?;
        let verifier: Arc<dyn JwsVerifier> = match key.alg {
            SigningAlg::Rs256 => Arc::new(RS256.verifier_from_jwk(&public).map_err(invalid)?),
            SigningAlg::Es256 => Arc::new(ES256.verifier_from_jwk(&public).map_err(invalid)?),
        };
        Ok(Self { alg: key.alg, verifier })
    }
}

fn invalid(reason: impl Into<String>) -> VerifyError {
    VerifyError::Invalid(reason.into())
}

/// RFC 8725 §3.1 and §3.11: the key named by `kid` must be one we publish,
/// the header's `alg` must be that key's own, and `typ` the expected one;
/// then the signature is checked.
fn verify<T: DeserializeOwned>(loaded: &Loaded, token: &str, typ: &str) -> Result<T, VerifyError> {
    let select = |header: &JwsHeader| -> Result<Option<&dyn JwsVerifier>, josekit::JoseError> {
        let key = header.key_id().and_then(|kid| loaded.verifiers.get(kid));
        Ok(key
            .filter(|key| header.algorithm() == Some(key.alg.as_str()))
            .filter(|_| header.token_type() == Some(typ))
            .map(|key| key.verifier.as_ref()))
    };
    let (payload, _) = jwt::decode_with_verifier_selector(token, select)
        .map_err(|e| invalid(format!("not a {typ} signed by a published key: {e}")))?;
    serde_json::from_value(Value::Object(payload.claims_set().clone()))
        .map_err(|e| invalid(format!("unexpected claims: {e}")))
}

/// The algorithm of the published key the token's header names, if any.
fn key_alg(loaded: &Loaded, token: &str) -> Option<SigningAlg> {
    let header = jwt::decode_header(token).ok()?;
    let kid = header.claim("kid")?.as_str()?;
    loaded.verifiers.get(kid).map(|key| key.alg)
}

impl JosekitSigner {
    async fn verified<T: DeserializeOwned + Send + 'static>(
        &self,
        token: &str,
        typ: &'static str,
    ) -> Result<T, VerifyError> {
        let loaded = self.current().await;
        // An ES256 check is cheaper than a trip to the blocking pool; RSA goes there.
        if key_alg(&loaded, token).is_some_and(super::runs_inline) {
            return verify(&loaded, token, typ);
        }
        let token = token.to_owned();
        tokio::task::spawn_blocking(move || verify(&loaded, &token, typ))
            .await
            .map_err(|e| VerifyError::Unavailable(e.to_string()))?
    }
}

#[async_trait::async_trait]
impl TokenVerifier for JosekitSigner {
    async fn verify_access_token(&self, token: &str) -> Result<AccessTokenClaims, VerifyError> {
        // RFC 9068 §4: the header must say at+jwt.
        self.verified(token, "at+jwt").await
    }

    async fn verify_id_token(&self, token: &str) -> Result<IdTokenClaims, VerifyError> {
        self.verified(token, "JWT").await
    }
}

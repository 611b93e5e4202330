//! Signing keys with josekit, for the core's key ring
//! (`oauth_core::service::key_ring`): generated on the blocking pool,
//! sealed under the master key, opened again at every reload (all must
//! open), and used to sign — ES256 inline, RSA on the blocking pool. The
//! ring decides which key signs and which are published; this adapter only
//! does the cryptography.

use std::sync::Arc;

use josekit::jws::{JwsHeader, JwsSigner};
use josekit::jwt::{self, JwtPayload};
use oauth_core::ports::{
    GeneratedKey, KeyMaterial, KeyMaterialError, KeyToOpen, OpenedKey, OpenedMaterial, SignError,
    TokenClaims, TokenHeader,
};
use oauth_core::token::SigningAlg;
use serde_json::Value;

use crate::master_key::{MasterKey, MasterKeyError};

/// Why a key could not be generated, opened or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Master(#[from] MasterKeyError),
    #[error("signing key {kid}: {reason}")]
    Invalid { kid: String, reason: String },
    #[error("cannot generate a signing key: {0}")]
    Generate(String),
}

impl From<KeyError> for KeyMaterialError {
    fn from(error: KeyError) -> Self {
        Self(Box::new(error))
    }
}

/// The core's `KeyMaterial` port with josekit, private keys sealed under
/// the master key.
pub struct JoseKeyMaterial {
    master: Arc<MasterKey>,
}

impl std::fmt::Debug for JoseKeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoseKeyMaterial").finish_non_exhaustive()
    }
}

impl JoseKeyMaterial {
    /// Keys sealed and opened under `master`.
    pub fn new(master: MasterKey) -> Self {
        Self { master: Arc::new(master) }
    }
}

/// An opened private key, ready to sign: what this adapter puts into an
/// [`OpenedKey`].
type Signer = Box<dyn JwsSigner>;

/// Whether a signature with `alg` is cheap enough to compute on the async
/// worker. An ES256 signature (~24 µs) or verification (~66 µs, measured in
/// `docs/BENCHMARKS.md`) costs less than the two thread switches of a trip
/// to the blocking pool; RSA signing (~250 µs) is sent there, as the house
/// rules ask for RSA.
pub(crate) fn runs_inline(alg: SigningAlg) -> bool {
    alg == SigningAlg::Es256
}

fn blocking_pool_gone(error: &tokio::task::JoinError) -> KeyError {
    KeyError::Generate(error.to_string())
}

#[async_trait::async_trait]
impl KeyMaterial for JoseKeyMaterial {
    async fn generate(&self, alg: SigningAlg) -> Result<GeneratedKey, KeyMaterialError> {
        // An RSA key pair takes tens of milliseconds.
        let created = tokio::task::spawn_blocking(move || material::generate(alg))
            .await
            .map_err(|e| blocking_pool_gone(&e))??;
        Ok(material::seal(&self.master, &created)?)
    }

    async fn open(&self, keys: Vec<KeyToOpen>) -> Result<Vec<OpenedMaterial>, KeyMaterialError> {
        let master = self.master.clone();
        // Decrypting every key and building RSA signers is CPU work: off the async workers.
        let opened = tokio::task::spawn_blocking(move || {
            keys.iter().map(|request| open_one(&master, request)).collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| blocking_pool_gone(&e))??;
        Ok(opened)
    }

    async fn sign(
        &self,
        key: &OpenedKey,
        header: TokenHeader,
        claims: TokenClaims<'_>,
    ) -> Result<String, SignError> {
        let claims = match claims {
            TokenClaims::Access(claims) => serde_json::to_value(claims),
            TokenClaims::Id(claims) => serde_json::to_value(claims),
        }
        .map_err(|e| SignError(e.to_string()))?;
        if runs_inline(header.alg) {
            return sign_with(key, &header, claims);
        }
        let key = key.clone();
        tokio::task::spawn_blocking(move || sign_with(&key, &header, claims))
            .await
            .map_err(|e| SignError(e.to_string()))?
    }
}

/// Opens one key: its private half always (every key must open), and what
/// the ring asked for.
fn open_one(master: &MasterKey, request: &KeyToOpen) -> Result<OpenedMaterial, KeyError> {
    let key = &request.key;
    let private = material::open(master, key)?;
    let signer = if request.sign {
        let signer: Signer = material::signer_for(key.alg, &private, &key.kid)?;
        Some(OpenedKey::new(signer))
    } else {
        None
    };
    let (verifier, public_jwk) = if request.publish {
        let verifier: verify::Verifier = material::verifier_for(key)?;
        (Some(OpenedKey::new(verifier)), Some(material::public_members(key)?))
    } else {
        (None, None)
    };
    Ok(OpenedMaterial { signer, verifier, public_jwk })
}

fn sign_with(key: &OpenedKey, header: &TokenHeader, claims: Value) -> Result<String, SignError> {
    let signer = key.downcast_ref::<Signer>().ok_or_else(|| SignError("not a josekit signing key".into()))?;
    let Value::Object(map) = claims else { return Err(SignError("claims are not an object".into())) };
    let payload = JwtPayload::from_map(map).map_err(|e| SignError(e.to_string()))?;
    let mut jws = JwsHeader::new();
    jws.set_token_type(header.typ);
    jws.set_key_id(&*header.kid);
    jwt::encode_with_signer(&payload, &jws, signer.as_ref()).map_err(|e| SignError(e.to_string()))
}

mod material;
mod verify;

pub use material::thumbprint;
pub use verify::JoseVerifier;

#[cfg(test)]
mod tests;

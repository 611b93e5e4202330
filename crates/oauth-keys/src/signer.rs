//! Signing keys with josekit: created on first start (one active RS256 and one
//! active ES256 key), stored in the database sealed under the master key,
//! loaded by every instance, and used to sign on the blocking pool.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::Jwk;
use josekit::jws::{ES256, JwsHeader, JwsSigner, RS256};
use josekit::jwt::{self, JwtPayload};
use oauth_core::RepoError;
use oauth_core::ports::{Clock, SignError, SigningKeyRepository, TokenSigner};
use oauth_core::signing_key::{KeyState, StoredSigningKey};
use oauth_core::token::{AccessTokenClaims, IdTokenClaims, SigningAlg};
use serde_json::{Map, Value};

use crate::master_key::{MasterKey, MasterKeyError};

/// Why keys could not be loaded or created at start-up.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(transparent)]
    Master(#[from] MasterKeyError),
    #[error("signing keys: {0}")]
    Store(#[from] RepoError),
    #[error("signing key {kid}: {reason}")]
    Invalid { kid: String, reason: String },
    #[error("cannot generate a signing key: {0}")]
    Generate(String),
}

/// An active key, ready to sign.
struct ActiveKey {
    kid: String,
    signer: Arc<dyn JwsSigner>,
}

/// Signs with the active key of each algorithm. Implements the core's `TokenSigner`.
pub struct JosekitSigner {
    active: BTreeMap<SigningAlg, ActiveKey>,
}

impl std::fmt::Debug for JosekitSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.active.values().map(|k| k.kid.as_str()).collect();
        f.debug_struct("JosekitSigner").field("active", &kids).finish()
    }
}

impl JosekitSigner {
    /// Opens every stored key (refusing to start when one does not open),
    /// creates an active key for any algorithm that has none, and keeps the
    /// newest active key of each algorithm for signing.
    pub async fn load(
        keys: Arc<dyn SigningKeyRepository>,
        master: &MasterKey,
        clock: &dyn Clock,
    ) -> Result<Self, KeyError> {
        let mut stored = keys.list().await?;
        for alg in SigningAlg::ALL {
            if !stored.iter().any(|k| k.alg == *alg && k.state == KeyState::Active) {
                let created = tokio::task::spawn_blocking({
                    let alg = *alg;
                    move || generate(alg)
                })
                .await
                .map_err(|e| KeyError::Generate(e.to_string()))??;
                let sealed = seal(master, &created, clock.now())?;
                match keys.insert(&sealed).await {
                    // Another instance starting at the same moment made one too: both are kept.
                    Ok(()) | Err(RepoError::Conflict(_)) => {}
                    Err(other) => return Err(other.into()),
                }
                tracing::info!(kid = %sealed.kid, alg = %alg, "signing key created");
                stored.insert(0, sealed);
            }
        }
        let mut active = BTreeMap::new();
        for key in &stored {
            let private = open(master, key)?;
            if key.state == KeyState::Active && !active.contains_key(&key.alg) {
                active.insert(
                    key.alg,
                    ActiveKey { kid: key.kid.clone(), signer: signer_for(key.alg, &private, &key.kid)? },
                );
            }
        }
        Ok(Self { active })
    }

    /// The `kid` of the active key for `alg`.
    pub fn active_kid(&self, alg: SigningAlg) -> Option<&str> {
        self.active.get(&alg).map(|k| k.kid.as_str())
    }

    async fn sign(&self, alg: SigningAlg, typ: &'static str, claims: Value) -> Result<String, SignError> {
        let key = self.active.get(&alg).ok_or_else(|| SignError(format!("no active {alg} key")))?;
        let (kid, signer) = (key.kid.clone(), key.signer.clone());
        tokio::task::spawn_blocking(move || {
            let Value::Object(map) = claims else { return Err(SignError("claims are not an object".into())) };
            let payload = JwtPayload::from_map(map).map_err(|e| SignError(e.to_string()))?;
            let mut header = JwsHeader::new();
            header.set_token_type(typ);
            header.set_key_id(kid);
            jwt::encode_with_signer(&payload, &header, signer.as_ref()).map_err(|e| SignError(e.to_string()))
        })
        .await
        .map_err(|e| SignError(e.to_string()))?
    }
}

#[async_trait::async_trait]
impl TokenSigner for JosekitSigner {
    async fn sign_access_token(
        &self,
        claims: &AccessTokenClaims,
        alg: SigningAlg,
    ) -> Result<String, SignError> {
        let claims = serde_json::to_value(claims).map_err(|e| SignError(e.to_string()))?;
        // RFC 9068 §2.1: the header says what this JWT is.
        self.sign(alg, "at+jwt", claims).await
    }

    async fn sign_id_token(&self, claims: &IdTokenClaims, alg: SigningAlg) -> Result<String, SignError> {
        let claims = serde_json::to_value(claims).map_err(|e| SignError(e.to_string()))?;
        self.sign(alg, "JWT", claims).await
    }
}

/// A freshly generated key: its private and public JWKs and thumbprint.
struct NewKey {
    alg: SigningAlg,
    kid: String,
    private: Jwk,
    public: Jwk,
}

fn generate(alg: SigningAlg) -> Result<NewKey, KeyError> {
    let fail = |e: josekit::JoseError| KeyError::Generate(e.to_string());
    let (mut private, mut public) = match alg {
        SigningAlg::Rs256 => {
            let pair = RS256.generate_key_pair(2048).map_err(fail)?;
            (josekit::jwk::KeyPair::to_jwk_key_pair(&pair), josekit::jwk::KeyPair::to_jwk_public_key(&pair))
        }
        SigningAlg::Es256 => {
            let pair = ES256.generate_key_pair().map_err(fail)?;
            (josekit::jwk::KeyPair::to_jwk_key_pair(&pair), josekit::jwk::KeyPair::to_jwk_public_key(&pair))
        }
    };
    let kid = thumbprint(&public)?;
    for jwk in [&mut private, &mut public] {
        jwk.set_key_id(kid.clone());
        jwk.set_algorithm(alg.as_str());
        jwk.set_key_use("sig");
    }
    Ok(NewKey { alg, kid, private, public })
}

/// RFC 7638: SHA-256 over the required public members, in lexicographic
/// order, without whitespace; base64url.
pub fn thumbprint(public: &Jwk) -> Result<String, KeyError> {
    let members: &[&str] = match public.key_type() {
        "RSA" => &["e", "kty", "n"],
        "EC" => &["crv", "kty", "x", "y"],
        other => {
            return Err(KeyError::Invalid {
                kid: String::new(),
                reason: format!("unsupported key type {other}"),
            });
        }
    };
    let mut canonical = Map::new();
    for member in members {
        let value = public
            .parameter(member)
            .cloned()
            .ok_or_else(|| KeyError::Invalid { kid: String::new(), reason: format!("missing {member}") })?;
        canonical.insert((*member).to_owned(), value);
    }
    // serde_json's Map is ordered by key and `to_string` writes no whitespace.
    let text = Value::Object(canonical).to_string();
    Ok(URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, text.as_bytes())))
}

fn aad(kid: &str, alg: SigningAlg) -> String {
    format!("{kid}|{alg}")
}

fn seal(master: &MasterKey, key: &NewKey, now: time::OffsetDateTime) -> Result<StoredSigningKey, KeyError> {
    Ok(StoredSigningKey {
        kid: key.kid.clone(),
        alg: key.alg,
        state: KeyState::Active,
        public_jwk: key.public.to_string(),
        sealed_private_jwk: master.seal(key.private.to_string().as_bytes(), &aad(&key.kid, key.alg))?,
        created_at: now,
    })
}

fn open(master: &MasterKey, key: &StoredSigningKey) -> Result<Jwk, KeyError> {
    let plaintext = master.open(&key.sealed_private_jwk, &aad(&key.kid, key.alg))?;
    Jwk::from_bytes(plaintext).map_err(|e| KeyError::Invalid { kid: key.kid.clone(), reason: e.to_string() })
}

fn signer_for(alg: SigningAlg, private: &Jwk, kid: &str) -> Result<Arc<dyn JwsSigner>, KeyError> {
    let invalid = |e: josekit::JoseError| KeyError::Invalid { kid: kid.to_owned(), reason: e.to_string() };
    Ok(match alg {
        SigningAlg::Rs256 => Arc::new(RS256.signer_from_jwk(private).map_err(invalid)?),
        SigningAlg::Es256 => Arc::new(ES256.signer_from_jwk(private).map_err(invalid)?),
    })
}

#[cfg(test)]
mod tests;

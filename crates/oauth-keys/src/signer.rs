//! Signing keys with josekit: created on first start (one active RS256 and one
//! active ES256 key), stored in the database sealed under the master key,
//! loaded by every instance, and used to sign on the blocking pool.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use josekit::jws::{JwsHeader, JwsSigner};
use josekit::jwt::{self, JwtPayload};
use oauth_core::RepoError;
use oauth_core::ports::{
    Clock, KeySet, KeySetUnavailable, PublishedKeys, SignError, SigningKeyRepository, TokenSigner,
};
use oauth_core::signing_key::{KeyState, StoredSigningKey};
use oauth_core::token::{AccessTokenClaims, IdTokenClaims, SigningAlg};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

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
#[derive(Clone)]
struct ActiveKey {
    kid: String,
    signer: Arc<dyn JwsSigner>,
}

/// What one reload of the table produced.
struct Loaded {
    at: OffsetDateTime,
    active: BTreeMap<SigningAlg, ActiveKey>,
    published: PublishedKeys,
    /// A verifier for every published key, by `kid`.
    verifiers: BTreeMap<String, verify::PublishedKey>,
}

/// How keys are kept and published.
#[derive(Debug, Clone, Copy)]
pub struct KeyPolicy {
    /// How stale this instance's view of the table may get (a rotation made
    /// elsewhere is seen within this).
    pub refresh_every: Duration,
    /// The longest lifetime of a token we sign: a retired key is published
    /// (and kept) that long after it stopped signing.
    pub longest_token_lifetime: Duration,
}

/// Signs with the active key of each algorithm and publishes the JWK Set.
/// Implements the core's `TokenSigner` and `KeySet`.
pub struct JosekitSigner {
    keys: Arc<dyn SigningKeyRepository>,
    master: Arc<MasterKey>,
    clock: Arc<dyn Clock>,
    policy: KeyPolicy,
    loaded: RwLock<Arc<Loaded>>,
    /// One reload at a time; the others wait and use its result.
    reloading: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for JosekitSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JosekitSigner").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl JosekitSigner {
    /// Makes sure every algorithm has an active and a next key (creating them
    /// on first start), then opens every stored key — refusing to start when
    /// one does not open.
    pub async fn load(
        keys: Arc<dyn SigningKeyRepository>,
        master: MasterKey,
        clock: Arc<dyn Clock>,
        policy: KeyPolicy,
    ) -> Result<Self, KeyError> {
        let stored = keys.list().await?;
        for alg in SigningAlg::ALL {
            for state in [KeyState::Active, KeyState::Next] {
                if !stored.iter().any(|k| k.alg == *alg && k.state == state) {
                    let key = create(&master, *alg, state, clock.now()).await?;
                    match keys.insert(&key).await {
                        // Another instance starting at the same moment made one too: both are kept.
                        Ok(()) | Err(RepoError::Conflict(_)) => {}
                        Err(other) => return Err(other.into()),
                    }
                    tracing::info!(kid = %key.kid, alg = %alg, state = key.state.as_str(), "signing key created");
                }
            }
        }
        let master = Arc::new(master);
        let loaded = read(keys.as_ref(), &master, clock.now(), policy, None).await?;
        Ok(Self {
            keys,
            master,
            clock,
            policy,
            loaded: RwLock::new(Arc::new(loaded)),
            reloading: tokio::sync::Mutex::new(()),
        })
    }

    fn snapshot(&self) -> Arc<Loaded> {
        self.loaded.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The current view, re-read from the table when older than `refresh_every`.
    /// A failed re-read keeps the previous view (and is logged).
    async fn current(&self) -> Arc<Loaded> {
        let now = self.clock.now();
        let loaded = self.snapshot();
        if now - loaded.at < self.policy.refresh_every {
            return loaded;
        }
        let _guard = self.reloading.lock().await;
        let loaded = self.snapshot();
        if now - loaded.at < self.policy.refresh_every {
            return loaded;
        }
        match self.reload(&loaded).await {
            Ok(fresh) => fresh,
            Err(error) => {
                tracing::error!(error = %error, "cannot reload the signing keys; keeping the previous ones");
                loaded
            }
        }
    }

    /// Re-reads the table now.
    pub async fn refresh(&self) -> Result<(), KeyError> {
        let previous = self.snapshot();
        self.reload(&previous).await.map(drop)
    }

    async fn reload(&self, previous: &Loaded) -> Result<Arc<Loaded>, KeyError> {
        let fresh = Arc::new(
            read(self.keys.as_ref(), &self.master, self.clock.now(), self.policy, Some(previous)).await?,
        );
        *self.loaded.write().unwrap_or_else(PoisonError::into_inner) = fresh.clone();
        Ok(fresh)
    }

    /// The `kid` of the active key for `alg`.
    pub async fn active_kid(&self, alg: SigningAlg) -> Option<String> {
        self.current().await.active.get(&alg).map(|k| k.kid.clone())
    }

    /// Rotates `alg`: active → retired, next → active, a new next. Returns
    /// `false` when another instance rotated first (nothing is changed then).
    pub async fn rotate(&self, alg: SigningAlg) -> Result<bool, KeyError> {
        let stored = self.keys.list().await?;
        let Some(active) = stored.iter().find(|k| k.alg == alg && k.state == KeyState::Active) else {
            return Err(KeyError::Invalid { kid: String::new(), reason: format!("no active {alg} key") });
        };
        let now = self.clock.now();
        let next = create(&self.master, alg, KeyState::Next, now).await?;
        let rotated = self.keys.rotate(alg, &active.kid, &next, now).await?;
        if rotated {
            tracing::info!(alg = %alg, retired = %active.kid, next = %next.kid, "signing key rotated");
        }
        let previous = self.snapshot();
        if let Err(error) = self.reload(&previous).await {
            tracing::error!(error = %error, "rotated, but cannot reload the signing keys yet");
        }
        Ok(rotated)
    }

    /// Rotates every algorithm whose active key has signed for `interval` or longer.
    pub async fn rotate_due(&self, interval: Duration) -> Result<u32, KeyError> {
        let now = self.clock.now();
        let mut rotated = 0;
        for key in self.keys.list().await? {
            let since = key.activated_at.unwrap_or(key.created_at);
            if key.state == KeyState::Active && now - since >= interval && self.rotate(key.alg).await? {
                rotated += 1;
            }
        }
        Ok(rotated)
    }

    /// Deletes retired keys no still-valid token can have been signed with.
    pub async fn delete_expired(&self) -> Result<u64, KeyError> {
        let cutoff = self.clock.now() - self.policy.longest_token_lifetime;
        Ok(self.keys.delete_retired(cutoff).await?)
    }

    async fn sign(&self, alg: SigningAlg, typ: &'static str, claims: Value) -> Result<String, SignError> {
        let loaded = self.current().await;
        let key = loaded.active.get(&alg).ok_or_else(|| SignError(format!("no active {alg} key")))?.clone();
        let sign = move || {
            let Value::Object(map) = claims else { return Err(SignError("claims are not an object".into())) };
            let payload = JwtPayload::from_map(map).map_err(|e| SignError(e.to_string()))?;
            let mut header = JwsHeader::new();
            header.set_token_type(typ);
            header.set_key_id(key.kid);
            jwt::encode_with_signer(&payload, &header, key.signer.as_ref())
                .map_err(|e| SignError(e.to_string()))
        };
        if runs_inline(alg) {
            return sign();
        }
        tokio::task::spawn_blocking(sign).await.map_err(|e| SignError(e.to_string()))?
    }
}

/// Whether a signature with `alg` is cheap enough to compute on the async
/// worker. An ES256 signature (~24 µs) or verification (~66 µs, measured in
/// `docs/BENCHMARKS.md`) costs less than the two thread switches of a trip
/// to the blocking pool; RSA signing (~250 µs) is sent there, as the house
/// rules ask for RSA.
pub(crate) fn runs_inline(alg: SigningAlg) -> bool {
    alg == SigningAlg::Es256
}

#[async_trait::async_trait]
impl KeySet for JosekitSigner {
    async fn published(&self) -> Result<PublishedKeys, KeySetUnavailable> {
        Ok(self.current().await.published.clone())
    }
}

/// Reads the table: opens every key (all must open), keeps the newest active
/// key of each algorithm for signing (reusing `previous`'s opened signers),
/// and renders the JWK Set of the published keys.
async fn read(
    keys: &dyn SigningKeyRepository,
    master: &Arc<MasterKey>,
    now: OffsetDateTime,
    policy: KeyPolicy,
    previous: Option<&Loaded>,
) -> Result<Loaded, KeyError> {
    let stored = keys.list().await?;
    let master = master.clone();
    let reusable = previous.map(|p| p.active.clone()).unwrap_or_default();
    // Decrypting every key and building RSA signers is CPU work: off the async workers.
    tokio::task::spawn_blocking(move || open_all(&stored, &master, now, policy, &reusable))
        .await
        .map_err(|e| KeyError::Generate(e.to_string()))?
}

fn open_all(
    stored: &[StoredSigningKey],
    master: &MasterKey,
    now: OffsetDateTime,
    policy: KeyPolicy,
    reusable: &BTreeMap<SigningAlg, ActiveKey>,
) -> Result<Loaded, KeyError> {
    let mut active = BTreeMap::new();
    for key in stored {
        let private = open(master, key)?;
        if key.state == KeyState::Active && !active.contains_key(&key.alg) {
            let signer = match reusable.get(&key.alg).filter(|k| k.kid == key.kid) {
                Some(existing) => existing.clone(),
                None => ActiveKey { kid: key.kid.clone(), signer: signer_for(key.alg, &private, &key.kid)? },
            };
            active.insert(key.alg, signer);
        }
    }
    let published: Vec<&StoredSigningKey> =
        stored.iter().filter(|k| k.is_published_at(now, policy.longest_token_lifetime)).collect();
    let public: Vec<Value> =
        published.iter().map(|k| public_members(&k.public_jwk)).collect::<Result<_, _>>()?;
    let verifiers = published
        .iter()
        .map(|k| Ok((k.kid.clone(), verify::PublishedKey::open(k)?)))
        .collect::<Result<_, KeyError>>()?;
    let json = serde_json::json!({ "keys": public }).to_string();
    let etag = format!(
        "\"{}\"",
        URL_SAFE_NO_PAD.encode(ring::digest::digest(&ring::digest::SHA256, json.as_bytes()))
    );
    Ok(Loaded {
        at: now,
        active,
        published: PublishedKeys { json: json.into(), etag: etag.into() },
        verifiers,
    })
}

/// RFC 7517 §4 and RFC 7518 §6: only the public members, whatever was stored.
fn public_members(public_jwk: &str) -> Result<Value, KeyError> {
    const PUBLIC: &[&str] = &["kty", "kid", "use", "alg", "n", "e", "crv", "x", "y"];
    let invalid = |reason: String| KeyError::Invalid { kid: String::new(), reason };
    let Value::Object(all) = serde_json::from_str::<Value>(public_jwk).map_err(|e| invalid(e.to_string()))?
    else {
        return Err(invalid("a stored public key is not a JSON object".into()));
    };
    Ok(Value::Object(all.into_iter().filter(|(name, _)| PUBLIC.contains(&name.as_str())).collect()))
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

mod material;
mod verify;

pub use material::thumbprint;
use material::{create, open, signer_for};

#[cfg(test)]
mod tests;

//! The signing keys' life: created on first start (an active and a next key
//! for every algorithm), published before they sign, rotated (next →
//! active → retired), published after retirement for as long as a token
//! they signed may live, then deleted. Every instance reads the same table
//! (`SigningKeyRepository`) and re-reads it every `refresh_every`, so a
//! rotation made anywhere is seen everywhere without a restart. The
//! cryptography is the [`KeyMaterial`] port's.
//!
//! ```text
//!        rotate            rotate                   delete_expired
//! next ─────────► active ─────────► retired ───────────────────────► gone
//! published       signing,          published until retired_at +
//!                 published         longest_token_lifetime
//! ```

use std::sync::{Arc, PoisonError, RwLock};

use time::{Duration, OffsetDateTime};

use crate::RepoError;
use crate::ports::{
    Clock, KeyMaterial, KeyMaterialError, KeySet, KeySetUnavailable, PublishedKeys, SignError,
    SigningKeyRepository, TokenClaims, TokenHeader, TokenSigner,
};
use crate::signing_key::{KeyState, StoredSigningKey};
use crate::token::{AccessTokenClaims, IdTokenClaims, SigningAlg};

mod reload_gate;
mod view;

use reload_gate::ReloadGate;
pub use view::{KeyView, VerificationKey};

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

/// Why keys could not be read, created or rotated.
#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    /// The key store failed.
    #[error("signing keys: {0}")]
    Store(#[from] RepoError),
    /// A key could not be generated, opened or used.
    #[error(transparent)]
    Material(#[from] KeyMaterialError),
    /// No key of this algorithm is active.
    #[error("no active {0} key")]
    NoActiveKey(SigningAlg),
}

/// Signs with the active key of each algorithm, publishes the JWK Set and
/// keeps the keys' life cycle. Serves the `TokenSigner` and `KeySet` ports;
/// a verifier reads its [`KeyView`].
pub struct KeyRing {
    keys: Arc<dyn SigningKeyRepository>,
    material: Arc<dyn KeyMaterial>,
    clock: Arc<dyn Clock>,
    policy: KeyPolicy,
    view: RwLock<Arc<KeyView>>,
    /// One reload at a time; the others wait and use its result.
    reloading: ReloadGate,
    audit: crate::service::audit::Audit,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("policy", &self.policy).finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Makes sure every algorithm has an active and a next key (creating them
    /// on first start), then opens every stored key, refusing to start when
    /// one does not open.
    pub async fn load(
        keys: Arc<dyn SigningKeyRepository>,
        material: Arc<dyn KeyMaterial>,
        clock: Arc<dyn Clock>,
        policy: KeyPolicy,
    ) -> Result<Self, KeyRingError> {
        let stored = keys.list().await?;
        for alg in SigningAlg::ALL {
            for state in [KeyState::Active, KeyState::Next] {
                if !stored.iter().any(|k| k.alg == *alg && k.state == state) {
                    let key = create(material.as_ref(), *alg, state, clock.now()).await?;
                    match keys.insert(&key).await {
                        // Another instance starting at the same moment made one too: both are kept.
                        Ok(()) | Err(RepoError::Conflict(_)) => {}
                        Err(other) => return Err(other.into()),
                    }
                    tracing::info!(kid = %key.kid, alg = %alg, state = key.state.as_str(), "signing key created");
                }
            }
        }
        let now = clock.now();
        let view = view::read(keys.list().await?, material.as_ref(), now, policy, None).await?;
        Ok(Self {
            keys,
            material,
            audit: crate::service::audit::Audit::discarding(clock.clone()),
            clock,
            policy,
            view: RwLock::new(Arc::new(view)),
            reloading: ReloadGate::default(),
        })
    }

    /// Also records every rotation as a security event.
    #[must_use]
    pub fn auditing(mut self, audit: crate::service::audit::Audit) -> Self {
        self.audit = audit;
        self
    }

    fn snapshot(&self) -> Arc<KeyView> {
        self.view.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The current view, re-read from the table when older than
    /// `refresh_every`. A failed re-read keeps the previous view (and is logged).
    pub async fn view(&self) -> Arc<KeyView> {
        let now = self.clock.now();
        let view = self.snapshot();
        if view.is_fresh_at(now, self.policy) {
            return view;
        }
        let _pass = self.reloading.enter().await;
        let view = self.snapshot();
        if view.is_fresh_at(now, self.policy) {
            return view;
        }
        match self.reload(&view).await {
            Ok(fresh) => fresh,
            Err(error) => {
                tracing::error!(error = %error, "cannot reload the signing keys; keeping the previous ones");
                view
            }
        }
    }

    /// Re-reads the table now.
    pub async fn refresh(&self) -> Result<(), KeyRingError> {
        let _pass = self.reloading.enter().await;
        let previous = self.snapshot();
        self.reload(&previous).await.map(drop)
    }

    /// Lists the table and installs what it holds. Callers hold the reload
    /// gate, so reloads run one after another and a listing taken before a
    /// rotation never replaces a view taken after it.
    async fn reload(&self, previous: &KeyView) -> Result<Arc<KeyView>, KeyRingError> {
        let now = self.clock.now();
        let stored = self.keys.list().await?;
        let fresh =
            Arc::new(view::read(stored, self.material.as_ref(), now, self.policy, Some(previous)).await?);
        *self.view.write().unwrap_or_else(PoisonError::into_inner) = fresh.clone();
        Ok(fresh)
    }

    /// The `kid` of the active key for `alg`.
    pub async fn active_kid(&self, alg: SigningAlg) -> Option<String> {
        self.view().await.signing_kid(alg).map(str::to_owned)
    }

    /// Rotates `alg`: active → retired, next → active, a new next. Returns
    /// `false` when another instance rotated first (nothing is changed then).
    pub async fn rotate(&self, alg: SigningAlg) -> Result<bool, KeyRingError> {
        let stored = self.keys.list().await?;
        let Some(active) = stored.iter().find(|k| k.alg == alg && k.state == KeyState::Active) else {
            return Err(KeyRingError::NoActiveKey(alg));
        };
        self.rotate_from(alg, &active.kid).await
    }

    /// Rotates every algorithm whose active key has signed for `interval` or
    /// longer; returns how many were rotated here.
    pub async fn rotate_due(&self, interval: Duration) -> Result<u32, KeyRingError> {
        let now = self.clock.now();
        let mut rotated = 0;
        for key in self.keys.list().await? {
            // The swap expects the very key judged due, so a key another
            // instance rotated meanwhile is not rotated twice: its successor
            // has only just begun to sign.
            if is_due(&key, now, interval) && self.rotate_from(key.alg, &key.kid).await? {
                rotated += 1;
            }
        }
        Ok(rotated)
    }

    /// Rotates `alg` if `active` is still its active key (a compare-and-swap
    /// in the store), then re-reads the keys.
    async fn rotate_from(&self, alg: SigningAlg, active: &str) -> Result<bool, KeyRingError> {
        let now = self.clock.now();
        let next = create(self.material.as_ref(), alg, KeyState::Next, now).await?;
        let rotated = self.keys.rotate(alg, active, &next, now).await?;
        if rotated {
            tracing::info!(alg = %alg, retired = %active, next = %next.kid, "signing key rotated");
            // The event names the key that stopped signing.
            let details =
                crate::security_event::EventDetails { kid: Some(active.to_owned()), ..Default::default() };
            self.audit
                .record(self.audit.event(crate::security_event::EventKind::KeyRotated).details(details));
        }
        let _pass = self.reloading.enter().await;
        let previous = self.snapshot();
        if let Err(error) = self.reload(&previous).await {
            tracing::error!(error = %error, "rotated, but cannot reload the signing keys yet");
        }
        Ok(rotated)
    }

    /// Deletes retired keys no still-valid token can have been signed with:
    /// those no longer published (`StoredSigningKey::is_published_at`).
    pub async fn delete_expired(&self) -> Result<u64, KeyRingError> {
        let cutoff = self.clock.now() - self.policy.longest_token_lifetime;
        Ok(self.keys.delete_retired(cutoff).await?)
    }

    async fn sign(
        &self,
        alg: SigningAlg,
        typ: &'static str,
        claims: TokenClaims<'_>,
    ) -> Result<String, SignError> {
        let view = self.view().await;
        let key = view.signing.get(&alg).ok_or_else(|| SignError(format!("no active {alg} key")))?;
        let header = TokenHeader { typ, kid: key.kid.clone(), alg };
        self.material.sign(&key.key, header, claims).await
    }
}

/// Whether `key` is an active key that has signed for `interval` or longer.
fn is_due(key: &StoredSigningKey, now: OffsetDateTime, interval: Duration) -> bool {
    let since = key.activated_at.unwrap_or(key.created_at);
    key.state == KeyState::Active && now - since >= interval
}

/// A new key of `alg` in `state`, made at `now`.
async fn create(
    material: &dyn KeyMaterial,
    alg: SigningAlg,
    state: KeyState,
    now: OffsetDateTime,
) -> Result<StoredSigningKey, KeyRingError> {
    let generated = material.generate(alg).await?;
    Ok(StoredSigningKey {
        kid: generated.kid,
        alg,
        state,
        public_jwk: generated.public_jwk,
        sealed_private_jwk: generated.sealed_private_jwk,
        created_at: now,
        activated_at: (state == KeyState::Active).then_some(now),
        retired_at: None,
    })
}

#[async_trait::async_trait]
impl TokenSigner for KeyRing {
    async fn sign_access_token(
        &self,
        claims: &AccessTokenClaims,
        alg: SigningAlg,
    ) -> Result<String, SignError> {
        // RFC 9068 §2.1: the header says what this JWT is.
        self.sign(alg, "at+jwt", TokenClaims::Access(claims)).await
    }

    async fn sign_id_token(&self, claims: &IdTokenClaims, alg: SigningAlg) -> Result<String, SignError> {
        self.sign(alg, "JWT", TokenClaims::Id(claims)).await
    }
}

#[async_trait::async_trait]
impl KeySet for KeyRing {
    async fn published(&self) -> Result<PublishedKeys, KeySetUnavailable> {
        Ok(self.view().await.published.clone())
    }
}

#[cfg(test)]
mod tests;

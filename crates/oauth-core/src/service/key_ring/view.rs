//! One reading of the key table: which key signs for each algorithm, which
//! keys are published, the JWK Set served for them and its entity tag.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64ct::{Base64UrlUnpadded, Encoding};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

use super::{KeyPolicy, KeyRingError};
use crate::ports::{KeyMaterial, KeyMaterialError, KeyToOpen, OpenedKey, PublishedKeys};
use crate::signing_key::{KeyState, StoredSigningKey};
use crate::token::SigningAlg;

/// The keys as read at one moment; shared, never changed: a reload makes a
/// new one.
#[derive(Debug)]
pub struct KeyView {
    pub(super) at: OffsetDateTime,
    pub(super) signing: BTreeMap<SigningAlg, SigningKey>,
    pub(super) published: PublishedKeys,
    verifying: BTreeMap<String, VerificationKey>,
}

/// The key an algorithm signs with.
#[derive(Debug, Clone)]
pub(super) struct SigningKey {
    pub(super) kid: Arc<str>,
    pub(super) key: OpenedKey,
}

/// A published key, ready to verify with.
#[derive(Debug, Clone)]
pub struct VerificationKey {
    /// The key's own algorithm: the only one a token under its `kid` may use
    /// (RFC 8725 §3.1).
    pub alg: SigningAlg,
    /// What the [`KeyMaterial`] adapter opened to verify with.
    pub key: OpenedKey,
}

impl KeyView {
    /// The published key named `kid`, if any.
    pub fn verification_key(&self, kid: &str) -> Option<&VerificationKey> {
        self.verifying.get(kid)
    }

    /// The `kid` of the key that signs for `alg`.
    pub fn signing_kid(&self, alg: SigningAlg) -> Option<&str> {
        self.signing.get(&alg).map(|key| &*key.kid)
    }

    /// The JWK Set as served.
    pub fn published(&self) -> &PublishedKeys {
        &self.published
    }

    pub(super) fn is_fresh_at(&self, now: OffsetDateTime, policy: KeyPolicy) -> bool {
        now - self.at < policy.refresh_every
    }
}

/// What one stored key is to the view.
struct Role {
    kid: String,
    alg: SigningAlg,
    signs: bool,
    reused: Option<SigningKey>,
    published: bool,
}

/// Reads the view from `stored` (newest first): every key must open; the
/// newest active key of each algorithm signs, its opened form reused from
/// `previous` when it has not changed; every key published at `now` goes
/// into the JWK Set, in table order.
pub(super) async fn read(
    stored: Vec<StoredSigningKey>,
    material: &dyn KeyMaterial,
    now: OffsetDateTime,
    policy: KeyPolicy,
    previous: Option<&KeyView>,
) -> Result<KeyView, KeyRingError> {
    let mut roles = Vec::with_capacity(stored.len());
    let mut requests = Vec::with_capacity(stored.len());
    for key in stored {
        let signs =
            key.state == KeyState::Active && !roles.iter().any(|r: &Role| r.signs && r.alg == key.alg);
        let reused = previous
            .and_then(|p| p.signing.get(&key.alg))
            .filter(|existing| signs && *existing.kid == *key.kid)
            .cloned();
        let published = key.is_published_at(now, policy.longest_token_lifetime);
        roles.push(Role { kid: key.kid.clone(), alg: key.alg, signs, reused: reused.clone(), published });
        requests.push(KeyToOpen { key, sign: signs && reused.is_none(), publish: published });
    }
    let opened = material.open(requests).await?;
    if opened.len() != roles.len() {
        return Err(incomplete("a key", "opened"));
    }
    let mut signing = BTreeMap::new();
    let mut verifying = BTreeMap::new();
    let mut public = Vec::new();
    for (role, opened) in roles.into_iter().zip(opened) {
        if role.signs {
            let key = match role.reused {
                Some(existing) => existing,
                None => SigningKey {
                    kid: role.kid.as_str().into(),
                    key: opened.signer.ok_or_else(|| incomplete(&role.kid, "ready to sign"))?,
                },
            };
            signing.insert(role.alg, key);
        }
        if role.published {
            public.push(opened.public_jwk.ok_or_else(|| incomplete(&role.kid, "public members"))?);
            let key = opened.verifier.ok_or_else(|| incomplete(&role.kid, "ready to verify"))?;
            verifying.insert(role.kid, VerificationKey { alg: role.alg, key });
        }
    }
    Ok(KeyView { at: now, signing, published: key_set(&public), verifying })
}

/// The adapter broke its contract: a key came back without what was asked.
fn incomplete(kid: &str, what: &str) -> KeyRingError {
    KeyMaterialError(format!("signing key {kid}: not {what} by the key material").into()).into()
}

/// RFC 7517 §5: `{"keys":[...]}`, compact, with a strong ETag of its bytes.
fn key_set(public: &[String]) -> PublishedKeys {
    let json = format!(r#"{{"keys":[{}]}}"#, public.join(","));
    let etag = format!("\"{}\"", Base64UrlUnpadded::encode_string(&Sha256::digest(json.as_bytes())));
    PublishedKeys { json: json.into(), etag: etag.into() }
}

//! Key sets `private_key_jwt` clients publish at their `jwks_uri` (RFC 7591
//! §2), through the guarded fetcher and a bounded cache
//! (docs/SECURITY.md § `private_key_jwt`): a copy is used for as long as
//! its `Cache-Control` says, clamped between a minute and the configured
//! maximum; an assertion the copy refuses may fetch the set again, at most
//! once a minute per URL (OIDC Core §10.1.1: the client rotated its keys),
//! and the copy stays in use unless the new fetch succeeds; a refused
//! fetch is remembered a few seconds, so forged assertions cannot turn us
//! into a stream of requests at the client's host; concurrent requests
//! for one URL share one fetch.

use std::sync::Arc;

use oauth_core::client::JwksUri;
use oauth_core::ports::{ClientKeySets, Clock, DocumentRefused, KeySetRefused};
use quick_cache::sync::Cache;
use time::{Duration, OffsetDateTime};

use super::document_cache::CacheBounds;
use super::document_fetcher::DocumentFetcher;

/// The most bytes of a published key set read: room for many RSA keys with
/// their certificate chains (`x5c`).
pub const MAX_KEY_SET_BYTES: usize = 64 * 1024;

/// The most key sets kept: with the size limit, at most 64 MiB, and in
/// practice one per `private_key_jwt` client, whose URL only an operator
/// sets.
pub const MAX_KEY_SETS: usize = 1_000;

/// How long a refused fetch is remembered before the next one is tried.
const REFUSAL_MEMORY: Duration = Duration::seconds(10);

/// The most key set fetches under way at once, over every URL. A name
/// lookup runs on the blocking pool and is not cancelled with its fetch
/// (see `document_cache`); only operators choose these URLs, and each is
/// fetched at most once a minute past its copy's lifetime, or once every
/// ten seconds while refused.
const MAX_CONCURRENT_FETCHES: usize = 8;

/// A key set as fetched, and what its server said about caching it.
#[derive(Debug, Clone)]
pub struct FetchedKeySet {
    /// The JWK Set, as JSON text.
    pub jwks: String,
    /// The `Cache-Control` header, as sent.
    pub cache_control: Option<String>,
}

/// Fetches a key set: the guarded fetcher, or a counting stub in tests.
#[async_trait::async_trait]
pub trait FetchKeySet: Send + Sync {
    /// The JWK Set at `uri`, checked to be one of public keys
    /// (`oauth_keys::check_published_jwks`).
    async fn fetch(&self, uri: &JwksUri) -> Result<FetchedKeySet, DocumentRefused>;
}

#[async_trait::async_trait]
impl FetchKeySet for DocumentFetcher {
    async fn fetch(&self, uri: &JwksUri) -> Result<FetchedKeySet, DocumentRefused> {
        let body = self.fetch_json(uri.as_str()).await?;
        let jwks = String::from_utf8(body.bytes).map_err(|_| DocumentRefused::Invalid("not UTF-8".into()))?;
        oauth_keys::check_published_jwks(&jwks).map_err(DocumentRefused::Invalid)?;
        Ok(FetchedKeySet { jwks, cache_control: body.cache_control })
    }
}

/// What is kept for one URL.
#[derive(Clone)]
enum Kept {
    /// A set, and when it was last asked for anew (fetched, or a renewal
    /// tried), which starts the renewal cooldown.
    Keys {
        jwks: Arc<str>,
        checked_at: OffsetDateTime,
        fresh_until: OffsetDateTime,
    },
    Refused {
        why: DocumentRefused,
        until: OffsetDateTime,
    },
}

impl Kept {
    fn usable_until(&self) -> OffsetDateTime {
        match self {
            Self::Keys { fresh_until, .. } => *fresh_until,
            Self::Refused { until, .. } => *until,
        }
    }

    fn into_result(self) -> Result<Arc<str>, KeySetRefused> {
        match self {
            Self::Keys { jwks, .. } => Ok(jwks),
            Self::Refused { why, .. } => Err(KeySetRefused(why.to_string())),
        }
    }
}

/// The published key sets, through a bounded cache in front of a fetcher.
pub struct CachedKeySets {
    fetcher: Arc<dyn FetchKeySet>,
    clock: Arc<dyn Clock>,
    bounds: CacheBounds,
    kept: Cache<String, Kept>,
    fetches: tokio::sync::Semaphore,
    /// URLs whose renewal is under way: one at a time each.
    renewing: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl std::fmt::Debug for CachedKeySets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedKeySets").field("bounds", &self.bounds).finish_non_exhaustive()
    }
}

impl CachedKeySets {
    /// Copies aged on `clock`, kept within `bounds`; `bounds.min` is also
    /// how soon a set may be fetched again for an unknown key.
    pub fn new(fetcher: Arc<dyn FetchKeySet>, clock: Arc<dyn Clock>, bounds: CacheBounds) -> Self {
        Self {
            fetcher,
            clock,
            bounds,
            kept: Cache::new(bounds.entries.max(1)),
            fetches: tokio::sync::Semaphore::new(MAX_CONCURRENT_FETCHES),
            renewing: std::sync::Mutex::default(),
        }
    }

    /// How many URLs have something kept (for the bound's test).
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// Fetches the set at `uri` and keeps what came back, refusals a few
    /// seconds.
    async fn fetch(&self, uri: &JwksUri) -> Result<Kept, KeySetRefused> {
        let Ok(_permit) = self.fetches.try_acquire() else {
            return Err(KeySetRefused(DocumentRefused::Busy.to_string()));
        };
        let now = self.clock.now();
        Ok(match self.fetcher.fetch(uri).await {
            Ok(fetched) => Kept::Keys {
                jwks: Arc::from(fetched.jwks),
                checked_at: now,
                fresh_until: now + self.bounds.lifetime(fetched.cache_control.as_deref()),
            },
            Err(why) => {
                tracing::warn!(
                    event = "jwks_uri_refused",
                    jwks_uri = %uri,
                    reason = why.reason(),
                    detail = %why,
                    "a client's published key set could not be used"
                );
                Kept::Refused { why, until: now + REFUSAL_MEMORY }
            }
        })
    }
}

#[async_trait::async_trait]
impl ClientKeySets for CachedKeySets {
    async fn key_set(&self, uri: &JwksUri) -> Result<Arc<str>, KeySetRefused> {
        let key = uri.as_str();
        let now = self.clock.now();
        self.kept.remove_if(key, |kept| kept.usable_until() <= now);
        let guard = match self.kept.get_value_or_guard_async(key).await {
            Ok(kept) => return kept.into_result(),
            Err(guard) => guard,
        };
        // Busy drops the guard unfilled: nothing is kept, and a waiting
        // request fetches for itself (within the limit).
        let kept = self.fetch(uri).await?;
        let _ = guard.insert(kept.clone());
        kept.into_result()
    }

    async fn renewed_key_set(&self, uri: &JwksUri) -> Result<Option<Arc<str>>, KeySetRefused> {
        let key = uri.as_str();
        let now = self.clock.now();
        let (jwks, fresh_until) = match self.kept.get(key) {
            Some(Kept::Keys { checked_at, .. }) if now - checked_at < self.bounds.min => return Ok(None),
            Some(Kept::Keys { jwks, fresh_until, .. }) if fresh_until > now => (jwks, fresh_until),
            Some(Kept::Refused { why, until }) if until > now => return Err(KeySetRefused(why.to_string())),
            // Nothing usable is kept: an ordinary read fetches.
            _ => return self.key_set(uri).await.map(Some),
        };
        // The kept copy stays in use while the renewal runs, and stays if
        // it fails: a forged assertion must not cost a client the keys
        // that work while its host is slow or down.
        let Some(_renewal) = Renewal::start(&self.renewing, key) else { return Ok(None) };
        let still = |checked_at| Kept::Keys { jwks: jwks.clone(), checked_at, fresh_until };
        let _ = self.kept.replace(key.to_owned(), still(now), false);
        match self.fetch(uri).await {
            Ok(renewed @ Kept::Keys { .. }) => {
                self.kept.insert(key.to_owned(), renewed.clone());
                renewed.into_result().map(Some)
            }
            Ok(Kept::Refused { why, .. }) => Err(KeySetRefused(why.to_string())),
            Err(busy) => Err(busy),
        }
    }
}

/// One renewal of a URL under way; ended when dropped.
struct Renewal<'a> {
    renewing: &'a std::sync::Mutex<std::collections::HashSet<String>>,
    key: String,
}

impl<'a> Renewal<'a> {
    /// `None` when another renewal of `key` is under way.
    fn start(renewing: &'a std::sync::Mutex<std::collections::HashSet<String>>, key: &str) -> Option<Self> {
        let mut under_way = renewing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        under_way.insert(key.to_owned()).then(|| Self { renewing, key: key.to_owned() })
    }
}

impl Drop for Renewal<'_> {
    fn drop(&mut self) {
        let mut under_way = self.renewing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        under_way.remove(&self.key);
    }
}

#[cfg(test)]
mod tests;

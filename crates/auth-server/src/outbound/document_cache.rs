//! Metadata documents kept in memory, within bounds (CIMD §4.4): a valid
//! document for as long as its `Cache-Control` says, clamped between the
//! configured minimum and maximum (`no-store` gets the minimum); never a
//! refused fetch or an invalid document; at most a fixed number of documents, the least useful evicted
//! first, so distinct URLs cannot grow memory; concurrent requests for one
//! URL share one fetch.

use std::sync::Arc;

use oauth_core::metadata_document::{ClientDocument, DocumentUrl};
use oauth_core::ports::{Clock, DocumentRefused, MetadataDocuments};
use quick_cache::sync::Cache;
use time::{Duration, OffsetDateTime};

use super::document_fetcher::{DocumentFetcher, Fetched};

/// Fetches a document: the guarded fetcher, or a counting stub in tests.
#[async_trait::async_trait]
pub trait FetchDocument: Send + Sync {
    /// The document at `url`, checked, with its `Cache-Control`.
    async fn fetch(&self, url: &DocumentUrl) -> Result<Fetched, DocumentRefused>;
}

#[async_trait::async_trait]
impl FetchDocument for DocumentFetcher {
    async fn fetch(&self, url: &DocumentUrl) -> Result<Fetched, DocumentRefused> {
        DocumentFetcher::fetch(self, url).await
    }
}

/// How long a copy may be used: the bounds within which a server's
/// `Cache-Control` is honoured.
#[derive(Debug, Clone, Copy)]
pub struct CacheBounds {
    /// A document is kept at least this long, unless `no-store`.
    pub min: Duration,
    /// And never longer than this.
    pub max: Duration,
    /// The most documents kept.
    pub entries: usize,
}

impl CacheBounds {
    /// How long a document sent with `cache_control` may be used: its
    /// `max-age` clamped to the bounds; the minimum when the header says
    /// nothing usable, or `no-store` or `no-cache` (CIMD §4.4 leaves the
    /// bounds to the server: a document that forbids every copy would make
    /// each request that names it a fetch, which a caller could repeat).
    pub fn lifetime(&self, cache_control: Option<&str>) -> Duration {
        let directives = cache_control.unwrap_or_default().split(',').map(|d| d.trim().to_ascii_lowercase());
        let mut max_age = None;
        for directive in directives {
            if directive == "no-store" || directive == "no-cache" {
                return self.min;
            }
            if let Some(value) = directive.strip_prefix("max-age=") {
                max_age = value.trim_matches('"').parse::<i64>().ok();
            }
        }
        max_age.map_or(self.min, Duration::seconds).clamp(self.min, self.max)
    }
}

#[derive(Clone)]
struct Copy {
    document: ClientDocument,
    fresh_until: OffsetDateTime,
}

/// The most fetches under way at once, over every URL. A slow or silent
/// host holds a socket and, while its name resolves, a blocking thread
/// that the database and password hashing share; past this, a fetch is
/// refused at once (`busy`) instead of queued.
pub const MAX_CONCURRENT_FETCHES: usize = 16;

/// The documents, through a bounded cache in front of a fetcher.
pub struct CachedDocuments {
    fetcher: Arc<dyn FetchDocument>,
    clock: Arc<dyn Clock>,
    bounds: CacheBounds,
    copies: Cache<String, Copy>,
    fetches: tokio::sync::Semaphore,
}

impl std::fmt::Debug for CachedDocuments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedDocuments").field("bounds", &self.bounds).finish_non_exhaustive()
    }
}

impl CachedDocuments {
    /// Copies aged on `clock`, within `bounds`.
    pub fn new(fetcher: Arc<dyn FetchDocument>, clock: Arc<dyn Clock>, bounds: CacheBounds) -> Self {
        Self {
            fetcher,
            clock,
            bounds,
            copies: Cache::new(bounds.entries.max(1)),
            fetches: tokio::sync::Semaphore::new(MAX_CONCURRENT_FETCHES),
        }
    }

    /// How many documents are held (for the bound's test).
    pub fn len(&self) -> usize {
        self.copies.len()
    }

    /// Whether no document is held.
    pub fn is_empty(&self) -> bool {
        self.copies.is_empty()
    }
}

#[async_trait::async_trait]
impl MetadataDocuments for CachedDocuments {
    async fn document(&self, url: &DocumentUrl) -> Result<ClientDocument, DocumentRefused> {
        let key = url.as_str();
        let now = self.clock.now();
        // A stale copy is dropped, so the next step fetches (once, for all
        // requests waiting on this URL).
        self.copies.remove_if(key, |copy| copy.fresh_until <= now);
        let guard = match self.copies.get_value_or_guard_async(key).await {
            Ok(copy) => return Ok(copy.document),
            Err(guard) => guard,
        };
        // A refusal drops the guard unfilled: nothing is cached, and a
        // waiting request fetches for itself (within the limit below).
        let Ok(_permit) = self.fetches.try_acquire() else { return Err(DocumentRefused::Busy) };
        let fetched = self.fetcher.fetch(url).await?;
        let lifetime = self.bounds.lifetime(fetched.cache_control.as_deref());
        let copy = Copy { document: fetched.document.clone(), fresh_until: self.clock.now() + lifetime };
        let _ = guard.insert(copy);
        Ok(fetched.document)
    }
}

#[cfg(test)]
mod tests;

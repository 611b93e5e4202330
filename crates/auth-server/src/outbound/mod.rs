//! Requests this server makes to others: client metadata documents, through
//! one guarded fetcher and a bounded cache (docs/SECURITY.md § Outbound
//! fetches).

mod checked_resolver;
mod document_cache;
mod document_fetcher;

pub use checked_resolver::{CheckedResolver, HostLookup, SystemLookup};
pub use document_cache::{CacheBounds, CachedDocuments, FetchDocument};
pub use document_fetcher::{DocumentFetcher, FetchLimits, Fetched};
pub use oauth_core::address::is_public;

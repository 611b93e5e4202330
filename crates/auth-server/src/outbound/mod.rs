//! Requests this server makes to others: client metadata documents and the
//! key sets `private_key_jwt` clients publish, each through a guarded
//! fetcher and a bounded cache (docs/SECURITY.md § Outbound fetches).

mod checked_resolver;
mod document_cache;
mod document_fetcher;
mod key_sets;

pub use checked_resolver::{CheckedResolver, HostLookup, SystemLookup};
pub use document_cache::{CacheBounds, CachedDocuments, FetchDocument};
pub use document_fetcher::{DocumentFetcher, FetchLimits, Fetched, JsonBody};
pub use key_sets::{CachedKeySets, FetchKeySet, FetchedKeySet, MAX_KEY_SET_BYTES, MAX_KEY_SETS};
pub use oauth_core::address::is_public;

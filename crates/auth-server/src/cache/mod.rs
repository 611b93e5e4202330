//! Short-lived, per-instance read caches, composed in `app` in front of what
//! is read on every token request and changes rarely: the client registry
//! (a [`ClientCache`](oauth_core::ports::ClientCache) behind the core's
//! `ClientDirectory`), the client-authentication failure counters, the
//! access-token verifier (a checked signature stays checked) and the
//! resource registry.
//!
//! Why: without them each token request makes two to four trips to the
//! database (docs/BENCHMARKS.md § Where the time goes). The price is bounded
//! staleness, a choice documented in docs/SECURITY.md § Read caches: another
//! process's change (the CLI, another instance) is seen by this instance at
//! most `ttl` later. A TTL of zero turns a cache off.

mod attempts;
mod clients;
mod resources;
mod ttl_map;
mod verified;

pub use attempts::CachedLoginAttempts;
pub use clients::TtlClientCache;
pub use resources::CachedResources;
pub use verified::{CachedVerifier, VERIFIED_TTL, VerifiedToken};

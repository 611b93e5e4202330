//! Short-lived, per-instance read caches in front of repositories whose data
//! is read on every token request and changes rarely (the client registry and
//! the client-authentication failure counters), and in front of the access
//! token verifier (a checked signature stays checked).
//!
//! Why: without them each token request makes two to four trips to the
//! database (docs/BENCHMARKS.md § Where the time goes). The price is bounded
//! staleness, a choice documented in docs/SECURITY.md § Read caches: another
//! process's change (the CLI, another instance) is seen by this instance at
//! most `ttl` later. Writes through this instance are seen at once. A TTL of
//! zero turns a cache off.

mod attempts;
mod clients;
mod ttl_map;
mod verified;

pub use attempts::CachedLoginAttempts;
pub use clients::CachedClients;
pub use verified::{CachedVerifier, VERIFIED_TTL, VerifiedToken};

/// How long a cache keeps an entry unless told otherwise: long enough to
/// serve every request of a busy client from memory, short enough that an
/// operator's change is honoured everywhere within a second.
pub const DEFAULT_TTL: time::Duration = time::Duration::seconds(1);

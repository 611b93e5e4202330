//! Test support for unit tests, adapter tests and embedders (feature
//! `test-support`): in-memory adapters of every port, a manual clock, a
//! deterministic random source, fixtures and the port contract suites.
//!
//! None of this is fit for production: the in-memory store is per process and
//! the plain-text hasher does not hash.

mod client_cache;
mod clock;
pub mod contract;
pub mod dpop;
pub mod fixtures;
mod hasher;
mod memory;
mod random;
mod signer;

pub use client_cache::MemoryClientCache;
pub use clock::ManualClock;
pub use hasher::PlainTextHasher;
pub use memory::InMemoryStore;
pub use random::SeqRandom;
pub use signer::RecordingSigner;

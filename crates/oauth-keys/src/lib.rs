//! ManuMu Auth's cryptography adapter: argon2id for human passwords and the
//! operating system's CSPRNG. JOSE signing keys join this crate with the token
//! endpoint.
//!
//! Every CPU-heavy operation runs on tokio's blocking pool, never on an async worker.

mod password;
mod random;

pub use password::{Argon2Hasher, Argon2Settings, InvalidArgon2Settings};
pub use random::OsRandom;

//! ManuMu Auth's cryptography adapter: argon2id for human passwords, the
//! operating system's CSPRNG, and JOSE signing keys (josekit) sealed at rest
//! under a master key (AES-256-GCM, ring).
//!
//! Every CPU-heavy operation runs on tokio's blocking pool, never on an async worker.

mod client_assertions;
mod dpop;
mod dpop_nonces;
mod master_key;
mod password;
mod public_key;
mod random;
mod signer;

pub use client_assertions::{JoseAssertionVerifier, check_client_jwks, check_published_jwks};
pub use dpop::JoseDpopVerifier;
pub use dpop_nonces::HmacDpopNonces;
pub use master_key::{MasterKey, MasterKeyError};
pub use password::{Argon2Hasher, Argon2Settings, InvalidArgon2Settings};
pub use random::OsRandom;
pub use signer::{JoseKeyMaterial, JoseVerifier, KeyError, thumbprint};

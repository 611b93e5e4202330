//! argon2id password hashing (RFC 9106), run on the blocking pool behind a
//! semaphore so that a flood of sign-ins cannot occupy every blocking thread.

use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::{Output, PasswordHash as Phc};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use oauth_core::password::{Password, PasswordHash};
use oauth_core::ports::{HashError, PasswordHasher};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// Cost settings. The defaults are OWASP's current minimum for argon2id
/// (Password Storage Cheat Sheet): 19 MiB of memory, 2 passes, 1 lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argon2Settings {
    /// Memory per hash, in KiB.
    pub memory_kib: u32,
    /// Passes over the memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
    /// Most hashes computed at once; the rest wait their turn.
    pub max_concurrent: usize,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Self { memory_kib: 19_456, iterations: 2, parallelism: 1, max_concurrent: 2 }
    }
}

/// The settings are outside what argon2 accepts.
#[derive(Debug, thiserror::Error)]
#[error("invalid argon2 settings: {0}")]
pub struct InvalidArgon2Settings(String);

/// argon2id with a fresh 16-byte salt per hash, in PHC string format.
#[derive(Clone)]
pub struct Argon2Hasher {
    params: Params,
    permits: Arc<Semaphore>,
    random: SystemRandom,
    /// argon2's working memory (19 MiB by default), kept for reuse: one per
    /// permit at most. Allocating it per verification let the C allocator keep
    /// a copy per blocking thread's arena (hundreds of MiB under load), and
    /// cost page faults on every login.
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl std::fmt::Debug for Argon2Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Argon2Hasher")
            .field("m_cost", &self.params.m_cost())
            .field("t_cost", &self.params.t_cost())
            .field("p_cost", &self.params.p_cost())
            .finish_non_exhaustive()
    }
}

impl Argon2Hasher {
    /// RFC 9106 §3.1 recommends a 128-bit salt.
    const SALT_LEN: usize = 16;

    /// A hasher with these costs; refuses settings argon2 would reject.
    pub fn new(settings: &Argon2Settings) -> Result<Self, InvalidArgon2Settings> {
        let params = Params::new(settings.memory_kib, settings.iterations, settings.parallelism, None)
            .map_err(|e| InvalidArgon2Settings(e.to_string()))?;
        if settings.max_concurrent == 0 {
            return Err(InvalidArgon2Settings("max_concurrent must be at least 1".into()));
        }
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(settings.max_concurrent)),
            random: SystemRandom::new(),
            memory: Arc::default(),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Runs `work` on the blocking pool once a permit is free.
    async fn limited<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self.permits.acquire().await.map_err(|_| HashError("hasher shut down".into()))?;
        tokio::task::spawn_blocking(work).await.map_err(|e| HashError(format!("hashing task failed: {e}")))?
    }
}

#[async_trait::async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let mut salt = [0_u8; Self::SALT_LEN];
        self.random.fill(&mut salt).map_err(|_| HashError("system random source unavailable".into()))?;
        let argon2 = self.argon2();
        let secret = SecretString::from(password.expose().to_owned());
        self.limited(move || {
            argon2
                .hash_password_with_salt(secret.expose_secret().as_bytes(), &salt)
                .map(|hash| PasswordHash::new(hash.to_string()))
                .map_err(|e| HashError(e.to_string()))
        })
        .await
    }

    async fn verify(&self, candidate: &SecretString, hash: &PasswordHash) -> Result<bool, HashError> {
        // The stored PHC string carries its own costs, so hashes made under
        // older settings keep verifying after the settings change.
        let candidate = candidate.clone();
        let hash = hash.as_str().to_owned();
        let memory = self.memory.clone();
        self.limited(move || {
            // At most one buffer per permit exists, so the pool never grows past them.
            let mut blocks = memory.lock().unwrap_or_else(PoisonError::into_inner).pop().unwrap_or_default();
            let outcome = verify_with(candidate.expose_secret().as_bytes(), &hash, &mut blocks);
            memory.lock().unwrap_or_else(PoisonError::into_inner).push(blocks);
            outcome
        })
        .await
    }
}

/// Recomputes the stored hash for `candidate` with the stored costs, salt,
/// algorithm and version, in `blocks`; compares in constant time (`Output`'s
/// equality is).
fn verify_with(candidate: &[u8], stored: &str, blocks: &mut Vec<Block>) -> Result<bool, HashError> {
    let invalid = |e: &dyn std::fmt::Display| HashError(format!("stored hash: {e}"));
    let phc = Phc::new(stored).map_err(|e| invalid(&e))?;
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return Err(HashError("stored hash: no salt or output".into()));
    };
    let algorithm = Algorithm::try_from(phc.algorithm.as_str()).map_err(|e| invalid(&e))?;
    let version =
        phc.version.map(Version::try_from).transpose().map_err(|e| invalid(&e))?.unwrap_or_default();
    let params = Params::try_from(&phc).map_err(|e| invalid(&e))?;
    blocks.resize(params.block_count(), Block::default());
    let mut computed = vec![0_u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        candidate,
        salt.as_ref(),
        &mut computed,
        &mut blocks[..],
    );
    // The working memory is derived from the password: wiped before reuse, as
    // argon2's own (zeroize) allocation would be on drop.
    blocks.fill(Block::default());
    hashed.map_err(|e| invalid(&e))?;
    let computed = Output::new(&computed).map_err(|e| invalid(&e))?;
    Ok(computed == *expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    fn password(text: &str) -> Password {
        Password::new(secret(text)).unwrap()
    }

    #[tokio::test]
    async fn a_hash_verifies_and_a_wrong_password_does_not() {
        let hasher = Argon2Hasher::new(&Argon2Settings::default()).unwrap();
        let hash = hasher.hash(&password("correct horse battery")).await.unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", hash.as_str());
        assert!(hasher.verify(&secret("correct horse battery"), &hash).await.unwrap());
        assert!(!hasher.verify(&secret("correct horse batterY"), &hash).await.unwrap());
        assert!(!hasher.verify(&secret(""), &hash).await.unwrap());
    }

    #[tokio::test]
    async fn salts_differ_between_hashes_of_one_password() {
        let hasher = Argon2Hasher::new(&Argon2Settings::default()).unwrap();
        let a = hasher.hash(&password("same password")).await.unwrap();
        let b = hasher.hash(&password("same password")).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn old_hashes_verify_after_the_costs_change() {
        let cheap = Argon2Settings { memory_kib: 8, iterations: 1, ..Argon2Settings::default() };
        let old = Argon2Hasher::new(&cheap).unwrap().hash(&password("long enough")).await.unwrap();
        let current = Argon2Hasher::new(&Argon2Settings::default()).unwrap();
        assert!(current.verify(&secret("long enough"), &old).await.unwrap());
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_not_a_match() {
        let hasher = Argon2Hasher::new(&Argon2Settings::default()).unwrap();
        let result = hasher.verify(&secret("anything"), &PasswordHash::new("not-a-phc-string".into())).await;
        assert!(result.is_err());
    }

    #[test]
    fn refuses_settings_argon2_rejects() {
        let zero_memory = Argon2Settings { memory_kib: 0, ..Argon2Settings::default() };
        assert!(Argon2Hasher::new(&zero_memory).is_err());
        let no_permits = Argon2Settings { max_concurrent: 0, ..Argon2Settings::default() };
        assert!(Argon2Hasher::new(&no_permits).is_err());
    }
}

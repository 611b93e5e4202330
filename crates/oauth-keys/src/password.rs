//! argon2id password hashing (RFC 9106), run on the blocking pool behind a
//! semaphore so that a flood of sign-ins cannot occupy every blocking thread,
//! with a bounded, time-limited wait for a turn so that it cannot pile up
//! requests either.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::phc::{Output, PasswordHash as Phc};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use oauth_core::password::{Password, PasswordHash};
use oauth_core::ports::{HashError, PasswordHasher};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Semaphore, SemaphorePermit, TryAcquireError};

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
    /// Most hashes computed at once; the rest wait their turn, at most
    /// [`Argon2Hasher::WAITING_PER_PERMIT`] callers per permit and for at most
    /// [`Argon2Hasher::MAX_WAIT`]. Beyond either the caller is refused with
    /// `HashError::Overloaded`.
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
    /// The semaphore's size, which tokio does not report.
    max_concurrent: usize,
    queue: Arc<WaitQueue>,
    /// How long a caller waits for a permit before it is refused.
    max_wait: Duration,
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

    /// Callers that may wait for each permit. With the default costs a hash
    /// takes tens of milliseconds, so a full queue drains in well under a
    /// second; a burst beyond it is refused at once instead of holding its
    /// requests (and their connections) open.
    pub const WAITING_PER_PERMIT: usize = 16;

    /// The longest wait for a permit (a machine too busy to drain the queue):
    /// past it the caller is refused and may retry.
    pub const MAX_WAIT: Duration = Duration::from_secs(5);

    /// A hasher with these costs; refuses settings argon2 would reject.
    pub fn new(settings: &Argon2Settings) -> Result<Self, InvalidArgon2Settings> {
        let params = Params::new(settings.memory_kib, settings.iterations, settings.parallelism, None)
            .map_err(|e| InvalidArgon2Settings(e.to_string()))?;
        if settings.max_concurrent == 0 {
            return Err(InvalidArgon2Settings("max_concurrent must be at least 1".into()));
        }
        let max_waiting = settings.max_concurrent.saturating_mul(Self::WAITING_PER_PERMIT);
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(settings.max_concurrent)),
            max_concurrent: settings.max_concurrent,
            queue: Arc::new(WaitQueue { waiting: AtomicUsize::new(0), max_waiting }),
            max_wait: Self::MAX_WAIT,
            random: SystemRandom::new(),
            memory: Arc::default(),
        })
    }

    /// The same hasher with another bound on waiting callers and their wait.
    #[must_use]
    pub fn with_queue(self, max_waiting: usize, max_wait: Duration) -> Self {
        Self { queue: Arc::new(WaitQueue { waiting: AtomicUsize::new(0), max_waiting }), max_wait, ..self }
    }

    /// Callers waiting for a turn to hash now (at most the queue's bound).
    /// One atomic load: cheap enough for every metrics scrape.
    pub fn waiting(&self) -> usize {
        self.queue.waiting.load(Ordering::Acquire)
    }

    /// Hashes being computed now (at most `max_concurrent`).
    pub fn running(&self) -> usize {
        self.max_concurrent.saturating_sub(self.permits.available_permits())
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Runs `work` on the blocking pool once a permit is free.
    async fn limited<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self.permit().await?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashError::Failed(format!("hashing task failed: {e}")))?
    }

    /// A permit: at once if one is free, else after a wait in the bounded
    /// queue. The semaphore is fair, so a waiter is served before any later
    /// caller, and `try_acquire` never takes a permit a waiter was promised.
    async fn permit(&self) -> Result<SemaphorePermit<'_>, HashError> {
        let shut_down = || HashError::Failed("hasher shut down".into());
        match self.permits.try_acquire() {
            Ok(permit) => return Ok(permit),
            Err(TryAcquireError::Closed) => return Err(shut_down()),
            Err(TryAcquireError::NoPermits) => {}
        }
        let Some(_place) = self.queue.enter() else {
            tracing::warn!(
                event = "password_hashing_overloaded",
                "password hashing refused: the queue is full"
            );
            return Err(HashError::Overloaded);
        };
        match tokio::time::timeout(self.max_wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(shut_down()),
            Err(_) => {
                tracing::warn!(
                    event = "password_hashing_overloaded",
                    "password hashing refused: no turn within the wait limit"
                );
                Err(HashError::Overloaded)
            }
        }
    }
}

/// Counts the callers waiting for a permit, up to a bound.
#[derive(Debug)]
struct WaitQueue {
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl WaitQueue {
    /// A place in the queue, or `None` when it is full.
    fn enter(&self) -> Option<Place<'_>> {
        self.waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < self.max_waiting).then_some(n + 1))
            .ok()
            .map(|_| Place(self))
    }
}

/// A waiting caller's place, given back when it gets its permit, times out
/// or is dropped (its request went away).
struct Place<'a>(&'a WaitQueue);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

#[async_trait::async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let mut salt = [0_u8; Self::SALT_LEN];
        self.random
            .fill(&mut salt)
            .map_err(|_| HashError::Failed("system random source unavailable".into()))?;
        let argon2 = self.argon2();
        let secret = SecretString::from(password.expose().to_owned());
        self.limited(move || {
            argon2
                .hash_password_with_salt(secret.expose_secret().as_bytes(), &salt)
                .map(|hash| PasswordHash::new(hash.to_string()))
                .map_err(|e| HashError::Failed(e.to_string()))
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
    let invalid = |e: &dyn std::fmt::Display| HashError::Failed(format!("stored hash: {e}"));
    let phc = Phc::new(stored).map_err(|e| invalid(&e))?;
    let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
        return Err(HashError::Failed("stored hash: no salt or output".into()));
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
    use std::future::Future;
    use std::pin::Pin;
    use std::task::Poll;

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

    fn cheap(max_concurrent: usize) -> Argon2Settings {
        Argon2Settings { memory_kib: 8, iterations: 1, parallelism: 1, max_concurrent }
    }

    /// Polls `future` once: `Ready` only if it finished without waiting.
    async fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
        std::future::poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx))).await
    }

    #[tokio::test]
    async fn a_caller_beyond_the_queue_bound_is_refused_at_once() {
        let hasher = Argon2Hasher::new(&cheap(1)).unwrap().with_queue(2, Duration::from_secs(3600));
        let hash = hasher.hash(&password("long enough")).await.unwrap();
        let candidate = secret("long enough");
        let held = hasher.permits.try_acquire().unwrap();

        let mut first = hasher.verify(&candidate, &hash);
        let mut second = hasher.verify(&candidate, &hash);
        assert!(poll_once(&mut first).await.is_pending(), "the first waits for the held permit");
        assert!(poll_once(&mut second).await.is_pending(), "the second fills the queue");
        assert_eq!((hasher.running(), hasher.waiting()), (1, 2), "what a metrics scrape reads");
        let third = poll_once(&mut hasher.verify(&candidate, &hash)).await;
        assert!(matches!(third, Poll::Ready(Err(HashError::Overloaded))), "the third is refused: {third:?}");

        drop(held);
        assert!(first.await.unwrap());
        assert!(second.await.unwrap());
        assert!(hasher.verify(&candidate, &hash).await.unwrap(), "the queue has room again");
        assert_eq!((hasher.running(), hasher.waiting()), (0, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_caller_that_waits_past_the_limit_is_refused() {
        let hasher = Argon2Hasher::new(&cheap(1)).unwrap().with_queue(4, Duration::from_secs(5));
        let _held = hasher.permits.try_acquire().unwrap();
        // The paused clock jumps to the next timer whenever every task waits.
        let never_reached = PasswordHash::new("not-a-phc-string".into());
        let outcome =
            tokio::time::timeout(Duration::from_secs(3600), hasher.verify(&secret("x"), &never_reached))
                .await;
        assert!(matches!(outcome, Ok(Err(HashError::Overloaded))), "{outcome:?}");
        assert_eq!(hasher.queue.waiting.load(Ordering::Acquire), 0, "the place is given back");
    }

    #[test]
    fn the_queue_bound_follows_max_concurrent() {
        let hasher = Argon2Hasher::new(&cheap(3)).unwrap();
        assert_eq!(hasher.queue.max_waiting, 3 * Argon2Hasher::WAITING_PER_PERMIT);
        assert_eq!(hasher.max_wait, Argon2Hasher::MAX_WAIT);
    }
}

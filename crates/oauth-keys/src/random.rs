//! The operating system's CSPRNG, through ring.

use oauth_core::ports::{RandomSource, RandomUnavailable};
use ring::rand::{SecureRandom, SystemRandom};

/// `getrandom(2)` on Linux, via ring.
#[derive(Debug, Clone)]
pub struct OsRandom(SystemRandom);

impl OsRandom {
    /// The system source.
    pub fn new() -> Self {
        Self(SystemRandom::new())
    }
}

impl Default for OsRandom {
    fn default() -> Self {
        Self::new()
    }
}

impl RandomSource for OsRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomUnavailable> {
        self.0.fill(dest).map_err(|_| RandomUnavailable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_draws_differ() {
        let random = OsRandom::new();
        let (mut a, mut b) = ([0_u8; 32], [0_u8; 32]);
        random.fill(&mut a).unwrap();
        random.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }
}

use std::sync::atomic::{AtomicU64, Ordering};

use crate::ports::{RandomSource, RandomUnavailable};

/// A deterministic byte stream (SplitMix64 from a seed): reproducible ids in tests.
/// Not random in any security sense.
#[derive(Debug)]
pub struct SeqRandom(AtomicU64);

impl SeqRandom {
    /// A stream starting at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(AtomicU64::new(seed))
    }

    fn next(&self) -> u64 {
        let mut z =
            self.0.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl RandomSource for SeqRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), RandomUnavailable> {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

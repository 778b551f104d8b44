//! Deterministic randomness for fuzzing, vectors and examples. Not for production keys.
//!
//! Hidden from the docs; no stability promise.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// A deterministic byte stream: the BLAKE3 extendable output of
/// `BLAKE3-derive_key-mode("mailseal v1 test rng", seed)`. Reproducible from its seed, so
/// fuzz targets and vector generators can seal the same bytes every run. It is a
/// `CryptoRng` only so that the crate's APIs accept it: never use it for real keys.
pub struct XofRng(blake3::OutputReader);

impl XofRng {
    /// The stream for `seed`.
    pub fn new(seed: &[u8]) -> Self {
        let mut h = blake3::Hasher::new_derive_key("mailseal v1 test rng");
        h.update(seed);
        XofRng(h.finalize_xof())
    }
}

impl TryRng for XofRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.fill(dst);
        Ok(())
    }
}

impl TryCryptoRng for XofRng {}

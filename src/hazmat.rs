//! Hazardous material: deterministic randomness and nonce-taking entry points, for test
//! vectors, fuzzing and benchmarks. **Never enable feature `hazmat` in a product.**
//!
//! Everything here lets a caller choose values that the safe API draws from a
//! cryptographic RNG: a repeated piece nonce, or a "random" stream anyone can reproduce,
//! breaks the guarantees of SPEC.md. It exists so that published vectors can be generated and
//! checked byte for byte, and so that fuzz targets are deterministic. No stability promise.

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

/// Randomness read from a tape: the bytes a vector lists, consumed in the documented order
/// (`test-vectors/README.md`). `next_u32` reads 4 bytes little-endian. Past the end it gives
/// zeros and records the overrun, which a vector runner reports as a failure.
pub struct TapeRng {
    tape: alloc::vec::Vec<u8>,
    pos: usize,
    overrun: bool,
}

impl TapeRng {
    /// A tape of `bytes`.
    pub fn new(bytes: alloc::vec::Vec<u8>) -> Self {
        TapeRng {
            tape: bytes,
            pos: 0,
            overrun: false,
        }
    }

    /// Whether more bytes were asked for than the tape holds.
    pub fn overrun(&self) -> bool {
        self.overrun
    }

    /// Bytes not consumed.
    pub fn remaining(&self) -> usize {
        self.tape.len().saturating_sub(self.pos)
    }
}

impl TryRng for TapeRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for d in dst.iter_mut() {
            match self.tape.get(self.pos) {
                Some(b) => {
                    *d = *b;
                    self.pos = self.pos.saturating_add(1);
                }
                None => {
                    *d = 0;
                    self.overrun = true;
                }
            }
        }
        Ok(())
    }
}

impl TryCryptoRng for TapeRng {}

/// The `next_u32` draws (as tape bytes) that make the sealer's partial Fisher–Yates shuffle
/// (SPEC.md §6.5, test-vectors/README.md) pick `positions` in order; `None` if they are not
/// distinct slots of the tree.
pub fn position_draws(positions: &[u16]) -> Option<alloc::vec::Vec<u8>> {
    let slots_len = crate::mail::envelope::tree_slots();
    let mut slots: alloc::vec::Vec<usize> = (0..slots_len).collect();
    let mut out = alloc::vec::Vec::with_capacity(positions.len().saturating_mul(4));
    for (i, p) in positions.iter().enumerate() {
        let j = slots
            .iter()
            .position(|s| *s == usize::from(*p))
            .filter(|j| *j >= i)?;
        let x = u32::try_from(j.checked_sub(i)?).ok()?;
        out.extend_from_slice(&x.to_le_bytes());
        slots.swap(i, j);
    }
    Some(out)
}

/// A piece ciphertext with chosen final flags, bypassing the encryptor's rules: how negative
/// vectors present what an attacker holding the key could produce.
pub fn craft_piece(
    suite: crate::Suite,
    purpose: crate::piece::Purpose,
    key: &crate::piece::PieceKey,
    nonce: &[u8; 32],
    chunks: &[(&[u8], bool)],
) -> alloc::vec::Vec<u8> {
    let keys = crate::piece::schedule_for_testing(suite, purpose, key, nonce);
    let mut out = nonce.to_vec();
    out.extend_from_slice(keys.commitment());
    for (i, (pt, is_final)) in chunks.iter().enumerate() {
        let mut body = pt.to_vec();
        let tag = keys.seal_in_place(i as u64, *is_final, &mut body);
        out.extend_from_slice(&body);
        out.extend_from_slice(&tag);
    }
    out
}

/// SPEC.md §3.2's 96 derived bytes `commitment || aes_key || mac_key`, for worked examples.
pub fn piece_okm(
    suite: crate::Suite,
    purpose: crate::piece::Purpose,
    key: &crate::piece::PieceKey,
    nonce: &[u8; 32],
) -> [u8; 96] {
    *crate::piece::okm_for_testing(suite, purpose, key, nonce)
}

/// [`crate::piece::seal`] with a caller-chosen nonce, to reproduce test vectors. Sealing twice
/// under one key and nonce reveals the XOR of the plaintexts.
pub fn seal_piece_with_nonce(
    suite: crate::Suite,
    purpose: crate::piece::Purpose,
    key: &crate::piece::PieceKey,
    nonce: crate::piece::PieceNonce,
    plaintext: &[u8],
) -> Result<crate::piece::SealedPiece, crate::Error> {
    crate::piece::seal_with_nonce(suite, purpose, key, nonce, plaintext)
}

/// [`crate::piece::PieceEncryptor::new`] with a caller-chosen nonce, to reproduce test vectors.
pub fn piece_encryptor_with_nonce(
    suite: crate::Suite,
    purpose: crate::piece::Purpose,
    key: &crate::piece::PieceKey,
    nonce: crate::piece::PieceNonce,
) -> crate::piece::PieceEncryptor {
    crate::piece::PieceEncryptor::with_nonce(suite, purpose, key, nonce)
}

/// [`crate::mail::seal::MailSealer::seal`], also returning every intermediate value by name (for the
/// worked example of SPEC.md appendix A and for test vectors). The trace holds secrets (the
/// message key, salts, box plaintexts) in plain vectors.
pub fn seal_traced(
    sealer: crate::mail::seal::MailSealer<'_>,
    rng: &mut impl rand_core::CryptoRng,
) -> Result<(alloc::vec::Vec<u8>, crate::mail::seal::Trace), crate::Error> {
    sealer.seal_traced(rng)
}

/// A user with one device and a verified one-link chain (its root), built from fixed seeds or
/// a caller's RNG: the fixture tests, benchmarks, examples of the vectors and fuzz targets
/// share. A product makes its chains link by link ([`crate::identity`]).
pub struct TestUser {
    /// The user id.
    pub id: crate::keys::UserId,
    /// The user's only address.
    pub address: alloc::string::String,
    /// PUK generation 1.
    pub puk: crate::keys::PukSecret,
    /// The root device.
    pub device: crate::keys::DeviceSecret,
    /// The root link's bytes.
    pub root: alloc::vec::Vec<u8>,
    /// The verified chain.
    pub chain: crate::identity::ChainState,
}

impl TestUser {
    /// A user whose PUK seed and device seed are given (deterministic). `time` is the root's.
    pub fn from_seeds(
        suite: crate::Suite,
        id: crate::keys::UserId,
        address: &str,
        puk_seed: [u8; 32],
        device_id: crate::keys::DeviceId,
        device_seed: &[u8; 32],
        time: u64,
    ) -> Result<Self, crate::Error> {
        let puk = crate::keys::PukSecret::derive(
            suite,
            id,
            1,
            crate::keys::PukSeed::from_bytes(puk_seed),
        )?;
        let device = crate::keys::DeviceSecret::from_seed(suite, device_id, device_seed);
        let root = crate::identity::root(suite, id, &device, puk.public(), &[address], time)?;
        let chain = crate::identity::ChainState::verify(&[&root])?;
        Ok(TestUser {
            id,
            address: address.into(),
            puk,
            device,
            root,
            chain,
        })
    }

    /// A user with keys from `rng`.
    pub fn generate(
        suite: crate::Suite,
        id: crate::keys::UserId,
        address: &str,
        device_id: crate::keys::DeviceId,
        rng: &mut impl rand_core::CryptoRng,
    ) -> Result<Self, crate::Error> {
        let mut puk_seed = [0u8; 32];
        let mut device_seed = zeroize::Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut puk_seed);
        rng.fill_bytes(device_seed.as_mut_slice());
        let user = Self::from_seeds(suite, id, address, puk_seed, device_id, &device_seed, 1);
        zeroize::Zeroize::zeroize(&mut puk_seed);
        user
    }

    /// `count` users `r0@example.com`, `r1@example.com`, …, with user ids `[10 + i; 16]`,
    /// device ids `[(10 + i) ^ 0x80; 16]` and keys from `rng`: the recipients of benchmarks.
    pub fn crowd(
        suite: crate::Suite,
        count: u8,
        rng: &mut impl rand_core::CryptoRng,
    ) -> Result<alloc::vec::Vec<Self>, crate::Error> {
        (0..count)
            .map(|i| {
                let n = i.wrapping_add(10);
                Self::generate(
                    suite,
                    crate::keys::UserId::new([n; 16]),
                    &alloc::format!("r{i}@example.com"),
                    crate::keys::DeviceId::new([n ^ 0x80; 16]),
                    rng,
                )
            })
            .collect()
    }

    /// This user as a recipient (from its chain).
    pub fn key(&self) -> crate::mail::seal::RecipientKey {
        crate::mail::seal::RecipientKey {
            address: self.address.clone(),
            puk: self.chain.current_puk().clone(),
            tail: Some(self.chain.tail()),
        }
    }

    /// This user as the sender, on its root device.
    pub fn sender(&self) -> crate::mail::seal::SenderIdentity<'_> {
        crate::mail::seal::SenderIdentity {
            address: &self.address,
            puk: &self.puk,
            device: &self.device,
            chain: &self.chain,
        }
    }

    /// This user's mailbox (its chain and PUK generation 1).
    pub fn mailbox(&self) -> crate::mail::open::Mailbox<'_> {
        crate::mail::open::Mailbox::new(&self.chain, [&self.puk])
    }
}

//! Incremental piece encryption: push plaintext in any amounts, get ciphertext out.

use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::schedule::{DigestBuilder, PieceKeys};
use super::{
    CHUNK_SIZE, HEADER_LEN, MAX_CHUNKS, NONCE_LEN, PieceDigest, PieceKey, PieceNonce, Purpose,
};
use crate::error::{Error, Limit, Misuse};
use crate::suite::Suite;

/// Seals one piece incrementally.
///
/// Memory: at most one chunk (64 KiB) of buffered plaintext, wiped on drop, whatever the
/// piece size. Output is appended to the caller's buffer, which the caller drains as it likes.
///
/// A chunk is sealed only once it is known whether more plaintext follows, so the final chunk
/// is always the last one and never empty unless the whole piece is (SPEC.md §3.5).
///
/// ```
/// use mailseal::piece::{self, PieceEncryptor, PieceKey, Purpose};
/// use mailseal::Suite;
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
/// let key = PieceKey::generate(&mut rng);
/// let mut enc = PieceEncryptor::new(Suite::XWing, Purpose::MailPiece, &key, &mut rng);
/// let mut out = Vec::new();
/// for part in [&b"an attachment "[..], b"in ", b"parts"] {
///     enc.push(part, &mut out)?; // write `out` somewhere and clear it, if you like
/// }
/// let digest = enc.finish(&mut out)?;
/// let opened = piece::open(Suite::XWing, Purpose::MailPiece, &key, &out)?;
/// assert_eq!(opened.plaintext, b"an attachment in parts");
/// assert_eq!(opened.digest, digest);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub struct PieceEncryptor {
    suite: Suite,
    purpose: Purpose,
    header: [u8; HEADER_LEN],
    header_written: bool,
    pending: Zeroizing<Vec<u8>>,
    sealer: ChunkSealer,
    failed: bool,
}

/// The running state of the chunk sequence, apart from the buffered plaintext.
struct ChunkSealer {
    keys: PieceKeys,
    next_index: u64,
    ciphertext_len: u64,
    digest: DigestBuilder,
}

impl PieceEncryptor {
    /// Starts a piece under `key` with a fresh nonce drawn from `rng`.
    pub fn new(suite: Suite, purpose: Purpose, key: &PieceKey, rng: &mut impl CryptoRng) -> Self {
        Self::with_nonce(suite, purpose, key, PieceNonce::generate(rng))
    }

    /// Starts a piece with a caller-chosen nonce; public only as
    /// [`crate::hazmat::piece_encryptor_with_nonce`] (never reuse a key and nonce pair).
    pub(crate) fn with_nonce(
        suite: Suite,
        purpose: Purpose,
        key: &PieceKey,
        nonce: PieceNonce,
    ) -> Self {
        let keys = PieceKeys::derive(suite, purpose, key, &nonce.0);
        let mut header = [0u8; HEADER_LEN];
        header[..NONCE_LEN].copy_from_slice(&nonce.0);
        header[NONCE_LEN..].copy_from_slice(keys.commitment());
        PieceEncryptor {
            suite,
            purpose,
            header,
            header_written: false,
            pending: Zeroizing::new(Vec::new()),
            failed: false,
            sealer: ChunkSealer {
                digest: DigestBuilder::new(suite, purpose, &header),
                keys,
                next_index: 0,
                ciphertext_len: HEADER_LEN as u64,
            },
        }
    }

    /// The header this piece starts with (nonce, commitment).
    pub fn header(&self) -> &[u8; HEADER_LEN] {
        &self.header
    }

    /// The suite this piece is sealed under.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The purpose this piece is sealed for.
    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    /// Encrypts `plaintext` and appends whatever ciphertext is ready (the header first) to
    /// `out`. Fails only past [`MAX_CHUNKS`] chunks, appending nothing for that call; after a
    /// failure every later call fails with [`Misuse::StreamFailed`].
    pub fn push(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if self.failed {
            return Err(Misuse::StreamFailed.into());
        }
        let start = out.len();
        self.push_inner(plaintext, out).inspect_err(|_| {
            self.failed = true;
            out.truncate(start);
        })
    }

    fn push_inner(&mut self, mut plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        self.write_header(out);
        while !plaintext.is_empty() {
            // A full pending chunk with more input behind it is not the last one.
            if self.pending.len() == CHUNK_SIZE {
                self.sealer.seal(&self.pending, false, out)?;
                self.pending.clear();
            }
            // Fast path: whole chunks straight from the input, without buffering.
            if self.pending.is_empty() && plaintext.len() > CHUNK_SIZE {
                let (chunk, rest) = plaintext.split_at(CHUNK_SIZE);
                self.sealer.seal(chunk, false, out)?;
                plaintext = rest;
                continue;
            }
            let take = CHUNK_SIZE
                .saturating_sub(self.pending.len())
                .min(plaintext.len());
            let (now, rest) = plaintext.split_at(take);
            // One allocation of a whole chunk: growing by reallocation would leave copies of
            // the plaintext in freed memory that `Zeroizing` never sees.
            if self.pending.capacity() < CHUNK_SIZE {
                self.pending.reserve_exact(CHUNK_SIZE);
            }
            self.pending.extend_from_slice(now);
            plaintext = rest;
        }
        Ok(())
    }

    /// Seals the final chunk, appends it to `out` and returns the piece's digest.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<PieceDigest, Error> {
        if self.failed {
            return Err(Misuse::StreamFailed.into());
        }
        self.write_header(out);
        self.sealer.seal(&self.pending, true, out)?;
        let ChunkSealer {
            digest,
            ciphertext_len,
            ..
        } = self.sealer;
        Ok(digest.finish(ciphertext_len))
    }

    fn write_header(&mut self, out: &mut Vec<u8>) {
        if !self.header_written {
            out.extend_from_slice(&self.header);
            self.header_written = true;
        }
    }

    #[cfg(test)]
    pub(crate) fn set_next_index_for_test(&mut self, index: u64) {
        self.sealer.next_index = index;
    }
}

impl ChunkSealer {
    /// SPEC.md §3.3: seals `plaintext` as chunk `next_index`, in place at the end of `out`.
    fn seal(&mut self, plaintext: &[u8], is_final: bool, out: &mut Vec<u8>) -> Result<(), Error> {
        if self.next_index >= MAX_CHUNKS {
            return Err(Limit::ChunkCounter.into());
        }
        let at = out.len();
        out.extend_from_slice(plaintext);
        // `at` was `out`'s length a moment ago, so the range is never out of bounds.
        let body = out.get_mut(at..).unwrap_or_default();
        let tag = self.keys.seal_in_place(self.next_index, is_final, body);
        out.extend_from_slice(&tag);
        self.digest.add_tag(&tag);
        // `next_index < MAX_CHUNKS` (checked above): neither sum can overflow.
        self.next_index = self.next_index.saturating_add(1);
        self.ciphertext_len = self
            .ciphertext_len
            .saturating_add((plaintext.len() as u64).saturating_add(tag.len() as u64));
        Ok(())
    }
}

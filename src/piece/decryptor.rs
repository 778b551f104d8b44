//! Incremental piece decryption: push ciphertext split anywhere, get authenticated plaintext.

use alloc::boxed::Box;
use alloc::vec::Vec;

use zeroize::Zeroize;

use super::schedule::{DigestBuilder, PieceKeys};
use super::{
    CHUNK_SIZE, FULL_CHUNK_LEN, HEADER_LEN, MAX_CHUNKS, NONCE_LEN, PieceDigest, PieceKey, Purpose,
    TAG_LEN,
};
use crate::error::{AuthFailure, Error, Limit, Malformed, Misuse};
use crate::suite::Suite;

/// Opens one piece incrementally.
///
/// Push the ciphertext (header included) in pieces of any size; each call appends the
/// plaintext of every chunk that has been authenticated so far to the caller's buffer. The key
/// commitment is checked as soon as the 64-byte header is in, before any chunk is looked at.
///
/// A chunk is released only after its tag verifies at its position. The last full chunk seen
/// is held back until more input or [`PieceDecryptor::finish`] says whether it is final.
/// `finish` fails if the final chunk never came, and returns the piece's [`PieceDigest`]:
/// the released chunks are authenticated against the piece key; the digest, compared with the
/// manifest's, authenticates the whole piece against the sender (SPEC.md §3.6).
///
/// Memory: one chunk of ciphertext (64 KiB + 32 bytes), whatever the piece size.
///
/// On any error nothing from that call is appended (what it had appended is wiped), and the
/// decryptor fails every later call with [`Misuse::StreamFailed`].
///
/// ```
/// use mailseal::piece::{self, PieceDecryptor, PieceKey, Purpose};
/// use mailseal::Suite;
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([2; 32]);
/// let key = PieceKey::generate(&mut rng);
/// let body = vec![42u8; 200_000];
/// let sealed = piece::seal(Suite::X25519, Purpose::MailPiece, &key, &mut rng, &body)?;
///
/// let mut dec = PieceDecryptor::new(Suite::X25519, Purpose::MailPiece, &key);
/// let mut plaintext = Vec::new();
/// for part in sealed.ciphertext.chunks(1000) {
///     dec.push(part, &mut plaintext)?;
/// }
/// assert_eq!(dec.finish(&mut plaintext)?, sealed.digest);
/// assert_eq!(plaintext, body);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub struct PieceDecryptor {
    suite: Suite,
    purpose: Purpose,
    state: State,
}

enum State {
    /// Collecting the header; the key waits here until the nonce is known.
    Header { key: PieceKey, header: Vec<u8> },
    /// Header verified; opening chunks.
    Chunks {
        opener: Box<ChunkOpener>,
        /// Received ciphertext of the chunk not yet known to be final or not (≤ one full chunk).
        pending: Vec<u8>,
    },
    /// An error was returned; everything fails from now on.
    Failed,
}

struct ChunkOpener {
    keys: PieceKeys,
    next_index: u64,
    ciphertext_len: u64,
    digest: DigestBuilder,
}

impl PieceDecryptor {
    /// Prepares to open a piece sealed under `key` for `purpose` in `suite`.
    pub fn new(suite: Suite, purpose: Purpose, key: &PieceKey) -> Self {
        PieceDecryptor {
            suite,
            purpose,
            state: State::Header {
                key: key.duplicate(),
                header: Vec::with_capacity(HEADER_LEN),
            },
        }
    }

    /// Consumes `ciphertext` and appends the plaintext of every chunk authenticated so far.
    pub fn push(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        self.push_inner(ciphertext, out)
            .inspect_err(|_| self.fail(out, start))
    }

    /// Checks that the final chunk came and was last, appends its plaintext, and returns the
    /// digest of the whole ciphertext.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<PieceDigest, Error> {
        let start = out.len();
        self.finish_inner(out)
            .inspect_err(|_| self.fail(out, start))
    }

    fn fail(&mut self, out: &mut Vec<u8>, start: usize) {
        self.state = State::Failed;
        if let Some(tail) = out.get_mut(start..) {
            tail.zeroize();
        }
        out.truncate(start);
    }

    fn push_inner(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if let State::Header { key, header } = &mut self.state {
            let take = HEADER_LEN.saturating_sub(header.len()).min(input.len());
            let (now, rest) = input.split_at(take);
            header.extend_from_slice(now);
            input = rest;
            if header.len() < HEADER_LEN {
                return Ok(());
            }
            let opener = Box::new(ChunkOpener::start(self.suite, self.purpose, key, header)?);
            self.state = State::Chunks {
                opener,
                pending: Vec::new(),
            };
        }
        let State::Chunks { opener, pending } = &mut self.state else {
            return Err(Misuse::StreamFailed.into());
        };
        while !input.is_empty() {
            // A full pending chunk with more input behind it is not the last one.
            if pending.len() == FULL_CHUNK_LEN {
                opener.open(pending, false, out)?;
                pending.clear();
            }
            // Fast path: whole chunks straight from the input, without buffering.
            if pending.is_empty() && input.len() > FULL_CHUNK_LEN {
                let (chunk, rest) = input.split_at(FULL_CHUNK_LEN);
                opener.open(chunk, false, out)?;
                input = rest;
                continue;
            }
            let take = FULL_CHUNK_LEN
                .saturating_sub(pending.len())
                .min(input.len());
            let (now, rest) = input.split_at(take);
            pending.extend_from_slice(now);
            input = rest;
        }
        Ok(())
    }

    /// SPEC.md §3.6, at end of input: what is pending must be a valid final chunk.
    fn finish_inner(&mut self, out: &mut Vec<u8>) -> Result<PieceDigest, Error> {
        match core::mem::replace(&mut self.state, State::Failed) {
            State::Failed => Err(Misuse::StreamFailed.into()),
            State::Header { .. } => Err(Malformed::PieceTruncated.into()),
            State::Chunks {
                mut opener,
                pending,
            } => {
                if pending.len() < TAG_LEN {
                    return Err(Malformed::PieceTruncated.into());
                }
                if pending.len() == TAG_LEN && opener.next_index > 0 {
                    return Err(Malformed::EmptyFinalChunk.into());
                }
                opener.open(&pending, true, out)?;
                Ok(opener.digest.finish(opener.ciphertext_len))
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn set_next_index_for_test(&mut self, index: u64) {
        if let State::Chunks { opener, .. } = &mut self.state {
            opener.next_index = index;
        }
    }
}

impl ChunkOpener {
    /// SPEC.md §3.6 steps 1–2: derive the keys from the received nonce and check the commitment.
    fn start(suite: Suite, purpose: Purpose, key: &PieceKey, header: &[u8]) -> Result<Self, Error> {
        let header: &[u8; HEADER_LEN] = header
            .try_into()
            .map_err(|_| Malformed::PieceHeaderLength)?;
        let (nonce, commitment) = header.split_at(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| Malformed::PieceHeaderLength)?;
        let keys = PieceKeys::derive(suite, purpose, key, nonce);
        if !keys.commitment_matches(commitment) {
            return Err(AuthFailure::KeyCommitment.into());
        }
        Ok(ChunkOpener {
            keys,
            next_index: 0,
            ciphertext_len: HEADER_LEN as u64,
            digest: DigestBuilder::new(suite, purpose, header),
        })
    }

    /// SPEC.md §3.6 step 3: verify chunk `next_index` as final or not, then decrypt it into `out`.
    /// `chunk` is at least `TAG_LEN` bytes (callers check).
    fn open(&mut self, chunk: &[u8], is_final: bool, out: &mut Vec<u8>) -> Result<(), Error> {
        let index = self.next_index;
        if index >= MAX_CHUNKS {
            return Err(Limit::ChunkCounter.into());
        }
        let body_len = chunk
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(Malformed::PieceTruncated)?;
        let (body, tag) = chunk.split_at(body_len);
        if !self.keys.verify(index, is_final, body, tag) {
            return Err(self.diagnose(index, is_final, body, tag).into());
        }
        let at = out.len();
        out.extend_from_slice(body);
        // `at` was `out`'s length a moment ago, so the range is never out of bounds.
        let released = out.get_mut(at..).unwrap_or_default();
        self.keys
            .decrypt_verified_in_place(index, is_final, released);
        self.digest.add_tag(tag);
        // `index < MAX_CHUNKS` (checked above) and lengths are bounded by it: no overflow.
        self.next_index = index.saturating_add(1);
        self.ciphertext_len = self.ciphertext_len.saturating_add(chunk.len() as u64);
        Ok(())
    }

    /// Names the failure of a chunk whose tag did not verify where it stands.
    fn diagnose(&self, index: u64, is_final: bool, body: &[u8], tag: &[u8]) -> AuthFailure {
        if is_final {
            // A full chunk at the end that verifies as non-final: the real final chunk was cut off.
            if body.len() == CHUNK_SIZE && self.keys.verify(index, false, body, tag) {
                return AuthFailure::FinalChunkMissing;
            }
        } else if self.keys.verify(index, true, body, tag) {
            // A final chunk with more bytes after it.
            return AuthFailure::DataAfterFinalChunk { index };
        }
        AuthFailure::Chunk { index }
    }
}

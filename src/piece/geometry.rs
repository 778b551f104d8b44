//! Where chunks start and end, from lengths alone (SPEC.md §3.5).

use super::{CHUNK_SIZE, FULL_CHUNK_LEN, HEADER_LEN, MAX_CHUNKS, TAG_LEN};
use crate::error::{Error, Limit, Malformed};

const CHUNK: u64 = CHUNK_SIZE as u64;
const FULL: u64 = FULL_CHUNK_LEN as u64;
const TAG: u64 = TAG_LEN as u64;
const HEADER: u64 = HEADER_LEN as u64;

/// The ciphertext length of a piece of `plaintext_len` bytes, or `None` past
/// [`super::MAX_CHUNKS`] chunks.
///
/// ```
/// use mailseal::piece::{ciphertext_len, CHUNK_SIZE};
/// assert_eq!(ciphertext_len(0), Some(64 + 32));
/// assert_eq!(ciphertext_len(CHUNK_SIZE as u64), Some(64 + 32 + 65536));
/// assert_eq!(ciphertext_len(CHUNK_SIZE as u64 + 1), Some(64 + 2 * 32 + 65537));
/// ```
// safe: `chunks ≤ MAX_CHUNKS` (2^32) before the multiplication, and the additions are checked.
#[allow(clippy::arithmetic_side_effects)]
pub fn ciphertext_len(plaintext_len: u64) -> Option<u64> {
    let chunks = plaintext_len.div_ceil(CHUNK).max(1);
    if chunks > MAX_CHUNKS {
        return None;
    }
    HEADER.checked_add(chunks * TAG)?.checked_add(plaintext_len)
}

/// The shape of a valid piece ciphertext of a given length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Number of chunks, at least 1.
    pub(crate) chunks: u64,
    /// Wire length of the last (final) chunk, tag included.
    pub(crate) last_chunk_len: u64,
}

// safe: every value is bounded by a length already checked (`chunks ≥ 1`, `chunks ≤ 2^32`,
// `last_chunk_len ≥ TAG`), and callers check `index < chunks`.
#[allow(clippy::arithmetic_side_effects)]
impl Layout {
    /// SPEC.md §3.5: the chunks after the header are full (`FULL_CHUNK_LEN`) except the last,
    /// which holds 1..=CHUNK_SIZE plaintext bytes, or 0 when it is the only chunk.
    pub(crate) fn of_ciphertext(ciphertext_len: u64) -> Result<Layout, Error> {
        let body = ciphertext_len
            .checked_sub(HEADER)
            .filter(|b| *b >= TAG)
            .ok_or(Malformed::PieceTruncated)?;
        let chunks = body.div_ceil(FULL);
        if chunks > MAX_CHUNKS {
            return Err(Limit::ChunkCounter.into());
        }
        let last_chunk_len = body - (chunks - 1) * FULL;
        if last_chunk_len < TAG {
            return Err(Malformed::PieceLength.into());
        }
        if last_chunk_len == TAG && chunks > 1 {
            return Err(Malformed::EmptyFinalChunk.into());
        }
        Ok(Layout {
            chunks,
            last_chunk_len,
        })
    }

    /// Byte offset of chunk `index` in the ciphertext (the caller checked `index < chunks`).
    pub(crate) fn chunk_offset(&self, index: u64) -> u64 {
        HEADER + index * FULL
    }

    /// Wire length of chunk `index` (the caller checked `index < chunks`).
    pub(crate) fn chunk_len(&self, index: u64) -> u64 {
        if index + 1 == self.chunks {
            self.last_chunk_len
        } else {
            FULL
        }
    }

    /// Plaintext bytes in the whole piece.
    pub(crate) fn plaintext_len(&self) -> u64 {
        (self.chunks - 1) * CHUNK + (self.last_chunk_len - TAG)
    }
}

/// The plaintext length of a piece ciphertext of `ciphertext_len` bytes, if that length is
/// one a valid piece can have.
///
/// ```
/// use mailseal::piece::{ciphertext_len, plaintext_len};
/// for n in [0u64, 1, 65535, 65536, 65537, 1 << 30] {
///     assert_eq!(plaintext_len(ciphertext_len(n).unwrap()).unwrap(), n);
/// }
/// assert!(plaintext_len(95).is_err()); // shorter than header + tag
/// ```
pub fn plaintext_len(ciphertext_len: u64) -> Result<u64, Error> {
    Layout::of_ciphertext(ciphertext_len).map(|l| l.plaintext_len())
}

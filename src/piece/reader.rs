//! Random-access piece decryption: open chunk `i` alone.

use alloc::vec::Vec;
use core::ops::Range;

use super::geometry::Layout;
use super::schedule::PieceKeys;
use super::{HEADER_LEN, NONCE_LEN, PieceKey, Purpose, TAG_LEN};
use crate::error::{AuthFailure, Error, Malformed, Misuse};
use crate::suite::Suite;

/// Opens single chunks of a stored piece, in any order.
///
/// Built from the header and the total ciphertext length, it says where each chunk lies
/// ([`PieceReader::chunk_range`]) and opens one chunk from exactly those bytes. The length
/// decides which chunk is final, and the final chunk's tag binds that flag, so a wrong length
/// is detected when the final chunk is opened (SPEC.md §3.7); in an envelope the length is
/// also authenticated by the routing header.
///
/// Memory: the returned chunk's plaintext (at most 64 KiB); the reader itself holds only keys.
///
/// ```
/// use mailseal::piece::{self, PieceKey, PieceReader, Purpose};
/// use mailseal::Suite;
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
/// let key = PieceKey::generate(&mut rng);
/// let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
/// let ct = piece::seal(Suite::XWing, Purpose::MailPiece, &key, &mut rng, &data)?.ciphertext;
///
/// let reader = PieceReader::new(Suite::XWing, Purpose::MailPiece, &key, &ct[..64], ct.len() as u64)?;
/// assert_eq!(reader.chunk_count(), 4);
/// let range = reader.chunk_range(2)?;
/// let chunk = reader.open_chunk(2, &ct[range.start as usize..range.end as usize])?;
/// assert_eq!(chunk, &data[2 * 65536..3 * 65536]);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub struct PieceReader {
    keys: PieceKeys,
    layout: Layout,
}

impl PieceReader {
    /// Checks, in order: header length, that `ciphertext_len` is a valid piece length, and
    /// the key commitment.
    pub fn new(
        suite: Suite,
        purpose: Purpose,
        key: &PieceKey,
        header: &[u8],
        ciphertext_len: u64,
    ) -> Result<Self, Error> {
        let header: &[u8; HEADER_LEN] = header
            .try_into()
            .map_err(|_| Malformed::PieceHeaderLength)?;
        let layout = Layout::of_ciphertext(ciphertext_len)?;
        let (nonce, commitment) = header.split_at(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| Malformed::PieceHeaderLength)?;
        let keys = PieceKeys::derive(suite, purpose, key, nonce);
        if !keys.commitment_matches(commitment) {
            return Err(AuthFailure::KeyCommitment.into());
        }
        Ok(PieceReader { keys, layout })
    }

    /// How many chunks the piece has (at least 1).
    pub fn chunk_count(&self) -> u64 {
        self.layout.chunks
    }

    /// Plaintext bytes in the piece.
    pub fn plaintext_len(&self) -> u64 {
        self.layout.plaintext_len()
    }

    /// Byte range of chunk `index` (tag included) within the whole ciphertext.
    pub fn chunk_range(&self, index: u64) -> Result<Range<u64>, Error> {
        self.check_index(index)?;
        let start = self.layout.chunk_offset(index);
        Ok(start..start.saturating_add(self.layout.chunk_len(index)))
    }

    /// Verifies and decrypts chunk `index` from exactly the bytes of [`PieceReader::chunk_range`].
    pub fn open_chunk(&self, index: u64, chunk: &[u8]) -> Result<Vec<u8>, Error> {
        self.check_index(index)?;
        if chunk.len() as u64 != self.layout.chunk_len(index) {
            return Err(Malformed::ChunkLength { index }.into());
        }
        let is_final = index.checked_add(1) == Some(self.layout.chunks);
        let (body, tag) = chunk.split_at(chunk.len().saturating_sub(TAG_LEN));
        if !self.keys.verify(index, is_final, body, tag) {
            return Err(AuthFailure::Chunk { index }.into());
        }
        let mut plaintext = body.to_vec();
        self.keys
            .decrypt_verified_in_place(index, is_final, &mut plaintext);
        Ok(plaintext)
    }

    fn check_index(&self, index: u64) -> Result<(), Error> {
        if index < self.layout.chunks {
            Ok(())
        } else {
            Err(Misuse::ChunkIndexOutOfRange { index }.into())
        }
    }
}

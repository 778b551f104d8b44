//! Verified streaming and random access: release no byte that the expected digest does not
//! vouch for (SPEC.md §3.8).
//!
//! The piece digest (SPEC.md §3.4) hashes only the header and the chunk tags, so the **tag
//! list** `header || tag_0 || … || tag_{n-1}` — 32 bytes per 64 KiB chunk — can be checked
//! against the digest a manifest records before any chunk arrives. After that, a chunk is
//! released only if its tag verifies under the piece key at its position **and** equals the
//! vouched tag: a different chunk with the same tag under the same key would be a keyed-BLAKE3
//! collision. So every released byte is the sender's, even against a co-recipient who knows
//! the piece key. The server cuts the tag list out of a stored ciphertext without any key
//! ([`tag_list`], [`tag_list_ranges`]).

use alloc::vec::Vec;
use core::ops::Range;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use super::geometry::Layout;
use super::schedule::{DigestBuilder, PieceKeys};
use super::{HEADER_LEN, NONCE_LEN, PieceDigest, PieceKey, Purpose, TAG_LEN};
use crate::error::{AuthFailure, Error, Malformed, Misuse};
use crate::suite::Suite;

/// Bytes of the tag list of a piece ciphertext of `ciphertext_len` bytes: `64 + 32·n`.
///
/// ```
/// use mailseal::piece::{ciphertext_len, tag_list_len};
/// let len = ciphertext_len(3 * 65536 + 5).unwrap();
/// assert_eq!(tag_list_len(len).unwrap(), 64 + 4 * 32);
/// ```
pub fn tag_list_len(ciphertext_len: u64) -> Result<u64, Error> {
    let layout = Layout::of_ciphertext(ciphertext_len)?;
    // `chunks ≤ 2^32`, so `32 · chunks + 64` fits a u64.
    Ok(layout
        .chunks
        .saturating_mul(TAG_LEN as u64)
        .saturating_add(HEADER_LEN as u64))
}

/// The byte ranges of the tag list inside a piece ciphertext of `ciphertext_len` bytes: the
/// header, then each chunk's tag, in order. A server that stores the ciphertext serves these
/// ranges (or [`tag_list`]) to a client that wants to stream the piece verified. Key-free.
pub fn tag_list_ranges(ciphertext_len: u64) -> Result<impl Iterator<Item = Range<u64>>, Error> {
    let layout = Layout::of_ciphertext(ciphertext_len)?;
    let header = core::iter::once(0..HEADER_LEN as u64);
    let tags = (0..layout.chunks).map(move |i| {
        let end = layout.chunk_offset(i).saturating_add(layout.chunk_len(i));
        end.saturating_sub(TAG_LEN as u64)..end
    });
    Ok(header.chain(tags))
}

/// Cuts the tag list out of a whole piece ciphertext. Key-free; reads 32 bytes per chunk.
///
/// Memory: the tag list, 64 bytes plus 32 bytes per 64 KiB chunk.
pub fn tag_list(ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
    let len = ciphertext.len() as u64;
    let mut out = Vec::with_capacity(usize::try_from(tag_list_len(len)?).unwrap_or(0));
    for range in tag_list_ranges(len)? {
        let bytes = usize::try_from(range.start)
            .ok()
            .zip(usize::try_from(range.end).ok())
            .and_then(|(a, b)| ciphertext.get(a..b))
            .ok_or(Malformed::PieceTruncated)?;
        out.extend_from_slice(bytes);
    }
    Ok(out)
}

/// A tag list checked against the piece digest the caller expects: every later chunk is
/// compared with it. Memory: 32 bytes per chunk (512 KiB for a 1 GiB piece).
pub(crate) struct VouchedTags {
    header: [u8; HEADER_LEN],
    tags: Vec<[u8; TAG_LEN]>,
    layout: Layout,
}

impl VouchedTags {
    /// SPEC.md §3.8 step 1: the tag list must have the length `ciphertext_len` implies, and
    /// hash (3.4, with `ciphertext_len`) to `expected`.
    pub(crate) fn check(
        suite: Suite,
        purpose: Purpose,
        list: &[u8],
        ciphertext_len: u64,
        expected: &PieceDigest,
    ) -> Result<Self, Error> {
        let layout = Layout::of_ciphertext(ciphertext_len)?;
        if list.len() as u64 != tag_list_len(ciphertext_len)? {
            return Err(Malformed::TagList.into());
        }
        let (header, tag_bytes) = list
            .split_first_chunk::<HEADER_LEN>()
            .ok_or(Malformed::TagList)?;
        let mut digest = DigestBuilder::new(suite, purpose, header);
        let mut tags = Vec::with_capacity(tag_bytes.len() / TAG_LEN);
        for tag in tag_bytes.chunks_exact(TAG_LEN) {
            digest.add_tag(tag);
            tags.push(tag.try_into().map_err(|_| Malformed::TagList)?);
        }
        if digest.finish(ciphertext_len) != *expected {
            return Err(AuthFailure::PieceDigest.into());
        }
        Ok(VouchedTags {
            header: *header,
            tags,
            layout,
        })
    }

    /// Derives the chunk keys from the vouched header and checks the key commitment.
    fn keys(&self, suite: Suite, purpose: Purpose, key: &PieceKey) -> Result<PieceKeys, Error> {
        let (nonce, commitment) = self.header.split_at(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| Malformed::TagList)?;
        let keys = PieceKeys::derive(suite, purpose, key, nonce);
        if !keys.commitment_matches(commitment) {
            return Err(AuthFailure::KeyCommitment.into());
        }
        Ok(keys)
    }

    /// SPEC.md §3.8 step 3: chunk `index` verifies under the piece key at its position and its
    /// tag is the vouched one.
    fn admits(&self, keys: &PieceKeys, index: u64, body: &[u8], tag: &[u8]) -> bool {
        let is_final = index.checked_add(1) == Some(self.layout.chunks);
        let vouched = usize::try_from(index)
            .ok()
            .and_then(|i| self.tags.get(i))
            .is_some_and(|t| bool::from(t.ct_eq(tag)));
        // Both checks always run: the result does not say which one failed.
        vouched & keys.verify(index, is_final, body, tag)
    }
}

/// Opens a piece as a stream and releases only chunks the expected digest vouches for.
///
/// Built from the piece key, the tag list (checked against the expected digest and length
/// first) and nothing else; then push the ciphertext, header included, in parts of any size.
/// Each chunk is released as soon as it is complete and admitted: unlike
/// [`super::PieceDecryptor`], nothing is released that a co-recipient holding the piece key
/// could have substituted. [`VerifiedPieceDecryptor::finish`] fails if the piece was cut
/// short; bytes past the stated length fail at once.
///
/// Memory: the tag list (32 bytes per chunk) and one chunk of ciphertext.
///
/// ```
/// use mailseal::piece::{self, tag_list, PieceKey, Purpose, VerifiedPieceDecryptor};
/// use mailseal::Suite;
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([2; 32]);
/// let key = PieceKey::generate(&mut rng);
/// let body = vec![7u8; 300_000];
/// let sealed = piece::seal(Suite::X25519, Purpose::MailPiece, &key, &mut rng, &body)?;
/// let len = sealed.ciphertext.len() as u64;
///
/// // The server cuts out the tag list; the digest comes from the signed manifest.
/// let tags = tag_list(&sealed.ciphertext)?;
/// let mut dec = VerifiedPieceDecryptor::new(
///     Suite::X25519, Purpose::MailPiece, &key, &tags, len, &sealed.digest)?;
/// let mut out = Vec::new();
/// for part in sealed.ciphertext.chunks(10_000) {
///     dec.push(part, &mut out)?; // every byte in `out` is already verified
/// }
/// dec.finish()?;
/// assert_eq!(out, body);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub struct VerifiedPieceDecryptor {
    keys: PieceKeys,
    vouched: VouchedTags,
    /// Bytes of the ciphertext consumed so far (header included).
    received: u64,
    next_index: u64,
    /// The incomplete chunk being received (at most one chunk).
    pending: Vec<u8>,
    failed: bool,
}

impl VerifiedPieceDecryptor {
    /// Checks, in order: the ciphertext length is one a piece can have, the tag list has its
    /// length and hashes to `expected` (else [`AuthFailure::PieceDigest`]), and the key
    /// commitment of the vouched header.
    pub fn new(
        suite: Suite,
        purpose: Purpose,
        key: &PieceKey,
        tag_list: &[u8],
        ciphertext_len: u64,
        expected: &PieceDigest,
    ) -> Result<Self, Error> {
        let vouched = VouchedTags::check(suite, purpose, tag_list, ciphertext_len, expected)?;
        let keys = vouched.keys(suite, purpose, key)?;
        Ok(VerifiedPieceDecryptor {
            keys,
            vouched,
            received: 0,
            next_index: 0,
            pending: Vec::new(),
            failed: false,
        })
    }

    /// Consumes `ciphertext` and appends the plaintext of every chunk completed and admitted.
    /// On an error nothing from this call stays in `out` and the decryptor fails from then on.
    pub fn push(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        let result = if self.failed {
            Err(Misuse::StreamFailed.into())
        } else {
            self.push_inner(ciphertext, out)
        };
        if result.is_err() {
            self.failed = true;
            if let Some(tail) = out.get_mut(start..) {
                tail.zeroize();
            }
            out.truncate(start);
            self.pending.zeroize();
        }
        result
    }

    /// Succeeds only when the whole piece came: every chunk admitted, nothing missing.
    pub fn finish(self) -> Result<(), Error> {
        if self.failed {
            return Err(Misuse::StreamFailed.into());
        }
        if self.next_index != self.vouched.layout.chunks {
            return Err(Malformed::PieceTruncated.into());
        }
        Ok(())
    }

    fn push_inner(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let total = self.vouched.tags.len() as u64;
        let stated = (HEADER_LEN as u64)
            .saturating_add(total.saturating_mul(TAG_LEN as u64))
            .saturating_add(self.vouched.layout.plaintext_len());
        if (input.len() as u64) > stated.saturating_sub(self.received) {
            return Err(AuthFailure::DataAfterFinalChunk {
                index: total.saturating_sub(1),
            }
            .into());
        }
        // The header: it must be the vouched one.
        if self.received < HEADER_LEN as u64 {
            let offset = usize::try_from(self.received).unwrap_or(HEADER_LEN);
            let take = HEADER_LEN.saturating_sub(offset).min(input.len());
            let (now, rest) = input.split_at(take);
            let expected = self
                .vouched
                .header
                .get(offset..offset.saturating_add(take))
                .ok_or(Malformed::PieceTruncated)?;
            if !bool::from(expected.ct_eq(now)) {
                return Err(AuthFailure::KeyCommitment.into());
            }
            self.received = self.received.saturating_add(take as u64);
            input = rest;
        }
        while !input.is_empty() {
            let index = self.next_index;
            let want = usize::try_from(self.vouched.layout.chunk_len(index))
                .map_err(|_| Malformed::PieceLength)?;
            let take = want.saturating_sub(self.pending.len()).min(input.len());
            let (now, rest) = input.split_at(take);
            input = rest;
            self.received = self.received.saturating_add(take as u64);
            if self.pending.is_empty() && take == want {
                // The whole chunk is in this input: open it without copying it first.
                self.open_chunk(index, now, out)?;
            } else {
                self.pending.extend_from_slice(now);
                if self.pending.len() == want {
                    let chunk = core::mem::take(&mut self.pending);
                    let opened = self.open_chunk(index, &chunk, out);
                    self.pending = chunk;
                    self.pending.clear();
                    opened?;
                }
            }
        }
        Ok(())
    }

    fn open_chunk(&mut self, index: u64, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let (body, tag) = chunk.split_at(chunk.len().saturating_sub(TAG_LEN));
        if !self.vouched.admits(&self.keys, index, body, tag) {
            return Err(AuthFailure::Chunk { index }.into());
        }
        let is_final = index.checked_add(1) == Some(self.vouched.layout.chunks);
        let at = out.len();
        out.extend_from_slice(body);
        let released = out.get_mut(at..).unwrap_or_default();
        self.keys
            .decrypt_verified_in_place(index, is_final, released);
        self.next_index = index.saturating_add(1);
        Ok(())
    }
}

/// Random access to single chunks, each checked against a tag list the expected digest
/// vouches for: an inline preview of an attachment shows only the sender's bytes.
///
/// Memory: the tag list (32 bytes per chunk) and the returned chunk (at most 64 KiB).
///
/// ```
/// use mailseal::piece::{self, tag_list, PieceKey, Purpose, VerifiedPieceReader};
/// use mailseal::Suite;
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
/// let key = PieceKey::generate(&mut rng);
/// let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
/// let sealed = piece::seal(Suite::X25519, Purpose::MailPiece, &key, &mut rng, &data)?;
/// let ct = &sealed.ciphertext;
///
/// let reader = VerifiedPieceReader::new(
///     Suite::X25519, Purpose::MailPiece, &key, &tag_list(ct)?, ct.len() as u64, &sealed.digest)?;
/// let r = reader.chunk_range(1)?;
/// let chunk = reader.open_chunk(1, &ct[r.start as usize..r.end as usize])?;
/// assert_eq!(chunk, &data[65536..2 * 65536]);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub struct VerifiedPieceReader {
    keys: PieceKeys,
    vouched: VouchedTags,
}

impl VerifiedPieceReader {
    /// The same checks as [`VerifiedPieceDecryptor::new`].
    pub fn new(
        suite: Suite,
        purpose: Purpose,
        key: &PieceKey,
        tag_list: &[u8],
        ciphertext_len: u64,
        expected: &PieceDigest,
    ) -> Result<Self, Error> {
        let vouched = VouchedTags::check(suite, purpose, tag_list, ciphertext_len, expected)?;
        let keys = vouched.keys(suite, purpose, key)?;
        Ok(VerifiedPieceReader { keys, vouched })
    }

    /// How many chunks the piece has (at least 1).
    pub fn chunk_count(&self) -> u64 {
        self.vouched.layout.chunks
    }

    /// Byte range of chunk `index` (tag included) within the whole ciphertext.
    pub fn chunk_range(&self, index: u64) -> Result<Range<u64>, Error> {
        self.check_index(index)?;
        let start = self.vouched.layout.chunk_offset(index);
        Ok(start..start.saturating_add(self.vouched.layout.chunk_len(index)))
    }

    /// Verifies chunk `index` (exactly the bytes of [`VerifiedPieceReader::chunk_range`])
    /// against the piece key and the vouched tag, then decrypts it.
    pub fn open_chunk(&self, index: u64, chunk: &[u8]) -> Result<Vec<u8>, Error> {
        self.check_index(index)?;
        if chunk.len() as u64 != self.vouched.layout.chunk_len(index) {
            return Err(Malformed::ChunkLength { index }.into());
        }
        let (body, tag) = chunk.split_at(chunk.len().saturating_sub(TAG_LEN));
        if !self.vouched.admits(&self.keys, index, body, tag) {
            return Err(AuthFailure::Chunk { index }.into());
        }
        let is_final = index.checked_add(1) == Some(self.vouched.layout.chunks);
        let mut plaintext = body.to_vec();
        self.keys
            .decrypt_verified_in_place(index, is_final, &mut plaintext);
        Ok(plaintext)
    }

    fn check_index(&self, index: u64) -> Result<(), Error> {
        if index < self.vouched.layout.chunks {
            Ok(())
        } else {
            Err(Misuse::ChunkIndexOutOfRange { index }.into())
        }
    }
}

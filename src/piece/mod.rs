//! The committing, chunked piece cipher (SPEC.md §3).
//!
//! Every piece of a mail (the MIME body, each attachment) is encrypted under its own fresh
//! 32-byte [`PieceKey`]. The ciphertext is
//!
//! ```text
//! header = nonce (32) || commitment (32)
//! chunk_i = AES-256-CTR(aes_key, i, final)(plaintext_i) || BLAKE3-keyed(mac_key, c_i || i || final) (32)
//! ```
//!
//! with 64 KiB plaintext chunks. Opening under any key other than the sealing key fails at the
//! commitment, before any chunk is touched. Each piece also yields a [`PieceDigest`]: a
//! collision-resistant hash of the whole ciphertext, computed in the same pass from the chunk
//! tags, that even a holder of the piece key cannot match with different bytes.
//!
//! Three ways in:
//! - [`seal`] / [`open`]: one shot, for pieces that fit in memory;
//! - [`PieceEncryptor`] / [`PieceDecryptor`]: incremental, in any split, holding one chunk;
//! - [`PieceReader`]: random access to chunk `i`, given the ciphertext length.
//!
//! ```
//! use mailseal::piece::{self, PieceKey, Purpose};
//! use mailseal::Suite;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([7; 32]);
//! # use rand_core::SeedableRng;
//! let key = PieceKey::generate(&mut rng);
//! let sealed = piece::seal(Suite::XWing, Purpose::MailPiece, &key, &mut rng, b"hello")?;
//! let opened = piece::open(Suite::XWing, Purpose::MailPiece, &key, &sealed.ciphertext)?;
//! assert_eq!(opened.plaintext, b"hello");
//! assert_eq!(opened.digest, sealed.digest);
//!
//! // One flipped bit anywhere and nothing is released.
//! let mut tampered = sealed.ciphertext.clone();
//! tampered[70] ^= 1;
//! assert!(piece::open(Suite::XWing, Purpose::MailPiece, &key, &tampered).is_err());
//! # Ok::<(), mailseal::Error>(())
//! ```

mod decryptor;
mod encryptor;
mod geometry;
mod reader;
mod schedule;
#[cfg(test)]
mod tests;
mod verified;

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use decryptor::PieceDecryptor;
pub use encryptor::PieceEncryptor;
pub use geometry::{ciphertext_len, plaintext_len};
pub use reader::PieceReader;
pub use verified::{
    VerifiedPieceDecryptor, VerifiedPieceReader, tag_list, tag_list_len, tag_list_ranges,
};

use crate::error::Error;
use crate::suite::Suite;

/// The key schedule, for [`crate::hazmat::craft_piece`] only.
#[cfg(any(test, feature = "hazmat"))]
pub(crate) fn schedule_for_testing(
    suite: Suite,
    purpose: Purpose,
    key: &PieceKey,
    nonce: &[u8; NONCE_LEN],
) -> schedule::PieceKeys {
    schedule::PieceKeys::derive(suite, purpose, key, nonce)
}

/// The derived key bytes, for [`crate::hazmat::piece_okm`] only.
#[cfg(any(test, feature = "hazmat"))]
pub(crate) fn okm_for_testing(
    suite: Suite,
    purpose: Purpose,
    key: &PieceKey,
    nonce: &[u8; NONCE_LEN],
) -> zeroize::Zeroizing<[u8; 96]> {
    schedule::okm(suite, purpose, key, nonce)
}

/// Plaintext bytes per chunk: 64 KiB (SPEC.md §3.1 gives the reasons).
pub const CHUNK_SIZE: usize = 64 * 1024;
/// Bytes of tag after each chunk's ciphertext.
pub const TAG_LEN: usize = 32;
/// Bytes of a full (non-final) chunk on the wire.
pub const FULL_CHUNK_LEN: usize = CHUNK_SIZE + TAG_LEN;
/// Bytes of the random per-piece nonce.
pub const NONCE_LEN: usize = 32;
/// Bytes of the key commitment.
pub const COMMITMENT_LEN: usize = 32;
/// Bytes of the piece header: nonce then commitment.
pub const HEADER_LEN: usize = NONCE_LEN + COMMITMENT_LEN;
/// Most chunks one piece may have (2^32: 256 TiB of plaintext). Chunk indices run from 0 to
/// `MAX_CHUNKS - 1`; one more is [`crate::error::Limit::ChunkCounter`].
pub const MAX_CHUNKS: u64 = 1 << 32;

/// A piece key: 32 secret bytes, fresh for every piece.
///
/// No `Debug`, no `Clone`; wiped when dropped. Read it only through [`PieceKey::expose_secret`].
pub struct PieceKey([u8; 32]);

impl PieceKey {
    /// Draws a fresh key from the caller's cryptographic RNG.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        PieceKey(key)
    }

    /// Wraps 32 bytes the caller already holds (for example, read from a decrypted manifest).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        PieceKey(bytes)
    }

    /// The key bytes. Every read of the secret goes through here.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }

    /// A copy for internal holders that must outlive the caller's borrow (the stream
    /// decryptor waiting for its header). Both copies are wiped on drop.
    pub(crate) fn duplicate(&self) -> Self {
        PieceKey(self.0)
    }
}

impl Zeroize for PieceKey {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}
impl Drop for PieceKey {
    fn drop(&mut self) {
        self.zeroize();
    }
}
impl ZeroizeOnDrop for PieceKey {}

/// The random per-piece nonce written at the start of the header.
///
/// Not secret. Normally drawn by [`PieceEncryptor::new`]; supply one yourself only to
/// reproduce test vectors, and never seal twice under the same key and nonce.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PieceNonce(pub [u8; NONCE_LEN]);

impl PieceNonce {
    /// Draws a fresh nonce from the caller's cryptographic RNG.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        PieceNonce(nonce)
    }
}

impl fmt::Debug for PieceNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PieceNonce(")?;
        write_hex(f, &self.0)?;
        write!(f, ")")
    }
}

/// What a piece is for; its label is bound into the key schedule and the digest, so a
/// ciphertext made for one purpose never opens as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Purpose {
    /// A piece of a mail: the MIME body or an attachment. Label `"mail piece"`.
    MailPiece,
    /// A mail's encrypted manifest. Label `"manifest"`.
    Manifest,
    /// A user's own data (labels, folders, drafts) under their symmetric key. Label `"user data"`.
    UserData,
    /// The sender record of a mail, for the sender's own copy. Label `"sender record"`.
    SenderRecord,
    /// The link box of access-restricted mail. Label `"link box"`.
    LinkBox,
    /// The sender's own recipient box. Label `"self box"`.
    SelfBox,
}

impl Purpose {
    /// Every purpose, in the order SPEC.md §2.2 lists them.
    pub const ALL: [Purpose; 6] = [
        Purpose::MailPiece,
        Purpose::Manifest,
        Purpose::UserData,
        Purpose::SenderRecord,
        Purpose::LinkBox,
        Purpose::SelfBox,
    ];

    /// The purpose whose label (SPEC.md §2.2) is `label` (`"mail piece"`, `"manifest"`, ...),
    /// as bindings and the test vectors name them.
    ///
    /// ```
    /// use mailseal::piece::Purpose;
    /// assert_eq!(Purpose::from_label("user data"), Some(Purpose::UserData));
    /// assert_eq!(Purpose::from_label("User Data"), None);
    /// ```
    pub fn from_label(label: &str) -> Option<Purpose> {
        Purpose::ALL
            .into_iter()
            .find(|p| p.label() == label.as_bytes())
    }

    /// The label bytes bound into derivations (SPEC.md §2.2). Each is shorter than 256 bytes.
    pub const fn label(self) -> &'static [u8] {
        match self {
            Purpose::MailPiece => b"mail piece",
            Purpose::Manifest => b"manifest",
            Purpose::UserData => b"user data",
            Purpose::SenderRecord => b"sender record",
            Purpose::LinkBox => b"link box",
            Purpose::SelfBox => b"self box",
        }
    }
}

/// A collision-resistant digest of one piece ciphertext (SPEC.md §3.4).
///
/// Public, not secret: it goes into the manifest. Equality is constant time.
#[derive(Clone, Copy)]
pub struct PieceDigest(pub [u8; 32]);

impl PartialEq for PieceDigest {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.0.ct_eq(&other.0))
    }
}
impl Eq for PieceDigest {}

impl fmt::Debug for PieceDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PieceDigest(")?;
        write_hex(f, &self.0)?;
        write!(f, ")")
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
}

/// A piece sealed in one shot.
#[derive(Clone, Debug)]
pub struct SealedPiece {
    /// Header and chunks, ready to store or send.
    pub ciphertext: Vec<u8>,
    /// The digest the manifest records for this piece.
    pub digest: PieceDigest,
}

/// A piece opened in one shot.
#[derive(Clone, Debug)]
pub struct OpenedPiece {
    /// The authenticated plaintext.
    pub plaintext: Vec<u8>,
    /// The digest of the ciphertext that was opened; compare it with the manifest's.
    pub digest: PieceDigest,
}

/// Seals `plaintext` as one piece under `key` with a fresh nonce from `rng`.
///
/// Memory: the returned ciphertext, `plaintext.len()` plus 64 bytes plus 32 bytes per chunk.
/// Fails only with [`crate::error::Limit::ChunkCounter`] for pieces over 256 TiB.
pub fn seal(
    suite: Suite,
    purpose: Purpose,
    key: &PieceKey,
    rng: &mut impl CryptoRng,
    plaintext: &[u8],
) -> Result<SealedPiece, Error> {
    seal_with_nonce(suite, purpose, key, PieceNonce::generate(rng), plaintext)
}

/// [`seal`] with a caller-chosen nonce; public only as [`crate::hazmat::seal_piece_with_nonce`].
pub(crate) fn seal_with_nonce(
    suite: Suite,
    purpose: Purpose,
    key: &PieceKey,
    nonce: PieceNonce,
    plaintext: &[u8],
) -> Result<SealedPiece, Error> {
    let mut enc = PieceEncryptor::with_nonce(suite, purpose, key, nonce);
    let capacity = geometry::ciphertext_len(plaintext.len() as u64)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let mut ciphertext = Vec::with_capacity(capacity);
    enc.push(plaintext, &mut ciphertext)?;
    let digest = enc.finish(&mut ciphertext)?;
    Ok(SealedPiece { ciphertext, digest })
}

/// Computes the digest of a piece ciphertext without any key (SPEC.md §3.4): anyone holding
/// the bytes can, since it hashes only the header and the chunk tags.
///
/// Fails only if the length is not one a piece can have (SPEC.md §3.5). Reads 32 bytes per
/// chunk; allocates nothing.
pub fn digest(suite: Suite, purpose: Purpose, ciphertext: &[u8]) -> Result<PieceDigest, Error> {
    let layout = geometry::Layout::of_ciphertext(ciphertext.len() as u64)?;
    let header: &[u8; HEADER_LEN] = ciphertext
        .get(..HEADER_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or(crate::error::Malformed::PieceTruncated)?;
    let mut builder = schedule::DigestBuilder::new(suite, purpose, header);
    for index in 0..layout.chunks {
        // The layout was derived from this very length, so every chunk end is in bounds.
        let end = layout
            .chunk_offset(index)
            .saturating_add(layout.chunk_len(index));
        let tag = usize::try_from(end)
            .ok()
            .and_then(|e| ciphertext.get(e.checked_sub(TAG_LEN)?..e))
            .ok_or(crate::error::Malformed::PieceTruncated)?;
        builder.add_tag(tag);
    }
    Ok(builder.finish(ciphertext.len() as u64))
}

/// Opens a whole piece ciphertext under `key`, releasing plaintext only if every check passes.
///
/// Memory: the returned plaintext, at most `ciphertext.len()` bytes. Checks, in order: header
/// length, commitment, each chunk's tag at its position, the final-chunk rules (SPEC.md §3.6).
/// Compare the returned digest with the expected one, or use [`open_expecting`].
pub fn open(
    suite: Suite,
    purpose: Purpose,
    key: &PieceKey,
    ciphertext: &[u8],
) -> Result<OpenedPiece, Error> {
    let mut dec = PieceDecryptor::new(suite, purpose, key);
    let mut plaintext = Vec::with_capacity(ciphertext.len());
    dec.push(ciphertext, &mut plaintext)?;
    let digest = dec.finish(&mut plaintext)?;
    Ok(OpenedPiece { plaintext, digest })
}

/// [`open`], then a constant-time check that the ciphertext's digest is `expected`; on a
/// mismatch the plaintext is wiped and [`crate::error::AuthFailure::PieceDigest`] returned.
pub fn open_expecting(
    suite: Suite,
    purpose: Purpose,
    key: &PieceKey,
    ciphertext: &[u8],
    expected: &PieceDigest,
) -> Result<Vec<u8>, Error> {
    let mut opened = open(suite, purpose, key, ciphertext)?;
    if opened.digest != *expected {
        opened.plaintext.zeroize();
        return Err(crate::error::AuthFailure::PieceDigest.into());
    }
    Ok(opened.plaintext)
}

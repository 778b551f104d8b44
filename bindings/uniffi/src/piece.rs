//! The piece cipher on its own (SPEC.md §3): a key-committing chunked cipher with a
//! collision-resistant digest. Mail pieces go through `MailSealer` and `OpenedMail`; this is
//! for other uses, test vectors and measurements.

use std::sync::Arc;

use mailseal::piece::{self, Purpose as LibPurpose};
use zeroize::Zeroize;

use crate::bytes::Bytes;
use crate::convert::{self, Suite, secret32};
use crate::error::Result;

/// What a piece is for (SPEC.md §2.2): bound into its key schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Purpose {
    /// A mail's body or attachment.
    MailPiece,
    /// A mail's manifest.
    Manifest,
    /// The user's own data.
    UserData,
    /// The sender's own record.
    SenderRecord,
    /// An access-restricted link's box.
    LinkBox,
    /// The sender's own box.
    SelfBox,
}

impl Purpose {
    fn lib(self) -> LibPurpose {
        match self {
            Purpose::MailPiece => LibPurpose::MailPiece,
            Purpose::Manifest => LibPurpose::Manifest,
            Purpose::UserData => LibPurpose::UserData,
            Purpose::SenderRecord => LibPurpose::SenderRecord,
            Purpose::LinkBox => LibPurpose::LinkBox,
            Purpose::SelfBox => LibPurpose::SelfBox,
        }
    }
}

/// A purpose by its label (SPEC.md §2.2): `mail piece`, `manifest`, `user data`, `sender
/// record`, `link box` or `self box`.
#[uniffi::export]
pub fn purpose_from_label(label: &str) -> Result<Purpose> {
    let purpose = LibPurpose::from_label(label)
        .ok_or_else(|| crate::error::invalid("unknown purpose label"))?;
    Ok(match purpose {
        LibPurpose::MailPiece => Purpose::MailPiece,
        LibPurpose::Manifest => Purpose::Manifest,
        LibPurpose::UserData => Purpose::UserData,
        LibPurpose::SenderRecord => Purpose::SenderRecord,
        LibPurpose::LinkBox => Purpose::LinkBox,
        LibPurpose::SelfBox => Purpose::SelfBox,
        _ => {
            return Err(crate::error::invalid(
                "a purpose this binding does not know",
            ));
        }
    })
}

/// A 32-byte piece key. Wiped when released.
#[derive(uniffi::Object)]
pub struct PieceKey {
    inner: piece::PieceKey,
}

#[uniffi::export]
impl PieceKey {
    /// A fresh key.
    #[uniffi::constructor]
    pub fn generate() -> Result<Arc<PieceKey>> {
        Ok(Arc::new(PieceKey {
            inner: piece::PieceKey::generate(&mut convert::rng()?),
        }))
    }

    /// A key from its 32 bytes (the binding's copy is wiped).
    #[uniffi::constructor]
    pub fn from_bytes(bytes: Bytes) -> Result<Arc<PieceKey>> {
        Ok(Arc::new(PieceKey {
            inner: piece::PieceKey::from_bytes(secret32(bytes.0, "a piece key")?),
        }))
    }
}

/// A sealed piece: its ciphertext and digest.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SealedPiece {
    /// The ciphertext.
    pub ciphertext: Bytes,
    /// The digest (SPEC.md §3.4).
    pub digest: Bytes,
}

/// An opened piece: its plaintext and digest.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct OpenedPiece {
    /// The plaintext.
    pub plaintext: Bytes,
    /// The digest; compare it with the one expected.
    pub digest: Bytes,
}

/// Seals `plaintext` (the binding's copy is wiped) as one piece.
#[uniffi::export]
pub fn piece_seal(
    suite: Suite,
    purpose: Purpose,
    key: &PieceKey,
    mut plaintext: Bytes,
) -> Result<SealedPiece> {
    let sealed = suite.lib().and_then(|s| {
        Ok(piece::seal(
            s,
            purpose.lib(),
            &key.inner,
            &mut convert::rng()?,
            &plaintext,
        )?)
    });
    plaintext.zeroize();
    let sealed = sealed?;
    Ok(SealedPiece {
        ciphertext: sealed.ciphertext.into(),
        digest: sealed.digest.0[..].into(),
    })
}

/// Opens a whole piece; compare the digest with the expected one.
#[uniffi::export]
pub fn piece_open(
    suite: Suite,
    purpose: Purpose,
    key: &PieceKey,
    ciphertext: Bytes,
) -> Result<OpenedPiece> {
    let opened = piece::open(suite.lib()?, purpose.lib(), &key.inner, &ciphertext)?;
    Ok(OpenedPiece {
        digest: opened.digest.0[..].into(),
        plaintext: opened.plaintext.into(),
    })
}

/// The digest of a piece ciphertext, computed without any key (SPEC.md §3.4).
#[uniffi::export]
pub fn piece_digest(suite: Suite, purpose: Purpose, ciphertext: Bytes) -> Result<Bytes> {
    Ok(piece::digest(suite.lib()?, purpose.lib(), &ciphertext)?.0[..].into())
}

/// The ciphertext length of a piece of `plaintext_length` bytes.
#[uniffi::export]
pub fn ciphertext_length(plaintext_length: u64) -> Result<u64> {
    piece::ciphertext_len(plaintext_length)
        .ok_or_else(|| mailseal::Error::from(mailseal::error::Limit::ChunkCounter).into())
}

enum Reader {
    Plain(piece::PieceReader),
    Verified(piece::VerifiedPieceReader),
}

/// Random access to one piece: open any chunk from the stated length and that chunk's bytes.
/// Plain (SPEC.md §3.7, from the header), or verified (§3.8, from the tag list checked
/// against the expected digest: `OpenedMail.verified_piece_reader`, `PieceReader.verified`).
#[derive(uniffi::Object)]
pub struct PieceReader {
    inner: Reader,
}

impl PieceReader {
    pub(crate) fn from_verified(reader: piece::VerifiedPieceReader) -> Arc<Self> {
        Arc::new(PieceReader {
            inner: Reader::Verified(reader),
        })
    }
}

/// A range of chunk `index` within the ciphertext.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ChunkRange {
    /// The first byte.
    pub start: u64,
    /// One past the last byte (the tag included).
    pub end: u64,
}

#[uniffi::export]
impl PieceReader {
    /// Checks the header's length, the stated length and the key commitment.
    #[uniffi::constructor]
    pub fn new(
        suite: Suite,
        purpose: Purpose,
        key: &PieceKey,
        header: Bytes,
        ciphertext_length: u64,
    ) -> Result<Arc<PieceReader>> {
        let reader = piece::PieceReader::new(
            suite.lib()?,
            purpose.lib(),
            &key.inner,
            &header,
            ciphertext_length,
        )?;
        Ok(Arc::new(PieceReader {
            inner: Reader::Plain(reader),
        }))
    }

    /// A verified reader: the tag list is checked against the expected digest first, then
    /// every chunk against it.
    #[uniffi::constructor]
    pub fn verified(
        suite: Suite,
        purpose: Purpose,
        key: &PieceKey,
        tag_list: Bytes,
        ciphertext_length: u64,
        expected_digest: Bytes,
    ) -> Result<Arc<PieceReader>> {
        let expected = piece::PieceDigest(convert::bytes32(&expected_digest, "a digest")?);
        let reader = piece::VerifiedPieceReader::new(
            suite.lib()?,
            purpose.lib(),
            &key.inner,
            &tag_list,
            ciphertext_length,
            &expected,
        )?;
        Ok(PieceReader::from_verified(reader))
    }

    /// How many chunks the piece has.
    pub fn chunk_count(&self) -> u64 {
        match &self.inner {
            Reader::Plain(r) => r.chunk_count(),
            Reader::Verified(r) => r.chunk_count(),
        }
    }

    /// Where chunk `index` lies within the ciphertext (tag included).
    pub fn chunk_range(&self, index: u64) -> Result<ChunkRange> {
        let r = match &self.inner {
            Reader::Plain(r) => r.chunk_range(index),
            Reader::Verified(r) => r.chunk_range(index),
        }?;
        Ok(ChunkRange {
            start: r.start,
            end: r.end,
        })
    }

    /// Opens chunk `index` from exactly the bytes of `chunk_range(index)`.
    pub fn open_chunk(&self, index: u64, chunk: Bytes) -> Result<Bytes> {
        Ok(match &self.inner {
            Reader::Plain(r) => r.open_chunk(index, &chunk),
            Reader::Verified(r) => r.open_chunk(index, &chunk),
        }?
        .into())
    }
}

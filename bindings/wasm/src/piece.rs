//! The piece cipher on its own (SPEC.md §3): a key-committing chunked cipher with a
//! collision-resistant digest. Mail pieces go through `MailSealer` and `OpenedMail`; this is
//! for other uses, test vectors and measurements.

use js_sys::Uint8Array;
use mailseal::piece::{self, Purpose};
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::convert::{self, Obj, secret_out, secret32};
use crate::error::{JsResult, OrThrow, invalid};

/// A purpose by its label, or `binding/invalid_argument`.
fn purpose(label: &str) -> JsResult<Purpose> {
    Purpose::from_label(label).ok_or_else(|| invalid("unknown purpose label"))
}

/// A 32-byte piece key. Secret: `free()` wipes it.
#[wasm_bindgen]
pub struct PieceKey {
    inner: piece::PieceKey,
}

#[wasm_bindgen]
impl PieceKey {
    /// A fresh key.
    pub fn generate() -> JsResult<PieceKey> {
        Ok(PieceKey {
            inner: piece::PieceKey::generate(&mut convert::rng()?),
        })
    }

    /// A key from its 32 bytes (taken and wiped).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: Vec<u8>) -> JsResult<PieceKey> {
        Ok(PieceKey {
            inner: piece::PieceKey::from_bytes(secret32(bytes, "a piece key")?),
        })
    }
}

/// Seals `plaintext` (taken and wiped) as one piece: `{ciphertext, digest}`.
#[wasm_bindgen(js_name = pieceSeal, unchecked_return_type = "SealedPiece")]
pub fn piece_seal(
    suite: &str,
    purpose_label: &str,
    key: &PieceKey,
    mut plaintext: Vec<u8>,
) -> JsResult<JsValue> {
    let sealed = piece::seal(
        convert::suite(suite)?,
        purpose(purpose_label)?,
        &key.inner,
        &mut convert::rng()?,
        &plaintext,
    );
    plaintext.zeroize();
    let sealed = sealed.or_throw()?;
    Ok(Obj::new()
        .set("ciphertext", convert::bytes(&sealed.ciphertext))
        .set("digest", convert::bytes(&sealed.digest.0))
        .done())
}

/// Opens a whole piece: `{plaintext, digest}`; compare the digest with the expected one.
#[wasm_bindgen(js_name = pieceOpen, unchecked_return_type = "OpenedPiece")]
pub fn piece_open(
    suite: &str,
    purpose_label: &str,
    key: &PieceKey,
    ciphertext: &[u8],
) -> JsResult<JsValue> {
    let opened = piece::open(
        convert::suite(suite)?,
        purpose(purpose_label)?,
        &key.inner,
        ciphertext,
    )
    .or_throw()?;
    let digest = convert::bytes(&opened.digest.0);
    Ok(Obj::new()
        .set("plaintext", secret_out(opened.plaintext))
        .set("digest", digest)
        .done())
}

/// The digest of a piece ciphertext, computed without any key (SPEC.md §3.4).
#[wasm_bindgen(js_name = pieceDigest)]
pub fn piece_digest(suite: &str, purpose_label: &str, ciphertext: &[u8]) -> JsResult<Uint8Array> {
    let d =
        piece::digest(convert::suite(suite)?, purpose(purpose_label)?, ciphertext).or_throw()?;
    Ok(Uint8Array::from(d.0.as_slice()))
}

/// The ciphertext length of a piece of `plaintextLength` bytes.
#[wasm_bindgen(js_name = ciphertextLength)]
pub fn ciphertext_length(plaintext_length: f64) -> JsResult<f64> {
    let n = piece::ciphertext_len(convert::int(plaintext_length, "plaintextLength")?)
        .ok_or_else(|| crate::error::from_mailseal(mailseal::error::Limit::ChunkCounter.into()))?;
    #[allow(clippy::cast_precision_loss)]
    Ok(n as f64)
}

enum Reader {
    Plain(piece::PieceReader),
    Verified(piece::VerifiedPieceReader),
}

/// Random access to one piece: open any chunk from the stated length and that chunk's bytes.
/// Plain (SPEC.md §3.7, from the header), or verified (§3.8, from the tag list checked against
/// the expected digest: `OpenedMail.verifiedPieceReader`, `PieceReader.verified`).
#[wasm_bindgen]
pub struct PieceReader {
    inner: Reader,
}

impl PieceReader {
    pub(crate) fn from_verified(reader: piece::VerifiedPieceReader) -> Self {
        PieceReader {
            inner: Reader::Verified(reader),
        }
    }
}

#[wasm_bindgen]
impl PieceReader {
    /// Checks the header's length, the stated length and the key commitment.
    #[wasm_bindgen(constructor)]
    pub fn new(
        suite: &str,
        purpose_label: &str,
        key: &PieceKey,
        header: &[u8],
        ciphertext_length: f64,
    ) -> JsResult<PieceReader> {
        let reader = piece::PieceReader::new(
            convert::suite(suite)?,
            purpose(purpose_label)?,
            &key.inner,
            header,
            convert::int(ciphertext_length, "ciphertextLength")?,
        )
        .or_throw()?;
        Ok(PieceReader {
            inner: Reader::Plain(reader),
        })
    }

    /// A verified reader: the tag list is checked against the expected digest first, then
    /// every chunk against it.
    pub fn verified(
        suite: &str,
        purpose_label: &str,
        key: &PieceKey,
        tag_list: &[u8],
        ciphertext_length: f64,
        expected_digest: &[u8],
    ) -> JsResult<PieceReader> {
        let expected = piece::PieceDigest(convert::bytes32(expected_digest, "a digest")?);
        let reader = piece::VerifiedPieceReader::new(
            convert::suite(suite)?,
            purpose(purpose_label)?,
            &key.inner,
            tag_list,
            convert::int(ciphertext_length, "ciphertextLength")?,
            &expected,
        )
        .or_throw()?;
        Ok(PieceReader::from_verified(reader))
    }

    /// How many chunks the piece has.
    #[wasm_bindgen(getter, js_name = chunkCount)]
    pub fn chunk_count(&self) -> f64 {
        let n = match &self.inner {
            Reader::Plain(r) => r.chunk_count(),
            Reader::Verified(r) => r.chunk_count(),
        };
        #[allow(clippy::cast_precision_loss)]
        let n = n as f64;
        n
    }

    /// `[start, end)` of chunk `index` within the ciphertext (tag included).
    #[wasm_bindgen(js_name = chunkRange)]
    pub fn chunk_range(&self, index: f64) -> JsResult<Vec<f64>> {
        let index = convert::int(index, "index")?;
        let r = match &self.inner {
            Reader::Plain(r) => r.chunk_range(index),
            Reader::Verified(r) => r.chunk_range(index),
        }
        .or_throw()?;
        #[allow(clippy::cast_precision_loss)]
        Ok(vec![r.start as f64, r.end as f64])
    }

    /// Opens chunk `index` from exactly the bytes of `chunkRange(index)`.
    #[wasm_bindgen(js_name = openChunk)]
    pub fn open_chunk(&self, index: f64, chunk: &[u8]) -> JsResult<Uint8Array> {
        let index = convert::int(index, "index")?;
        let plaintext = match &self.inner {
            Reader::Plain(r) => r.open_chunk(index, chunk),
            Reader::Verified(r) => r.open_chunk(index, chunk),
        }
        .or_throw()?;
        Ok(secret_out(plaintext))
    }
}

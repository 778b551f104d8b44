//! Strict CBOR reading and writing (SPEC.md §4.1).
//!
//! Decoding is three steps, each with its own errors: the input length against the caller's
//! named limit; the validating walk of [`canonical`], which admits only canonical CBOR and checks every
//! declared length against the input before anything is allocated; then `ciborium` + `serde`
//! into a struct that denies unknown and duplicate keys, and a re-encoding that must equal the
//! input byte for byte (this pins the map key order). The structures read on every mail
//! (routing header, envelope, copies, manifest) go through `reader` instead, which makes
//! the same checks directly, without serde or a re-encoding, and in one pass when the input
//! is valid; every input still gets the error of the first stage that fails, in SPEC.md
//! §4.1's order. Hashes and signatures are always computed over the bytes as received, never
//! over a re-encoding.

pub mod canonical;
pub(crate) mod form;
pub(crate) mod reader;
pub(crate) mod text;

use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{CborError, Error, Limit, Malformed};

/// Bytes of the decoder's scratch buffer (ciborium's default): short strings are read here.
const SCRATCH_LEN: usize = 4096;

/// Encodes `value` as canonical CBOR.
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and every type encoded here is plain data.
    let written = ciborium::into_writer(value, &mut out);
    debug_assert!(written.is_ok());
    out
}

/// Encodes a value that holds secrets (a manifest's piece keys, a sender record's salts) of
/// at most `max_len` bytes. The result is wiped on drop, and so is every buffer tried on the
/// way: the encoder writes into fixed buffers that never grow (a growing `Vec` would hand
/// its old contents back to the allocator unwiped), starting small and retrying larger.
/// `None` if the encoding is longer than `max_len`.
pub(crate) fn encode_secret<T: Serialize>(value: &T, max_len: usize) -> Option<Zeroizing<Vec<u8>>> {
    let mut size = max_len.min(1024);
    loop {
        if let Some(encoded) = encode_into_fixed(value, size) {
            return Some(encoded);
        }
        if size >= max_len {
            return None;
        }
        size = size.saturating_mul(4).min(max_len);
    }
}

/// Encodes `value` into a zero-filled buffer of exactly `size` bytes that never grows;
/// `None` if it does not fit. The buffer is wiped on drop either way.
fn encode_into_fixed<T: Serialize>(value: &T, size: usize) -> Option<Zeroizing<Vec<u8>>> {
    let mut buffer = Zeroizing::new(alloc::vec![0u8; size]);
    let mut window: &mut [u8] = buffer.as_mut_slice();
    // `&mut [u8]` is a writer with and without `std`; it fails, rather than grows, when full.
    ciborium::into_writer(value, &mut window).ok()?;
    let written = size.saturating_sub(window.len());
    buffer.truncate(written);
    Some(buffer)
}

/// Decodes `bytes` as exactly one canonical `T`, refusing inputs longer than `max_len`.
///
/// The bytes may be a decrypted secret (a manifest, a sender record): the decoder's scratch
/// buffer and the canonical re-encoding are wiped, and the comparison is constant time.
pub(crate) fn decode<T: Serialize + DeserializeOwned>(
    bytes: &[u8],
    max_len: usize,
    limit: Limit,
) -> Result<T, Error> {
    if bytes.len() > max_len {
        return Err(limit.into());
    }
    canonical::check(bytes)?;
    let mut scratch = Zeroizing::new([0u8; SCRATCH_LEN]);
    let value: T = ciborium::from_reader_with_buffer(bytes, scratch.as_mut_slice())
        .map_err(|_| Malformed::Cbor(CborError::Schema))?;
    // A canonical input re-encodes to exactly its own length, so a buffer of that length
    // suffices; a longer re-encoding does not fit and is not canonical either.
    let canonical = encode_into_fixed(&value, bytes.len())
        .is_some_and(|reencoded| bool::from(reencoded.as_slice().ct_eq(bytes)));
    if !canonical {
        return Err(Malformed::Cbor(CborError::NotCanonical).into());
    }
    Ok(value)
}

/// `#[serde(deserialize_with = "crate::wire::present")]` on an `Option` field of a wire
/// structure: its key must be there, `null` for none. Serde's derive would read a missing key
/// as `None`, and the re-encoding would then call the input *not canonical* where SPEC.md
/// §4.1 stage 3 says *schema* (a missing key).
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(d)
}

/// A CBOR byte string (major type 2) of any length; limits are checked by the owner.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte string")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

/// A CBOR byte string of exactly `N` bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fixed<const N: usize>(pub [u8; N]);

impl<const N: usize> fmt::Debug for Fixed<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl<const N: usize> Serialize for Fixed<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de, const N: usize> Deserialize<'de> for Fixed<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<const N: usize>;
        impl<const N: usize> Visitor<'_> for V<N> {
            type Value = Fixed<N>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a byte string of {N} bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Fixed<N>, E> {
                v.try_into()
                    .map(Fixed)
                    .map_err(|_| E::invalid_length(v.len(), &self))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Fixed<N>, E> {
                self.visit_bytes(&v)
            }
        }
        d.deserialize_bytes(V::<N>)
    }
}

//! Strict CBOR reading and writing (SPEC.md §4.1).
//!
//! Decoding is three steps, each with its own errors: the input length against the caller's
//! named limit; the validating walk of [`canonical`], which admits only canonical CBOR and checks every
//! declared length against the input before anything is allocated; then `ciborium` + `serde`
//! into a struct that denies unknown and duplicate keys, and a re-encoding that must equal the
//! input byte for byte (this pins the map key order). Hashes and signatures are always
//! computed over the bytes as received, never over a re-encoding.

pub mod canonical;

use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{CborError, Error, Limit, Malformed};

/// Encodes `value` as canonical CBOR.
pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail, and every type encoded here is plain data.
    let written = ciborium::into_writer(value, &mut out);
    debug_assert!(written.is_ok());
    out
}

/// Decodes `bytes` as exactly one canonical `T`, refusing inputs longer than `max_len`.
pub(crate) fn decode<T: Serialize + DeserializeOwned>(
    bytes: &[u8],
    max_len: usize,
    limit: Limit,
) -> Result<T, Error> {
    if bytes.len() > max_len {
        return Err(limit.into());
    }
    canonical::check(bytes)?;
    let value: T = ciborium::from_reader(bytes).map_err(|_| Malformed::Cbor(CborError::Schema))?;
    if encode(&value) != bytes {
        return Err(Malformed::Cbor(CborError::NotCanonical).into());
    }
    Ok(value)
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

//! Byte strings across the boundary in one copy.
//!
//! UniFFI passes a `Vec<u8>` as a length and its bytes, converting them one element at a
//! time on the Rust side: about 2.4 ms per MiB in a release build, ten times the cost of
//! sealing that MiB (BENCHMARKS.md). [`Bytes`] has the very same wire form and type
//! metadata (the generated Python, Kotlin and Swift see `bytes`, `ByteArray`, `Data` as
//! before) but is read and written with one `memcpy`. Every byte string of the API is one.

#![allow(unsafe_code)]

use std::ops::{Deref, DerefMut};

use uniffi::deps::anyhow::bail;
use uniffi::{FfiConverter, MetadataBuffer, RustBuffer, TypeId};

use crate::UniFfiTag;

/// A byte string: `bytes` in Python, `ByteArray` in Kotlin, `Data` in Swift.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl Deref for Bytes {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl DerefMut for Bytes {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Self {
        Bytes(v)
    }
}

impl From<&[u8]> for Bytes {
    fn from(v: &[u8]) -> Self {
        Bytes(v.to_vec())
    }
}

// SAFETY: the same wire form as UniFFI's own `Vec<u8>` (a big-endian i32 length, then the
// bytes) and the same type metadata, so the generated foreign code, which reads and writes
// exactly that form for a byte string, agrees with it; reading checks every length first.
unsafe impl FfiConverter<UniFfiTag> for Bytes {
    type FfiType = RustBuffer;

    fn lower(obj: Self) -> RustBuffer {
        let mut buf = Vec::with_capacity(obj.0.len().saturating_add(4));
        Self::write(obj, &mut buf);
        RustBuffer::from_vec(buf)
    }

    fn try_lift(v: RustBuffer) -> uniffi::Result<Self> {
        let vec = v.destroy_into_vec();
        let mut buf = vec.as_slice();
        let value = Self::try_read(&mut buf)?;
        if !buf.is_empty() {
            bail!(
                "junk data left in buffer after lifting (count: {})",
                buf.len()
            );
        }
        Ok(value)
    }

    // A byte string longer than i32::MAX cannot cross (UniFFI's own Vec<u8> panics there
    // too, which the generated code turns into an exception); none of this API's results
    // come near it.
    #[allow(clippy::panic)]
    fn write(obj: Self, buf: &mut Vec<u8>) {
        let Ok(len) = i32::try_from(obj.0.len()) else {
            panic!("a byte string over 2 GiB cannot cross the boundary");
        };
        buf.extend_from_slice(&len.to_be_bytes());
        buf.extend_from_slice(&obj.0);
    }

    fn try_read(buf: &mut &[u8]) -> uniffi::Result<Self> {
        let Some((head, rest)) = buf.split_first_chunk::<4>() else {
            bail!("a byte string's length is cut short");
        };
        let Ok(len) = usize::try_from(i32::from_be_bytes(*head)) else {
            bail!("a byte string of negative length");
        };
        let Some((bytes, rest)) = rest.split_at_checked(len) else {
            bail!("a byte string longer than its buffer");
        };
        *buf = rest;
        Ok(Bytes(bytes.to_vec()))
    }

    const TYPE_ID_META: MetadataBuffer = <Vec<u8> as TypeId<UniFfiTag>>::TYPE_ID_META;
}

uniffi::derive_ffi_traits!(local Bytes);

//! A validating walk over CBOR bytes that accepts only the canonical subset (SPEC.md §4.1).
//!
//! It runs before any decoder sees the bytes, so lengths are checked against the input
//! before anything is allocated, and every lenient corner of CBOR is refused here once:
//! non-minimal heads, indefinite lengths, tags, floats and simple values other than
//! `false`/`true`/`null`, reserved additional-information values, nesting deeper than
//! [`MAX_DEPTH`], invalid UTF-8 in text strings, and bytes after the single top-level item.

use crate::error::{CborError, Error, Limit, Malformed};

/// Deepest nesting of arrays and maps accepted.
pub const MAX_DEPTH: usize = 8;

/// Walks `input` and succeeds only if it is exactly one canonical item.
pub(crate) fn check(input: &[u8]) -> Result<(), Error> {
    let mut walker = Walker { input, pos: 0 };
    walker.item(0)?;
    if walker.pos != input.len() {
        return Err(Malformed::Cbor(CborError::TrailingBytes).into());
    }
    Ok(())
}

struct Walker<'a> {
    input: &'a [u8],
    pos: usize,
}

fn err(e: CborError) -> Error {
    Malformed::Cbor(e).into()
}

impl Walker<'_> {
    fn remaining(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], Error> {
        let end = self.pos.checked_add(n).ok_or(err(CborError::Truncated))?;
        let bytes = self
            .input
            .get(self.pos..end)
            .ok_or(err(CborError::Truncated))?;
        self.pos = end;
        Ok(bytes)
    }

    /// Reads a head; returns (major type, argument). Rejects non-minimal and indefinite forms.
    fn head(&mut self) -> Result<(u8, u64), Error> {
        let initial = *self.take(1)?.first().ok_or(err(CborError::Truncated))?;
        let major = initial >> 5;
        let info = initial & 0x1f;
        let (arg, min) = match info {
            0..=23 => (u64::from(info), 0),
            24 => (self.uint(1)?, 24),
            25 => (self.uint(2)?, 0x100),
            26 => (self.uint(4)?, 0x1_0000),
            27 => (self.uint(8)?, 0x1_0000_0000),
            31 => return Err(err(CborError::IndefiniteLength)),
            _ => return Err(err(CborError::Reserved)),
        };
        // Simple values (major 7) with a 1-byte argument are not minimal-integer encoded and
        // floats are refused below anyway; integers and lengths must use the shortest head.
        if arg < min {
            return Err(err(CborError::NonMinimal));
        }
        Ok((major, arg))
    }

    fn uint(&mut self, n: usize) -> Result<u64, Error> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn len(&self, arg: u64) -> Result<usize, Error> {
        // Lengths can never exceed what is left of the input: checked before any allocation.
        usize::try_from(arg)
            .ok()
            .filter(|n| *n <= self.remaining())
            .ok_or(err(CborError::LengthExceedsInput))
    }

    fn item(&mut self, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(Limit::NestingDepth.into());
        }
        let (major, arg) = self.head()?;
        match major {
            0 | 1 => Ok(()),
            2 => {
                let n = self.len(arg)?;
                self.take(n).map(|_| ())
            }
            3 => {
                let n = self.len(arg)?;
                let text = self.take(n)?;
                core::str::from_utf8(text)
                    .map(|_| ())
                    .map_err(|_| err(CborError::InvalidUtf8))
            }
            4 => {
                // Each element takes at least one byte.
                let n = self.len(arg)?;
                (0..n).try_for_each(|_| self.item(depth.saturating_add(1)))
            }
            5 => {
                let n = self.len(arg)?;
                let pairs = n.checked_mul(2).ok_or(err(CborError::LengthExceedsInput))?;
                if pairs > self.remaining() {
                    return Err(err(CborError::LengthExceedsInput));
                }
                (0..pairs).try_for_each(|_| self.item(depth.saturating_add(1)))
            }
            6 => Err(err(CborError::Tag)),
            // Major 7: only false (20), true (21) and null (22), in their one-byte form.
            _ => match arg {
                20..=22 => Ok(()),
                _ => Err(err(CborError::SimpleOrFloat)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cbor(e: CborError) -> Result<(), Error> {
        Err(err(e))
    }

    #[test]
    fn accepts_canonical_items() {
        for ok in [
            &[0x00][..],
            &[0x17],
            &[0x18, 0x18],
            &[0x19, 0x01, 0x00],
            &[0x20],
            &[0x41, 0xaa],
            &[0x62, b'h', b'i'],
            &[0x82, 0x01, 0x02],
            &[0xa1, 0x61, b'a', 0xf5],
            &[0xf4],
            &[0xf6],
        ] {
            assert_eq!(check(ok), Ok(()), "{ok:02x?}");
        }
    }

    #[test]
    fn rejects_each_lenient_form() {
        assert_eq!(check(&[0x18, 0x17]), cbor(CborError::NonMinimal));
        assert_eq!(check(&[0x19, 0x00, 0xff]), cbor(CborError::NonMinimal));
        assert_eq!(
            check(&[0x1a, 0x00, 0x00, 0xff, 0xff]),
            cbor(CborError::NonMinimal)
        );
        assert_eq!(
            check(&[0x1b, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]),
            cbor(CborError::NonMinimal)
        );
        assert_eq!(check(&[0x58, 0x01, 0xaa]), cbor(CborError::NonMinimal));
        assert_eq!(
            check(&[0x5f, 0x41, 0xaa, 0xff]),
            cbor(CborError::IndefiniteLength)
        );
        assert_eq!(check(&[0x9f, 0xff]), cbor(CborError::IndefiniteLength));
        assert_eq!(check(&[0xc1, 0x00]), cbor(CborError::Tag));
        assert_eq!(check(&[0xf9, 0x3c, 0x00]), cbor(CborError::SimpleOrFloat));
        assert_eq!(check(&[0xf7]), cbor(CborError::SimpleOrFloat));
        assert_eq!(check(&[0x1c]), cbor(CborError::Reserved));
        assert_eq!(check(&[0x00, 0x00]), cbor(CborError::TrailingBytes));
        assert_eq!(check(&[0x62, 0xff, 0xfe]), cbor(CborError::InvalidUtf8));
        assert_eq!(check(&[]), cbor(CborError::Truncated));
        assert_eq!(check(&[0x19, 0x01]), cbor(CborError::Truncated));
    }

    #[test]
    fn huge_declared_lengths_fail_before_allocation() {
        assert_eq!(
            check(&[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            cbor(CborError::LengthExceedsInput)
        );
        assert_eq!(
            check(&[0x9a, 0xff, 0xff, 0xff, 0xff]),
            cbor(CborError::LengthExceedsInput)
        );
        assert_eq!(
            check(&[0xba, 0x7f, 0xff, 0xff, 0xff]),
            cbor(CborError::LengthExceedsInput)
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let mut deep = alloc::vec![0x81u8; MAX_DEPTH + 1];
        deep.push(0x00);
        assert_eq!(check(&deep), Err(Limit::NestingDepth.into()));
        let ok = &deep[1..];
        assert_eq!(check(ok), Ok(()));
    }
}

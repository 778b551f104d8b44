//! Stages 2 and 3 of SPEC.md §4.1 without serde, for the structures read on every mail
//! (routing header, envelope, copies).
//!
//! A [`Reader`] borrows strings and byte strings from the input and checks each key and value
//! against the structure as it goes: an unknown, missing or duplicate key, a value of the
//! wrong major type, a byte string of the wrong length or an integer beyond its field's width
//! is *schema*. Keys out of order are only noted, and reported (*not canonical*) once the
//! whole input has the structure. A structure this reader accepts re-encodes to exactly its
//! input: these are the checks the reference reader makes by re-encoding and comparing.
//!
//! The reader also holds every head it reads to the walk's rules (shortest form, no
//! indefinite length, no reserved value; text strings UTF-8; declared lengths within the
//! input), so input it accepts is input the [`canonical`](super::canonical) walk accepts,
//! and valid input is read in one pass. When it refuses, [`decode`] runs the walk, whose
//! error, if any, comes first: every input gets the error of the first stage that fails, as
//! SPEC.md §4.1 orders them.

use alloc::vec::Vec;

use super::canonical;
use crate::error::{CborError, Error, Limit, Malformed};

/// The byte of `null`.
pub(crate) const NULL: u8 = 0xf6;
/// The bytes of `false` and `true`.
const FALSE: u8 = 0xf4;
const TRUE: u8 = 0xf5;

/// A failure of the reader: the walk's error if the walk finds one, else *schema*.
#[derive(Debug)]
pub(crate) struct Schema;

impl From<Schema> for Error {
    fn from(_: Schema) -> Error {
        Malformed::Cbor(CborError::Schema).into()
    }
}

/// Decodes `bytes` with `read` in the three stages of SPEC.md §4.1: the length against
/// `max_len` (`limit`), the canonical walk, then the structure, whose keys out of order are
/// reported last. The walk runs only when the reader refuses the input (see the module
/// documentation).
pub(crate) fn decode<'a, T>(
    bytes: &'a [u8],
    max_len: usize,
    limit: Limit,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, Schema>,
) -> Result<T, Error> {
    if bytes.len() > max_len {
        return Err(limit.into());
    }
    let mut reader = Reader {
        input: bytes,
        pos: 0,
        disordered: false,
    };
    match read(&mut reader) {
        Ok(value) if reader.pos == bytes.len() => {
            if reader.disordered {
                return Err(Malformed::Cbor(CborError::NotCanonical).into());
            }
            Ok(value)
        }
        // Stage 2 first: a reader that refused, or stopped short of the end, may have met
        // what the walk names (a non-minimal head, trailing bytes, invalid UTF-8, ...).
        _ => {
            canonical::check(bytes)?;
            Err(Schema.into())
        }
    }
}

/// Puts a field's value in its slot (a map's keys are checked distinct before).
pub(crate) fn put<T>(slot: &mut Option<T>, value: T) -> Result<(), Schema> {
    *slot = Some(value);
    Ok(())
}

/// A cursor over the input. Every method reads one item or fails with [`Schema`]; none
/// panics, whatever the input.
pub(crate) struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    /// Some map had its keys out of canonical order.
    disordered: bool,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Schema> {
        let end = self.pos.checked_add(n).ok_or(Schema)?;
        let bytes = self.input.get(self.pos..end).ok_or(Schema)?;
        self.pos = end;
        Ok(bytes)
    }

    /// The head of the next item: its major type and argument, in the shortest form.
    fn head(&mut self) -> Result<(u8, u64), Schema> {
        let initial = *self.take(1)?.first().ok_or(Schema)?;
        let (extra, min) = match initial & 0x1f {
            info @ 0..=23 => return Ok((initial >> 5, u64::from(info))),
            24 => (1, 24),
            25 => (2, 0x100),
            26 => (4, 0x1_0000),
            27 => (8, 0x1_0000_0000),
            _ => return Err(Schema),
        };
        let arg = self
            .take(extra)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        if arg < min {
            return Err(Schema);
        }
        Ok((initial >> 5, arg))
    }

    /// The argument of an item of major type `major`.
    fn expect(&mut self, major: u8) -> Result<u64, Schema> {
        match self.head()? {
            (m, arg) if m == major => Ok(arg),
            _ => Err(Schema),
        }
    }

    fn length(&mut self, major: u8) -> Result<usize, Schema> {
        usize::try_from(self.expect(major)?).map_err(|_| Schema)
    }

    /// An unsigned integer (major type 0).
    pub(crate) fn uint(&mut self) -> Result<u64, Schema> {
        self.expect(0)
    }

    /// An unsigned integer of a field narrower than 64 bits.
    pub(crate) fn uint_of<T: TryFrom<u64>>(&mut self) -> Result<T, Schema> {
        T::try_from(self.uint()?).map_err(|_| Schema)
    }

    /// A byte string (major type 2), borrowed.
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], Schema> {
        let n = self.length(2)?;
        self.take(n)
    }

    /// A byte string of exactly `N` bytes.
    pub(crate) fn fixed<const N: usize>(&mut self) -> Result<[u8; N], Schema> {
        self.bytes()?.try_into().map_err(|_| Schema)
    }

    /// A text string (major type 3), borrowed.
    pub(crate) fn text(&mut self) -> Result<&'a str, Schema> {
        core::str::from_utf8(self.text_bytes()?).map_err(|_| Schema)
    }

    /// A text string's bytes, not checked to be UTF-8.
    fn text_bytes(&mut self) -> Result<&'a [u8], Schema> {
        let n = self.length(3)?;
        self.take(n)
    }

    /// `false` or `true`.
    pub(crate) fn boolean(&mut self) -> Result<bool, Schema> {
        match *self.take(1)?.first().ok_or(Schema)? {
            FALSE => Ok(false),
            TRUE => Ok(true),
            _ => Err(Schema),
        }
    }

    /// `null` (for `None`), or a value `read` reads.
    pub(crate) fn nullable<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, Schema>,
    ) -> Result<Option<T>, Schema> {
        if self.input.get(self.pos) == Some(&NULL) {
            self.take(1)?;
            return Ok(None);
        }
        read(self).map(Some)
    }

    /// Consumes `expected` if the input goes on with exactly these bytes.
    pub(crate) fn literal(&mut self, expected: &[u8]) -> bool {
        let end = self.pos.saturating_add(expected.len());
        let found = self.input.get(self.pos..end) == Some(expected);
        if found {
            self.pos = end;
        }
        found
    }

    /// What `read` reads, or `None` with the reader back where it was: a fast path for a
    /// structure's canonical spelling, with the general reader behind it for the rest.
    pub(crate) fn attempt<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, Schema>,
    ) -> Option<T> {
        let (pos, disordered) = (self.pos, self.disordered);
        let value = read(self).ok();
        if value.is_none() {
            (self.pos, self.disordered) = (pos, disordered);
        }
        value
    }

    /// The value `read` reads, with the item's exact bytes (its head included).
    pub(crate) fn with_bytes<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, Schema>,
    ) -> Result<(T, &'a [u8]), Schema> {
        let start = self.pos;
        let value = read(self)?;
        let bytes = self.input.get(start..self.pos).ok_or(Schema)?;
        Ok((value, bytes))
    }

    /// An array whose elements `read` reads, keeping at most `keep` of them: the rest are
    /// read (so that a schema error anywhere is still found first) and dropped, so a count
    /// beyond its limit, refused after decoding, is never allocated for.
    pub(crate) fn array<T>(
        &mut self,
        keep: usize,
        mut read: impl FnMut(&mut Self) -> Result<T, Schema>,
    ) -> Result<Vec<T>, Schema> {
        let n = self.length(4)?;
        // Each element takes at least one byte: a longer count is refused before allocating.
        if n > self.input.len().saturating_sub(self.pos) {
            return Err(Schema);
        }
        let mut out = Vec::with_capacity(n.min(keep));
        for _ in 0..n {
            let value = read(self)?;
            if out.len() < keep {
                out.push(value);
            }
        }
        Ok(out)
    }

    /// A map with exactly the text keys `keys`, listed in canonical order (SPEC.md §4.1:
    /// shorter first, then bytewise). `field` reads the value of each key as it comes, given
    /// the key. Unknown, duplicate or missing keys are schema errors; keys out of order are
    /// noted for [`decode`] to report.
    pub(crate) fn map(
        &mut self,
        keys: &[&str],
        mut field: impl FnMut(&mut Self, &str) -> Result<(), Schema>,
    ) -> Result<(), Schema> {
        // As many pairs as keys, none unknown and none twice: then none is missing.
        if self.length(5)? != keys.len() {
            return Err(Schema);
        }
        let mut seen = 0u32;
        let mut previous = None;
        for expected in 0..keys.len() {
            // Compared as bytes: a key that is no text of `keys` is schema, valid UTF-8 or not
            // (the walk then says which). Canonical input has the keys in order: the key
            // expected at this place is tried first.
            let key = self.text_bytes()?;
            let index = match keys.get(expected) {
                Some(k) if same(k.as_bytes(), key) => expected,
                _ => keys
                    .iter()
                    .position(|k| same(k.as_bytes(), key))
                    .ok_or(Schema)?,
            };
            let name = *keys.get(index).ok_or(Schema)?;
            let bit = u32::try_from(index)
                .ok()
                .and_then(|i| 1u32.checked_shl(i))
                .ok_or(Schema)?;
            if seen & bit != 0 {
                return Err(Schema);
            }
            seen |= bit;
            if previous.is_some_and(|p| p > index) {
                self.disordered = true;
            }
            previous = Some(index);
            field(self, name)?;
        }
        Ok(())
    }
}

/// Byte equality of short keys, without a call to `memcmp`.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// `{a: uint, b: bstr .size 2, cc: text or null}`.
    fn read_abc<'a>(r: &mut Reader<'a>) -> Result<(u64, [u8; 2], Option<&'a str>), Schema> {
        let (mut a, mut b, mut cc) = (None, None, None);
        r.map(&["a", "b", "cc"], |r, key| match key {
            "a" => put(&mut a, r.uint()?),
            "b" => put(&mut b, r.fixed()?),
            "cc" => put(&mut cc, r.nullable(Reader::text)?),
            _ => Err(Schema),
        })?;
        Ok((a.ok_or(Schema)?, b.ok_or(Schema)?, cc.ok_or(Schema)?))
    }

    fn abc(bytes: &[u8]) -> Result<(u64, [u8; 2], Option<&str>), Error> {
        decode(bytes, 64, Limit::EnvelopeSize, read_abc)
    }

    const SCHEMA: Error = Error::Malformed(Malformed::Cbor(CborError::Schema));
    const NOT_CANONICAL: Error = Error::Malformed(Malformed::Cbor(CborError::NotCanonical));

    #[test]
    fn reads_the_structure_and_refuses_every_other_shape() {
        // {"a": 1, "b": h'0102', "cc": "x"}
        let ok = [
            0xa3, 0x61, b'a', 0x01, 0x61, b'b', 0x42, 1, 2, 0x62, b'c', b'c', 0x61, b'x',
        ];
        assert_eq!(abc(&ok), Ok((1, [1, 2], Some("x"))));
        let mut null = ok[..12].to_vec();
        null.push(NULL);
        assert_eq!(abc(&null), Ok((1, [1, 2], None)));

        let edit = |at: usize, with: &[u8], drop: usize| {
            let mut v = ok.to_vec();
            v.splice(at..at + drop, with.iter().copied());
            v
        };
        let missing = [&[0xa2][..], &ok[1..9]].concat();
        for bad in [
            missing,                      // a key missing (two pairs)
            edit(2, b"d", 1),             // an unknown key
            edit(5, b"a", 1),             // a duplicate key
            edit(3, &[0x20], 1),          // a negative integer
            edit(3, &[0x41, 1], 1),       // bytes for an integer
            edit(6, &[0x43, 1, 2, 3], 3), // a byte string of the wrong length
            edit(6, &[0x82], 1),          // an array for bytes
            edit(12, &[0x41], 1),         // bytes for text
            edit(1, &[0x41, b'a'], 2),    // a byte-string key
            edit(12, &[0xf5], 2),         // true for text or null
        ] {
            assert_eq!(abc(&bad), Err(SCHEMA), "{bad:02x?}");
        }
        // Every schema error at all is found before keys out of order are reported.
        let swapped = [
            0xa3, 0x61, b'b', 0x42, 1, 2, 0x61, b'a', 0x01, 0x62, b'c', b'c', 0x61, b'x',
        ];
        assert_eq!(abc(&swapped), Err(NOT_CANONICAL));
        let swapped_and_wrong = [
            0xa3, 0x61, b'b', 0x42, 1, 2, 0x61, b'a', 0x01, 0x62, b'c', b'c', 0x41, b'x',
        ];
        assert_eq!(abc(&swapped_and_wrong), Err(SCHEMA));
        assert_eq!(abc(&[0u8; 65]), Err(Limit::EnvelopeSize.into()));
    }

    #[test]
    fn the_walks_errors_come_before_the_structures() {
        fn cbor<T>(e: CborError) -> Result<T, Error> {
            Err(Error::Malformed(Malformed::Cbor(e)))
        }
        // An unknown key first, a non-minimal head after it: stage 2 is reported.
        let unknown_then_non_minimal = [
            0xa3, 0x61, b'z', 0x01, 0x61, b'b', 0x42, 1, 2, 0x62, b'c', b'c', 0x78, 0x01, b'x',
        ];
        assert_eq!(abc(&unknown_then_non_minimal), cbor(CborError::NonMinimal));
        // Keys out of order, then trailing bytes.
        let swapped_then_trailing = [
            0xa3, 0x61, b'b', 0x42, 1, 2, 0x61, b'a', 0x01, 0x62, b'c', b'c', 0x61, b'x', 0x00,
        ];
        assert_eq!(abc(&swapped_then_trailing), cbor(CborError::TrailingBytes));
        // A key that is not UTF-8, and an array longer than the input.
        let bad_key = [0xa1, 0x61, 0xff, 0x01];
        assert_eq!(abc(&bad_key), cbor(CborError::InvalidUtf8));
        let read = |r: &mut Reader<'_>| r.array(2, Reader::uint);
        assert_eq!(
            decode(
                &[0x9a, 0xff, 0xff, 0xff, 0xff],
                64,
                Limit::EnvelopeSize,
                read
            ),
            cbor(CborError::LengthExceedsInput)
        );
        // Nesting past the limit, where the structure wanted an integer.
        let mut deep = vec![0xa1, 0x61, b'a'];
        deep.extend([0x81; 9]);
        deep.push(0);
        let read = |r: &mut Reader<'_>| {
            let mut a = None;
            r.map(&["a"], |r, _| put(&mut a, r.uint()?))?;
            a.ok_or(Schema)
        };
        assert_eq!(
            decode(&deep, 64, Limit::EnvelopeSize, read),
            Err(Limit::NestingDepth.into())
        );
    }

    #[test]
    fn arrays_keep_at_most_what_they_are_told() {
        let read = |r: &mut Reader<'_>| r.array(2, Reader::uint);
        assert_eq!(
            decode(&[0x84, 1, 2, 3, 4], 64, Limit::EnvelopeSize, read),
            Ok(vec![1, 2])
        );
        // A schema error past what is kept is still found.
        assert_eq!(
            decode(&[0x84, 1, 2, 3, 0x40], 64, Limit::EnvelopeSize, read),
            Err(SCHEMA)
        );
    }
}

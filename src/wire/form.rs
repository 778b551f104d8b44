//! Text forms of public values (SPEC.md §5.6): hexadecimal for ids and hashes, a prefix and
//! unpadded base64url for public-key records. Each is read strictly: one spelling per value
//! (upper-case hexadecimal aside, which is read as well).

use alloc::string::String;
use alloc::vec::Vec;

use base64ct::{Base64UrlUnpadded, Encoding};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

use crate::error::{Error, Field, Limit, Malformed};

/// The error of every text-form syntax check.
pub(crate) fn bad_text() -> Error {
    Malformed::Field(Field::TextForm).into()
}

/// Unpadded base64url (RFC 4648 §5) of `bytes`.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// SPEC.md §5.6: `prefix || base64url(bytes)`, read back. The prefix must match exactly; the
/// rest must be canonical unpadded base64url (no `=`, no whitespace, unused bits zero) of at
/// most `max_len` bytes, a length checked before anything is decoded.
pub(crate) fn from_prefixed_base64url(
    text: &str,
    prefix: &str,
    max_len: usize,
    limit: Limit,
) -> Result<Vec<u8>, Error> {
    let body = text.strip_prefix(prefix).ok_or_else(bad_text)?;
    // Unpadded base64url spends ceil(4n / 3) characters on n bytes.
    let longest = max_len.saturating_mul(4).div_ceil(3);
    if body.len() > longest {
        return Err(limit.into());
    }
    let bytes = Base64UrlUnpadded::decode_vec(body).map_err(|_| bad_text())?;
    // One spelling per value: a decoder may tolerate non-zero unused bits; re-encoding shows them.
    if base64url(&bytes) != body {
        return Err(bad_text());
    }
    Ok(bytes)
}

/// `N` bytes from exactly `2N` hexadecimal digits (either case).
pub(crate) fn from_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != N.checked_mul(2)? {
        return None;
    }
    let nibble = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let (hi, lo) = match pair {
            [h, l] => (nibble(*h)?, nibble(*l)?),
            _ => return None,
        };
        *byte = (hi << 4) | lo;
    }
    Some(out)
}

/// A decimal sequence number as SPEC.md §5.6 writes it: digits only, no sign, no leading
/// zero (other than "0" itself), at most `u64::MAX`.
pub(crate) fn from_decimal(text: &str) -> Option<u64> {
    let digits = text.as_bytes();
    let canonical = match digits {
        [] => false,
        [b'0', _, ..] => false,
        _ => digits.iter().all(u8::is_ascii_digit),
    };
    // `u64::from_str` alone would also take a leading `+`.
    canonical.then(|| text.parse().ok()).flatten()
}

/// Serializes a value with a text form as that text.
pub(crate) fn serialize_text<S: Serializer>(
    value: &impl core::fmt::Display,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_str(value)
}

/// Deserializes a value from its text form.
pub(crate) fn deserialize_text<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: core::str::FromStr<Err = Error>,
{
    let text = String::deserialize(d)?;
    text.parse().map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_reads_only_the_canonical_spelling() {
        let ok = |t: &str| from_prefixed_base64url(t, "p:", 8, Limit::PublicRecordSize);
        assert_eq!(ok("p:AAEC").unwrap(), [0, 1, 2]);
        assert_eq!(ok("p:_-8").unwrap(), [0xff, 0xef]);
        assert_eq!(ok("p:").unwrap(), [] as [u8; 0]);
        // Unused bits set: `AB` and `AA` both decode to one zero byte in a lenient decoder.
        assert_eq!(ok("p:AB"), Err(bad_text()));
        assert_eq!(ok("p:AA==").err(), Some(bad_text()));
        assert_eq!(ok("p:AA A").err(), Some(bad_text()));
        assert_eq!(ok("p:+/8").err(), Some(bad_text()));
        assert_eq!(ok("q:AAEC").err(), Some(bad_text()));
        assert_eq!(ok("P:AAEC").err(), Some(bad_text()));
        // 8 bytes take 11 characters; 12 is refused before decoding.
        assert_eq!(ok("p:AAAAAAAAAAA").unwrap(), [0; 8]);
        assert_eq!(
            ok("p:AAAAAAAAAAAA").err(),
            Some(Limit::PublicRecordSize.into())
        );
    }

    #[test]
    fn hex_and_decimal_are_strict() {
        assert_eq!(from_hex::<2>("0aFf"), Some([0x0a, 0xff]));
        assert_eq!(from_hex::<2>("0aF"), None);
        assert_eq!(from_hex::<2>("0aFg"), None);
        assert_eq!(from_hex::<2>("+aFf"), None);
        assert_eq!(from_decimal("0"), Some(0));
        assert_eq!(from_decimal("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "01", "+1", "-1", "1 ", "18446744073709551616", "1_0"] {
            assert_eq!(from_decimal(bad), None, "{bad:?}");
        }
    }
}

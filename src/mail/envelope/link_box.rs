//! The link box's key and the fragment that carries it (SPEC.md §10.3): the secret half of
//! access-restricted mail, which the sealer and the reader share.

use alloc::string::String;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Malformed};
use crate::keys::hkdf32;
use crate::piece::PieceKey;
use crate::suite::Suite;

/// The fragment prefix: names the format version.
const FRAGMENT_PREFIX: &str = "ms1";
/// Hex digits in a fragment after the prefix: link key then link digest.
const FRAGMENT_HEX_LEN: usize = 128;

/// The link key. Secret: no `Debug`, no `Clone`; wiped on drop.
pub struct LinkKey([u8; 32]);

impl LinkKey {
    /// A fresh key.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        let mut k = [0u8; 32];
        rng.fill_bytes(&mut k);
        LinkKey(k)
    }

    /// SPEC.md §10.3: `HKDF-SHA256(salt = "mailseal v1 link box", IKM = link_key,
    /// info = suite_id || link_digest, 32)`, the piece key of the link box.
    pub(crate) fn box_key(&self, suite: Suite, pinned: &[u8; 32]) -> PieceKey {
        let k = hkdf32(
            b"mailseal v1 link box",
            &self.0,
            &[&suite.id_bytes(), pinned],
        );
        PieceKey::from_bytes(*k)
    }
}

impl Zeroize for LinkKey {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}
impl Drop for LinkKey {
    fn drop(&mut self) {
        self.zeroize();
    }
}

#[cfg(test)]
impl LinkKey {
    pub(crate) fn from_bytes_for_test(b: [u8; 32]) -> Self {
        LinkKey(b)
    }
    pub(crate) fn bytes_for_test(&self) -> &[u8; 32] {
        &self.0
    }
}
impl ZeroizeOnDrop for LinkKey {}

/// The fragment text: `"ms1"` then 128 lowercase hex digits of `link_key || link_digest`.
/// Secret (it opens the mail): wiped on drop.
pub struct LinkFragment(String);

impl LinkFragment {
    pub(crate) fn new(key: &LinkKey, pinned: &[u8; 32]) -> Self {
        let mut s = String::with_capacity(FRAGMENT_PREFIX.len().saturating_add(FRAGMENT_HEX_LEN));
        s.push_str(FRAGMENT_PREFIX);
        for b in key.0.iter().chain(pinned) {
            s.push(hex_digit(b >> 4));
            s.push(hex_digit(b & 0x0f));
        }
        LinkFragment(s)
    }

    /// The text to put after `#` in the link.
    pub fn expose_text(&self) -> &str {
        &self.0
    }
}

impl Drop for LinkFragment {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

fn hex_digit(v: u8) -> char {
    let digits = b"0123456789abcdef";
    char::from(digits.get(usize::from(v & 0x0f)).copied().unwrap_or(b'0'))
}

pub(crate) fn parse_fragment(text: &str) -> Result<(LinkKey, [u8; 32]), Error> {
    let bad = || Error::from(Malformed::LinkFragment);
    let hex = text.strip_prefix(FRAGMENT_PREFIX).ok_or_else(bad)?;
    if hex.len() != FRAGMENT_HEX_LEN {
        return Err(bad());
    }
    let mut bytes = Zeroizing::new([0u8; 64]);
    for (i, pair) in hex.as_bytes().chunks_exact(2).enumerate() {
        let nibble = |c: u8| match c {
            b'0'..=b'9' => c.checked_sub(b'0'),
            b'a'..=b'f' => c.checked_sub(b'a' - 10),
            _ => None,
        };
        let (hi, lo) = match pair {
            [h, l] => (nibble(*h).ok_or_else(bad)?, nibble(*l).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        *bytes.get_mut(i).ok_or_else(bad)? = (hi << 4) | lo;
    }
    // Filled in place: a key built in a local array and moved would leave a copy behind.
    let mut key = LinkKey([0u8; 32]);
    let mut pinned = [0u8; 32];
    key.0.copy_from_slice(bytes.get(..32).ok_or_else(bad)?);
    pinned.copy_from_slice(bytes.get(32..).ok_or_else(bad)?);
    Ok((key, pinned))
}

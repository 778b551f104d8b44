//! Access-restricted external mail: a link box whose key travels only in a URL fragment
//! (SPEC.md §10.3).
//!
//! The sender adds a box for a fresh 32-byte link key and sends the external recipient a link
//! whose fragment holds that key and the digest of the mail it opens. The server stores and
//! serves the [`LinkCopy`] but never sees the fragment (browsers do
//! not send it), so it keeps only ciphertext. The reader's browser calls [`open_link_copy`].

use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{AuthFailure, Error, Field, Malformed};
use crate::keys::hkdf32;
use crate::mail::envelope::digest::{header_hash, link_digest};
use crate::mail::envelope::manifest::Manifest;
use crate::mail::envelope::{LinkCopy, Origin, RoutingHeader};
use crate::mail::open::{OpenedMail, SenderStatus};
use crate::piece::{self, PieceKey, Purpose};
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

fn parse_fragment(text: &str) -> Result<(LinkKey, [u8; 32]), Error> {
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
    let mut key = [0u8; 32];
    let mut pinned = [0u8; 32];
    key.copy_from_slice(bytes.get(..32).ok_or_else(bad)?);
    pinned.copy_from_slice(bytes.get(32..).ok_or_else(bad)?);
    Ok((LinkKey(key), pinned))
}

/// Opens access-restricted mail in the reader's browser (SPEC.md §10.3).
///
/// Checks, in order: strict parse of the link copy and its header; the header carries an
/// expiry and `now` (the caller's clock, seconds) is not past it (**authentication: link
/// expired**); the fragment parses; the copy's link digest equals the fragment's (the server
/// served the mail the sender linked); the link box opens; the manifest opens with the digest
/// the header hash pins. The result is never E2E: the sender status is
/// [`SenderStatus::Unsigned`] as far as the reader can tell (it has no key directory).
pub fn open_link_copy(copy: &[u8], fragment: &str, now: u64) -> Result<OpenedMail, Error> {
    let copy = LinkCopy::parse(copy)?;
    let (header, suite) = RoutingHeader::parse(&copy.header.0)?;
    let expiry = header.expiry.ok_or(Malformed::Field(Field::Expiry))?;
    if header.origin() != Origin::SenderDevice {
        return Err(Malformed::Field(Field::Origin).into());
    }
    if now > expiry {
        return Err(AuthFailure::LinkExpired.into());
    }
    let (key, pinned) = parse_fragment(fragment)?;
    let manifest_digest = piece::digest(suite, Purpose::Manifest, &copy.manifest.0)?;
    let actual = link_digest(
        &header_hash(&copy.header.0),
        &manifest_digest,
        &copy.bcc_commitment.0,
    );
    if !bool::from(actual.ct_eq(&pinned)) {
        return Err(AuthFailure::LinkDigest.into());
    }
    let box_key = key.box_key(suite, &pinned);
    let mk: Zeroizing<Vec<u8>> = Zeroizing::new(
        piece::open(suite, Purpose::LinkBox, &box_key, &copy.link_box.0)
            .map_err(|_| AuthFailure::RecipientBox)?
            .plaintext,
    );
    let mut mk_bytes = Zeroizing::new([0u8; 32]);
    if mk.len() != mk_bytes.len() {
        return Err(Malformed::BoxPlaintext.into());
    }
    mk_bytes.copy_from_slice(&mk);
    let message_key = PieceKey::from_bytes(*mk_bytes);
    let manifest = Manifest::open(suite, &message_key, &copy.manifest.0, &manifest_digest)?;
    if manifest.pieces.len() != header.piece_sizes.len() {
        return Err(Malformed::ManifestMismatch.into());
    }
    Ok(OpenedMail::from_parts(
        header,
        suite,
        crate::mail::envelope::RecipientKind::Link,
        SenderStatus::Unsigned,
        manifest,
        None,
        None,
    ))
}

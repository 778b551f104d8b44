//! The plaintext inside a recipient box: a fixed 451-byte layout (SPEC.md §6.4).
//!
//! Fixed size on purpose: every box of a suite has the same length, so box sizes say nothing
//! about the recipient's place in the tree or about the other recipients.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::tree::{TREE_DEPTH, TREE_SLOTS};
use crate::error::{Error, Malformed};

/// `kind` byte of a box signed by the sender's device.
pub(crate) const KIND_SIGNED: u8 = 0x01;
/// `kind` byte of a server-sealed box: no salt, path or signature (all zero).
pub(crate) const KIND_UNSIGNED: u8 = 0x02;
/// Bytes of the box plaintext.
pub const BOX_PLAINTEXT_LEN: usize = 1 + 32 + 32 + 2 + 32 * TREE_DEPTH + 64;

/// ```text
/// kind (1) || message_key (32) || salt (32) || u16be(position) || path (10 × 32) || signature (64)
/// ```
/// with kind `0x01` (signed) or `0x02` (unsigned: every field after the message key zero).
/// Holds the message key: no `Debug`, no `Clone`, wiped on drop.
pub(crate) struct BoxPlaintext {
    pub(crate) signed: bool,
    pub(crate) message_key: [u8; 32],
    pub(crate) salt: [u8; 32],
    pub(crate) position: usize,
    pub(crate) path: [[u8; 32]; TREE_DEPTH],
    pub(crate) signature: [u8; 64],
}

impl BoxPlaintext {
    pub(crate) fn encode(&self) -> zeroize::Zeroizing<alloc::vec::Vec<u8>> {
        let mut out = zeroize::Zeroizing::new(alloc::vec::Vec::with_capacity(BOX_PLAINTEXT_LEN));
        out.push(if self.signed {
            KIND_SIGNED
        } else {
            KIND_UNSIGNED
        });
        out.extend_from_slice(&self.message_key);
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&(self.position as u16).to_be_bytes());
        self.path.iter().for_each(|p| out.extend_from_slice(p));
        out.extend_from_slice(&self.signature);
        out
    }

    /// Parses the fixed layout; any other length, kind or a position past the tree is
    /// [`Malformed::BoxPlaintext`].
    pub(crate) fn decode(bytes: &[u8]) -> Result<BoxPlaintext, Error> {
        let bad = || Error::from(Malformed::BoxPlaintext);
        if bytes.len() != BOX_PLAINTEXT_LEN {
            return Err(bad());
        }
        let mut r = Reader(bytes);
        let signed = match r.array::<1>()? {
            [KIND_SIGNED] => true,
            [KIND_UNSIGNED] => false,
            _ => return Err(bad()),
        };
        // An unsigned box has one encoding: zeros after the message key. The bytes are
        // decrypted secrets: fold them without an early exit.
        if !signed {
            let rest = bytes.get(33..).unwrap_or_default();
            let nonzero = rest.iter().fold(0u8, |acc, b| acc | b);
            if !bool::from(nonzero.ct_eq(&0)) {
                return Err(bad());
            }
        }
        let message_key = r.array::<32>()?;
        let salt = r.array::<32>()?;
        let position = usize::from(u16::from_be_bytes(r.array::<2>()?));
        if position >= TREE_SLOTS {
            return Err(bad());
        }
        let mut path = [[0u8; 32]; TREE_DEPTH];
        for p in &mut path {
            *p = r.array::<32>()?;
        }
        let signature = r.array::<64>()?;
        Ok(BoxPlaintext {
            signed,
            message_key,
            salt,
            position,
            path,
            signature,
        })
    }
}

impl Drop for BoxPlaintext {
    fn drop(&mut self) {
        self.message_key.zeroize();
        self.salt.zeroize();
    }
}
impl ZeroizeOnDrop for BoxPlaintext {}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let (head, rest) = self.0.split_at_checked(N).ok_or(Malformed::BoxPlaintext)?;
        self.0 = rest;
        head.try_into().map_err(|_| Malformed::BoxPlaintext.into())
    }
}

impl BoxPlaintext {
    /// An unsigned (server-sealed) box plaintext.
    pub(crate) fn unsigned(message_key: [u8; 32]) -> Self {
        BoxPlaintext {
            signed: false,
            message_key,
            salt: [0; 32],
            position: 0,
            path: [[0; 32]; TREE_DEPTH],
            signature: [0; 64],
        }
    }
}

//! Checkpoints as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint) with
//! witness cosignatures (c2sp.org/tlog-cosignature), SPEC.md §14.2.
//!
//! A note is its text (non-empty lines, each ending in a newline), one empty line, and
//! signature lines `— <name> <base64(key id || signature)>`. A log signature signs the text;
//! a cosignature signs `"cosignature/v1\ntime <t>\n" || text` and carries `t` as a big-endian
//! u64 between the key id and the signature.

use alloc::string::String;
use alloc::vec::Vec;

use base64ct::{Base64, Encoding};
use sha2::{Digest, Sha256};

use super::TransparencyError;
use crate::error::Error;
use crate::keys::VerifyingKey;

/// Key-id algorithm byte of an Ed25519 note signer (c2sp.org/signed-note).
const ED25519_ALGORITHM: u8 = 0x01;
/// Key-id algorithm byte of a cosignature/v1 Ed25519 witness (c2sp.org/tlog-cosignature).
const COSIGNATURE_ALGORITHM: u8 = 0x04;
/// Longest note accepted.
pub const MAX_NOTE_LEN: usize = 16 * 1024;

/// `SHA-256(name || "\n" || algorithm || public key)[:4]`.
pub(crate) fn key_id(name: &str, algorithm: u8, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([algorithm]);
    h.update(key.to_bytes());
    let d = h.finalize();
    let mut id = [0u8; 4];
    id.copy_from_slice(d.get(..4).unwrap_or(&[0; 4]));
    id
}

/// The log's key id.
pub(crate) fn log_key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    key_id(name, ED25519_ALGORITHM, key)
}

/// A witness's key id.
pub(crate) fn witness_key_id(name: &str, key: &VerifyingKey) -> [u8; 4] {
    key_id(name, COSIGNATURE_ALGORITHM, key)
}

/// What a witness signs: `"cosignature/v1\ntime <t>\n" || text`.
pub(crate) fn cosigned_message(time: u64, text: &str) -> Vec<u8> {
    let mut m = alloc::format!("cosignature/v1\ntime {time}\n").into_bytes();
    m.extend_from_slice(text.as_bytes());
    m
}

/// One signature line.
pub(crate) struct SignatureLine {
    pub(crate) name: String,
    pub(crate) key_id: [u8; 4],
    /// The bytes after the key id: a 64-byte signature, or for a cosignature an 8-byte
    /// timestamp and the signature.
    pub(crate) rest: Vec<u8>,
}

/// A parsed note: its text (with the final newline) and its signature lines.
pub(crate) struct Note {
    pub(crate) text: String,
    pub(crate) signatures: Vec<SignatureLine>,
}

fn bad() -> Error {
    TransparencyError::Checkpoint.into()
}

impl Note {
    /// Splits a note strictly: UTF-8, at most [`MAX_NOTE_LEN`] bytes, no carriage return, a
    /// text of non-empty lines, one empty line, then one or more signature lines, each
    /// `"— " name " " base64` with a name free of spaces and a canonical standard base64.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Note, Error> {
        if bytes.len() > MAX_NOTE_LEN {
            return Err(bad());
        }
        let all = core::str::from_utf8(bytes).map_err(|_| bad())?;
        if all.contains('\r') || !all.ends_with('\n') {
            return Err(bad());
        }
        let (text, sigs) = all.split_once("\n\n").ok_or_else(bad)?;
        if text.is_empty() || text.split('\n').any(str::is_empty) {
            return Err(bad());
        }
        let mut text = String::from(text);
        text.push('\n');
        let lines: Vec<&str> = sigs
            .strip_suffix('\n')
            .ok_or_else(bad)?
            .split('\n')
            .collect();
        let signatures = lines
            .iter()
            .map(|line| {
                let rest = line.strip_prefix("\u{2014} ").ok_or_else(bad)?;
                let (name, b64) = rest.split_once(' ').ok_or_else(bad)?;
                if name.is_empty() || b64.contains(' ') {
                    return Err(bad());
                }
                let raw = Base64::decode_vec(b64).map_err(|_| bad())?;
                if Base64::encode_string(&raw) != b64 {
                    return Err(bad());
                }
                let (id, rest) = raw.split_at_checked(4).ok_or_else(bad)?;
                let mut key_id = [0u8; 4];
                key_id.copy_from_slice(id);
                Ok(SignatureLine {
                    name: String::from(name),
                    key_id,
                    rest: rest.to_vec(),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        if signatures.is_empty() {
            return Err(bad());
        }
        Ok(Note { text, signatures })
    }

    /// A signature line `— name base64(id || rest)`.
    #[cfg(any(test, feature = "transparency-log"))]
    pub(crate) fn line(name: &str, key_id: [u8; 4], rest: &[u8]) -> String {
        let mut raw = key_id.to_vec();
        raw.extend_from_slice(rest);
        alloc::format!("\u{2014} {name} {}\n", Base64::encode_string(&raw))
    }
}

//! The per-recipient digest and the HPKE context of a recipient box (SPEC.md §6.3).

use alloc::vec::Vec;

use super::{RecipientKind, VERSION};
use crate::keys::{DeviceId, UserId, VerifyingKey};
use crate::piece::PieceDigest;
use crate::suite::Suite;

/// Everything one recipient's digest binds.
pub(crate) struct DigestInput<'a> {
    pub(crate) suite: Suite,
    /// [`header_hash`] of the routing header's exact bytes.
    pub(crate) header_hash: &'a [u8; 32],
    pub(crate) sender_user: &'a UserId,
    pub(crate) sender_device: &'a DeviceId,
    pub(crate) sender_key: &'a VerifyingKey,
    pub(crate) recipient: RecipientEntry<'a>,
    pub(crate) manifest_digest: &'a PieceDigest,
    pub(crate) bcc_commitment: &'a [u8; 32],
}

/// One recipient as its box and the sender record name it.
#[derive(Clone, Copy)]
pub(crate) struct RecipientEntry<'a> {
    pub(crate) address: &'a str,
    pub(crate) user: &'a UserId,
    pub(crate) generation: u32,
    pub(crate) kind: RecipientKind,
    pub(crate) key_fingerprint: &'a [u8; 32],
}

/// SPEC.md §6.3:
/// ```text
/// d = BLAKE3-derive_key("mailseal v1 recipient digest",
///       u8(version) || suite_id || header_hash
///       || sender_user || sender_device || sender_verifying_key
///       || recipient_user || u32be(generation) || u8(kind) || u16be(len(address)) || address
///       || recipient_key_fingerprint || manifest_digest || bcc_commitment)
/// ```
pub(crate) fn recipient_digest(d: &DigestInput<'_>) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key("mailseal v1 recipient digest");
    h.update(&[VERSION as u8]);
    h.update(&d.suite.id_bytes());
    h.update(d.header_hash);
    h.update(d.sender_user.as_bytes());
    h.update(d.sender_device.as_bytes());
    h.update(&d.sender_key.to_bytes());
    let r = &d.recipient;
    h.update(r.user.as_bytes());
    h.update(&r.generation.to_be_bytes());
    h.update(&[r.kind.code()]);
    // Addresses are at most 320 bytes (checked before this is called), so they fit a u16.
    h.update(&(r.address.len() as u16).to_be_bytes());
    h.update(r.address.as_bytes());
    h.update(r.key_fingerprint);
    h.update(&d.manifest_digest.0);
    h.update(d.bcc_commitment);
    *h.finalize().as_bytes()
}

/// SPEC.md §6.3: `header_hash = BLAKE3-derive_key("mailseal v1 routing header", header)`,
/// computed once per mail so each recipient's digest costs the same whatever the header size.
pub(crate) fn header_hash(header: &[u8]) -> [u8; 32] {
    blake3::derive_key("mailseal v1 routing header", header)
}

/// SPEC.md §6.4: HPKE `info = "mailseal v1 recipient box" || suite_id`; the `aad` is the
/// recipient digest itself.
pub(crate) fn box_info(suite: Suite) -> Vec<u8> {
    let mut info = b"mailseal v1 recipient box".to_vec();
    info.extend_from_slice(&suite.id_bytes());
    info
}

/// SPEC.md §6.2: `BLAKE3-derive_key("mailseal v1 bcc commitment", bcc_key || suite_id || bcc)`.
pub(crate) fn bcc_commitment(suite: Suite, bcc_key: &[u8; 32], bcc: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key("mailseal v1 bcc commitment");
    h.update(bcc_key);
    h.update(&suite.id_bytes());
    h.update(bcc.as_bytes());
    *h.finalize().as_bytes()
}

//! The per-recipient digest and the HPKE context of a recipient box (SPEC.md §6.3).

use alloc::vec::Vec;

use super::{RecipientKind, VERSION};
use crate::identity::ChainTail;
use crate::keys::{DeviceId, UserId, VerifyingKey};
use crate::piece::PieceDigest;
use crate::suite::Suite;

/// The sender fields a digest binds: the signing user, device and key and the sender's chain
/// tail, or all zero for server-sealed (unsigned) mail.
#[derive(Clone, Copy)]
pub(crate) struct SenderBinding {
    pub(crate) user: [u8; 16],
    pub(crate) device: [u8; 16],
    pub(crate) key: [u8; 32],
    pub(crate) tail: Option<ChainTail>,
}

impl SenderBinding {
    pub(crate) const UNSIGNED: SenderBinding = SenderBinding {
        user: [0; 16],
        device: [0; 16],
        key: [0; 32],
        tail: None,
    };

    pub(crate) fn signed(
        user: &UserId,
        device: &DeviceId,
        key: &VerifyingKey,
        tail: ChainTail,
    ) -> Self {
        SenderBinding {
            user: *user.as_bytes(),
            device: *device.as_bytes(),
            key: key.to_bytes(),
            tail: Some(tail),
        }
    }
}

/// `u64be(q) || hash` of a chain tail; 40 zero bytes for none.
fn update_tail(h: &mut blake3::Hasher, tail: Option<&ChainTail>) {
    match tail {
        Some(t) => {
            h.update(&t.seq.to_be_bytes());
            h.update(&t.hash);
        }
        None => {
            h.update(&[0; 40]);
        }
    }
}

/// Everything one recipient's digest binds.
#[derive(Clone, Copy)]
pub(crate) struct DigestInput<'a> {
    pub(crate) suite: Suite,
    /// [`header_hash`] of the routing header's exact bytes.
    pub(crate) header_hash: &'a [u8; 32],
    pub(crate) sender: SenderBinding,
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
    /// The recipient's chain tail the sender sealed against.
    pub(crate) tail: Option<&'a ChainTail>,
}

/// SPEC.md §6.3:
/// ```text
/// d = BLAKE3-derive_key("mailseal v1 recipient digest",
///       u8(version) || suite_id || header_hash
///       || sender_user || sender_device || sender_verifying_key || sender_tail   (zeros when unsigned)
///       || recipient_user || u32be(generation) || u8(kind) || u16be(len(address)) || address
///       || recipient_key_fingerprint || recipient_tail || manifest_digest || bcc_commitment)
/// tail = u64be(q) || hash, or 40 zero bytes when there is none
/// ```
pub(crate) fn recipient_digest(d: &DigestInput<'_>) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key("mailseal v1 recipient digest");
    h.update(&[VERSION as u8]);
    h.update(&d.suite.id_bytes());
    h.update(d.header_hash);
    h.update(&d.sender.user);
    h.update(&d.sender.device);
    h.update(&d.sender.key);
    update_tail(&mut h, d.sender.tail.as_ref());
    let r = &d.recipient;
    h.update(r.user.as_bytes());
    h.update(&r.generation.to_be_bytes());
    h.update(&[r.kind.code()]);
    // Addresses are at most 320 bytes (checked before this is called), so they fit a u16.
    h.update(&(r.address.len() as u16).to_be_bytes());
    h.update(r.address.as_bytes());
    h.update(r.key_fingerprint);
    update_tail(&mut h, r.tail);
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

/// SPEC.md §10.3: `BLAKE3-derive_key("mailseal v1 link digest", header_hash || manifest_digest
/// || bcc_commitment)`, the value a link fragment pins.
pub(crate) fn link_digest(
    header_hash: &[u8; 32],
    manifest_digest: &PieceDigest,
    bcc_commitment: &[u8; 32],
) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key("mailseal v1 link digest");
    h.update(header_hash);
    h.update(&manifest_digest.0);
    h.update(bcc_commitment);
    *h.finalize().as_bytes()
}

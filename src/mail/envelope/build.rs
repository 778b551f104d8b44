//! Assembles an envelope from its parts: the one builder behind device sealing
//! ([`crate::mail::seal`]) and server sealing ([`crate::mail::server`]) (SPEC.md §6.8, §10).

use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use super::RecipientKey;
use super::digest::{
    DigestInput, RecipientEntry, SenderBinding, bcc_commitment, box_info, header_hash, link_digest,
    recipient_digest,
};
use super::link_box::LinkKey;
use super::manifest::{Manifest, PieceEntry};
use super::recipient_box::BoxPlaintext;
use super::sender_record::{RecordEntry, SenderRecord};
use super::tree::{self, TREE_SLOTS, Tree};
use super::{
    Envelope, MAX_BCC_LEN, MAX_HEADER_LEN, MAX_RECIPIENTS, RecipientKind, RoutingHeader, WireBox,
};
use crate::error::{Error, Limit};
use crate::keys::kem;
use crate::keys::{DeviceSecret, PukSecret};
use crate::piece::{self, PieceKey, Purpose};
use crate::suite::Suite;
use crate::wire::{Bytes, Fixed};

/// Everything an envelope is made of. Recipients are already checked (kinds, suite, no
/// duplicates); `header` is complete.
pub(crate) struct Parts<'a> {
    pub(crate) suite: Suite,
    pub(crate) header: RoutingHeader,
    /// The signing device, for device-sealed mail; `None` for server-sealed mail.
    pub(crate) signer: Option<&'a DeviceSecret>,
    /// The sender's PUK, whose symmetric key seals the sender's own box (device-sealed mail).
    pub(crate) sender_puk: Option<&'a PukSecret>,
    pub(crate) recipients: Vec<(RecipientKind, RecipientKey)>,
    pub(crate) pieces: Vec<PieceEntry>,
    pub(crate) e2e: bool,
    pub(crate) bcc_text: String,
    pub(crate) link: Option<&'a LinkKey>,
    /// Where to record intermediate values (SPEC.md appendix A), when asked.
    pub(crate) trace: Option<&'a mut Vec<(String, Vec<u8>)>>,
}

/// Records named intermediate values when tracing is on; does nothing otherwise.
struct Tracer<'a>(Option<&'a mut Vec<(String, Vec<u8>)>>);

impl Tracer<'_> {
    fn note(&mut self, name: impl FnOnce() -> String, bytes: &[u8]) {
        if let Some(t) = self.0.as_mut() {
            t.push((name(), bytes.to_vec()));
        }
    }
}

/// Seals the parts into an encoded envelope (SPEC.md §6.8 steps 3–9); also returns the link
/// digest when a link box was added.
pub(crate) fn build(
    parts: Parts<'_>,
    rng: &mut impl CryptoRng,
) -> Result<(Vec<u8>, Option<[u8; 32]>), Error> {
    let suite = parts.suite;
    if parts.recipients.len() > MAX_RECIPIENTS {
        return Err(Limit::Recipients.into());
    }
    if parts.bcc_text.len() > MAX_BCC_LEN {
        return Err(Limit::BccSize.into());
    }
    let mut trace = Tracer(parts.trace);
    let header = parts.header.encode();
    // §6.8 step 3: a header past its limit is refused before anything is drawn for the
    // envelope (every reader would refuse it). Checked on the one encoding the mail uses.
    if header.len() > MAX_HEADER_LEN {
        return Err(Limit::HeaderSize.into());
    }
    let header_digest = header_hash(&header);
    trace.note(|| "header".into(), &header);
    trace.note(|| "header_hash".into(), &header_digest);

    let message_key = PieceKey::generate(rng);
    let manifest = Manifest {
        e2e: parts.e2e,
        pieces: parts.pieces,
    }
    .seal(suite, &message_key, rng)?;
    trace.note(|| "message_key".into(), message_key.expose_secret());
    trace.note(|| "manifest_ciphertext".into(), &manifest.ciphertext);
    trace.note(|| "manifest_digest".into(), &manifest.digest.0);

    let mut bcc_key = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(bcc_key.as_mut_slice());
    let bcc_commit = bcc_commitment(suite, &bcc_key, &parts.bcc_text);
    trace.note(|| "bcc_key".into(), bcc_key.as_slice());
    trace.note(|| "bcc_commitment".into(), &bcc_commit);

    let sender = match parts.signer {
        Some(device) => match (&parts.header.sender.user, parts.header.sender.chain) {
            (Some(user), Some(tail)) => {
                SenderBinding::signed(user, &device.id(), &device.public().verifying_key, tail)
            }
            _ => return Err(crate::error::Malformed::Field(crate::error::Field::Origin).into()),
        },
        None => SenderBinding::UNSIGNED,
    };
    // SPEC.md §6.4: in device-signed mail every user's box binds that user's chain tail; the
    // server's box and server-sealed mail bind none.
    let tail_of = |kind: RecipientKind, r: &RecipientKey| match (parts.signer, kind) {
        (Some(_), RecipientKind::ServerAccess) | (None, _) => None,
        (Some(_), _) => r.tail,
    };
    if parts.signer.is_some()
        && parts
            .recipients
            .iter()
            .any(|(kind, r)| *kind != RecipientKind::ServerAccess && r.tail.is_none())
    {
        return Err(crate::error::Misuse::RecipientWithoutChain.into());
    }
    let digest_of = |kind: RecipientKind, r: &RecipientKey, fingerprint: &[u8; 32]| {
        let tail = tail_of(kind, r);
        recipient_digest(&DigestInput {
            suite,
            header_hash: &header_digest,
            sender,
            recipient: RecipientEntry {
                address: &r.address,
                user: &r.puk.user,
                generation: r.puk.generation,
                kind,
                key_fingerprint: fingerprint,
                tail: tail.as_ref(),
            },
            manifest_digest: &manifest.digest,
            bcc_commitment: &bcc_commit,
        })
    };
    let info = box_info(suite);
    let seal_box = |kind: RecipientKind,
                    r: &RecipientKey,
                    digest: &[u8; 32],
                    plaintext: &[u8],
                    rng: &mut _| {
        let sealed = match (kind, parts.sender_puk) {
            // SPEC.md §6.4: the sender's own box is symmetric, under its PUK's symmetric key.
            (RecipientKind::Sender, Some(puk)) => {
                let key = self_box_key(puk, digest);
                piece::seal(suite, Purpose::SelfBox, &key, rng, plaintext)
                    .map(|s| (Vec::new(), s.ciphertext))
            }
            _ => kem::seal(&r.puk.mail_key, &info, digest, plaintext, rng),
        };
        sealed.map(|(enc, ciphertext)| WireBox {
            address: r.address.clone(),
            ciphertext: Bytes(ciphertext),
            enc: Bytes(enc),
            generation: r.puk.generation,
            kind: kind.code(),
            tail: tail_of(kind, r),
            user: r.puk.user,
        })
    };

    let mut boxes = Vec::with_capacity(parts.recipients.len());
    let sender_record = match parts.signer {
        None => {
            for (i, (kind, r)) in parts.recipients.iter().enumerate() {
                let digest = digest_of(*kind, r, &r.puk.mail_key.fingerprint());
                let plaintext = BoxPlaintext::unsigned(*message_key.expose_secret()).encode();
                trace.note(|| alloc::format!("recipient[{i}].digest"), &digest);
                trace.note(|| alloc::format!("box[{i}].plaintext"), &plaintext);
                boxes.push(seal_box(*kind, r, &digest, &plaintext, rng)?);
            }
            None
        }
        Some(device) => {
            let mut tree_key = Zeroizing::new([0u8; 32]);
            rng.fill_bytes(tree_key.as_mut_slice());
            let positions = random_positions(parts.recipients.len(), rng);
            // Leaves: one salted digest per recipient user (SPEC.md §6.5).
            let mut entries = Vec::with_capacity(parts.recipients.len());
            for ((kind, r), position) in parts.recipients.iter().zip(positions) {
                let mut salt = [0u8; 32];
                rng.fill_bytes(&mut salt);
                let fingerprint = r.puk.mail_key.fingerprint();
                let digest = digest_of(*kind, r, &fingerprint);
                let i = entries.len();
                trace.note(
                    || alloc::format!("recipient[{i}].key_fingerprint"),
                    &fingerprint,
                );
                trace.note(|| alloc::format!("recipient[{i}].digest"), &digest);
                trace.note(
                    || alloc::format!("recipient[{i}].position"),
                    &(position as u16).to_be_bytes(),
                );
                trace.note(|| alloc::format!("recipient[{i}].salt"), &salt);
                trace.note(
                    || alloc::format!("recipient[{i}].leaf"),
                    &tree::leaf(&salt, &digest),
                );
                entries.push((position, salt, digest, fingerprint));
            }
            let tree = Tree::build(
                entries
                    .iter()
                    .map(|(p, s, d, _)| (*p, tree::leaf(s, d)))
                    .collect(),
                *tree_key,
            );
            let signed = tree::signed_message(suite, &tree.root());
            let signature = device.sign(&signed);
            trace.note(|| "tree_key".into(), tree_key.as_slice());
            trace.note(|| "tree_root".into(), &tree.root());
            trace.note(|| "signed_message".into(), &signed);
            trace.note(|| "signature".into(), &signature);
            for (i, ((kind, r), (position, salt, digest, _))) in
                parts.recipients.iter().zip(&entries).enumerate()
            {
                let plaintext = BoxPlaintext {
                    signed: true,
                    message_key: *message_key.expose_secret(),
                    salt: *salt,
                    position: *position,
                    path: tree.path(*position),
                    signature,
                }
                .encode();
                trace.note(|| alloc::format!("box[{i}].plaintext"), &plaintext);
                if let (RecipientKind::Sender, Some(puk)) = (kind, parts.sender_puk) {
                    trace.note(
                        || alloc::format!("box[{i}].self_key"),
                        self_box_key(puk, digest).expose_secret(),
                    );
                } else {
                    trace.note(|| alloc::format!("box[{i}].hpke_info"), &info);
                    trace.note(|| alloc::format!("box[{i}].hpke_aad"), digest);
                }
                let sealed = seal_box(*kind, r, digest, &plaintext, rng)?;
                trace.note(|| alloc::format!("box[{i}].enc"), &sealed.enc.0);
                trace.note(
                    || alloc::format!("box[{i}].ciphertext"),
                    &sealed.ciphertext.0,
                );
                boxes.push(sealed);
            }
            let record = SenderRecord {
                recipients: parts
                    .recipients
                    .iter()
                    .zip(&entries)
                    .map(
                        |((kind, r), (position, salt, _, fingerprint))| RecordEntry {
                            address: r.address.clone(),
                            key_fingerprint: Fixed(*fingerprint),
                            generation: r.puk.generation,
                            position: *position as u16,
                            kind: kind.code(),
                            salt: Fixed(*salt),
                            tail: tail_of(*kind, r),
                            user: r.puk.user,
                        },
                    )
                    .collect(),
                bcc_key: Fixed(*bcc_key),
                tree_key: Fixed(*tree_key),
                bcc: parts.bcc_text,
            };
            // SPEC.md §6.2: the record is sealed under a key only the sender's user derives,
            // bound to the sender's own digest, never under the message key that every
            // recipient learns.
            let own_digest = parts
                .recipients
                .iter()
                .zip(&entries)
                .find(|((kind, _), _)| *kind == RecipientKind::Sender)
                .map(|(_, (_, _, digest, _))| *digest);
            entries.iter_mut().for_each(|e| e.1.zeroize());
            let (Some(puk), Some(own_digest)) = (parts.sender_puk, own_digest) else {
                return Err(
                    crate::error::Malformed::Field(crate::error::Field::RecipientSet).into(),
                );
            };
            let record_key = sender_record_key(puk, &own_digest);
            trace.note(|| "sender_record_key".into(), record_key.expose_secret());
            Some(Bytes(record.seal(suite, &record_key, rng)?))
        }
    };

    let (link_box, pinned) = match parts.link {
        None => (None, None),
        Some(link) => {
            let pinned = link_digest(&header_digest, &manifest.digest, &bcc_commit);
            let key = link.box_key(suite, &pinned);
            let sealed = piece::seal(
                suite,
                Purpose::LinkBox,
                &key,
                rng,
                message_key.expose_secret(),
            )?;
            (Some(Bytes(sealed.ciphertext)), Some(pinned))
        }
    };

    let envelope = Envelope {
        boxes,
        header: Bytes(header),
        manifest: Bytes(manifest.ciphertext),
        bcc_commitment: Fixed(bcc_commit),
        link_box,
        sender_record,
    }
    .encode();
    trace.note(|| "envelope".into(), &envelope);
    Ok((envelope, pinned))
}

/// `n ≤ TREE_SLOTS` distinct uniformly random leaf positions (partial Fisher–Yates).
// safe: `i < TREE_SLOTS`, and `i + uniform_below(TREE_SLOTS - i) < TREE_SLOTS`.
#[allow(clippy::arithmetic_side_effects)]
fn random_positions(n: usize, rng: &mut impl CryptoRng) -> Vec<usize> {
    let mut slots: Vec<usize> = (0..TREE_SLOTS).collect();
    for i in 0..n.min(TREE_SLOTS) {
        let j = i + uniform_below(TREE_SLOTS - i, rng);
        slots.swap(i, j);
    }
    slots.truncate(n);
    slots
}

/// A uniform integer in `0..bound` (`1 ≤ bound ≤ TREE_SLOTS`) by rejection sampling.
// safe: `bound ≥ 1`, so neither `%` divides by zero, and `zone ≤ u32::MAX`.
#[allow(clippy::arithmetic_side_effects)]
fn uniform_below(bound: usize, rng: &mut impl CryptoRng) -> usize {
    let bound = bound as u32;
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let x = rng.next_u32();
        if x < zone {
            return (x % bound) as usize;
        }
    }
}

/// SPEC.md §6.2: `HKDF-SHA256(salt = "mailseal v1 sender record", IKM = sender's PUK symmetric
/// key, info = suite_id || d_sender, 32)`, the piece key of the sender record. Only devices
/// holding the sender user's PUK seed derive it: recipients, who know the message key, do not.
pub(crate) fn sender_record_key(puk: &PukSecret, sender_digest: &[u8; 32]) -> PieceKey {
    let key = crate::keys::hkdf32(
        b"mailseal v1 sender record",
        puk.symmetric_key().expose_secret(),
        &[&puk.suite().id_bytes(), sender_digest],
    );
    PieceKey::from_bytes(*key)
}

/// SPEC.md §6.4: `HKDF-SHA256(salt = "mailseal v1 self box", IKM = sender's PUK symmetric key,
/// info = suite_id || d_sender, 32)`, the piece key of the sender's own box.
pub(crate) fn self_box_key(puk: &PukSecret, digest: &[u8; 32]) -> PieceKey {
    let key = crate::keys::hkdf32(
        b"mailseal v1 self box",
        puk.symmetric_key().expose_secret(),
        &[&puk.suite().id_bytes(), digest],
    );
    PieceKey::from_bytes(*key)
}

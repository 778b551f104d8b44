//! Verifiable abuse reports (SPEC.md §13).
//!
//! The service cannot read end-to-end encrypted mail, so a recipient who wants it to act on
//! a sender (block, rate-limit, learn from the content) reports the mail. A report proves,
//! without any key of the reporter's, that the sender's device signed exactly the disclosed
//! content, to this recipient, at the time the header states:
//!
//! - the recipient's leaf in the mail's signed recipient tree is recomputed from what the
//!   reporter's copy showed it (the header, its own recipient entry, salt, position and
//!   sibling path), and the sender's signature over the tree's root is checked against the
//!   sender's verified chain;
//! - the header lists every piece's digest (SPEC.md §6.1), so each disclosed piece is checked
//!   against its signed digest and opened with the piece key the reporter discloses.
//!
//! The report reveals the header (which the server routes by anyway), the reporter's own
//! recipient entry and tree path (salted hashes: nothing about any other recipient, BCC
//! included), the keys of the disclosed pieces only (never the message key, which would open
//! the manifest and every piece), and the reporter's device, which signs the report. It is
//! deliberately non-deniable, as the mail's signature already is.
//!
//! ```
//! # use mailseal::identity::{self, ChainState};
//! # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
//! # use mailseal::mail::{open::{open_copy, Mailbox}, seal::{MailSealer, RecipientKey, SenderIdentity}, server::split_envelope};
//! use mailseal::mail::report::{report, verify_report};
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
//! # let suite = mailseal::Suite::X25519;
//! # let (mallory, bob) = (UserId::new([1; 16]), UserId::new([2; 16]));
//! # let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
//! # let phone = DeviceSecret::generate(suite, DeviceId::new([2; 16]), &mut rng);
//! # let mallory_puk = PukSecret::generate(suite, mallory, 1, &mut rng)?;
//! # let bob_puk = PukSecret::generate(suite, bob, 1, &mut rng)?;
//! # let mallory_chain = ChainState::verify(&[identity::root(suite, mallory, &laptop, mallory_puk.public(), &["mallory@example.com"], 1)?])?;
//! # let bob_chain = ChainState::verify(&[identity::root(suite, bob, &phone, bob_puk.public(), &["bob@example.com"], 1)?])?;
//! # let sender = SenderIdentity { address: "mallory@example.com", puk: &mallory_puk, device: &laptop, chain: &mallory_chain };
//! # let mut mail = MailSealer::new(suite, sender, "<spam@example.com>", 1_764_374_400)?
//! #     .to(RecipientKey::from_chain("bob@example.com", &bob_chain)?);
//! # let body = mail.add_piece(b"Buy now!", &mut rng)?;
//! # let attachment = mail.add_piece(b"private photo", &mut rng)?;
//! # let envelope = mail.seal(&mut rng)?;
//! # let copy = split_envelope(&envelope)?.into_iter().find(|c| c.user == bob).unwrap().copy;
//! let opened = open_copy(&copy, &Mailbox::new(&bob_chain, [&bob_puk]), &[&mallory_chain])?;
//! // Bob reports the body only; the attachment stays closed to the service.
//! let bytes = report(&opened, &[0], &phone, 1_764_400_000)?;
//!
//! // The service checks it with the two chains and the stored body ciphertext.
//! let verified = verify_report(&bytes, &mallory_chain, &bob_chain, &[&body])?;
//! assert_eq!(verified.sender, mallory);
//! assert_eq!(verified.pieces[0].plaintext, b"Buy now!");
//! assert_eq!((verified.piece_count, verified.pieces.len()), (2, 1));
//! # let _ = attachment;
//! # Ok::<(), mailseal::Error>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::error::{AuthFailure, Error, Field, Limit, Malformed, Misuse, Unsupported};
use crate::identity::{ChainState, ChainTail, DeviceRole};
use crate::keys::{DeviceId, DeviceSecret, UserId};
use crate::mail::envelope::digest::{
    DigestInput, RecipientEntry, SenderBinding, header_hash, recipient_digest,
};
use crate::mail::envelope::tree::{self, TREE_DEPTH, TREE_SLOTS};
use crate::mail::envelope::{MAX_HEADER_LEN, Origin, RecipientKind, RoutingHeader, check_address};
use crate::mail::open::{OpenedMail, SenderStatus, check_tail};
use crate::piece::{self, PieceDigest, PieceKey, Purpose};
use crate::suite::Suite;
use crate::wire::{self, Bytes, Fixed};

/// Largest report accepted: a routing header at its limit plus 64 KiB (SPEC.md §13.2).
pub const MAX_REPORT_LEN: usize = MAX_HEADER_LEN + 64 * 1024;

/// Report format version.
const REPORT_VERSION: u64 = 1;

/// `"mailseal v1 abuse report" || suite_id || body`: what the reporter's device signs.
fn signed_message(suite: Suite, body: &[u8]) -> Vec<u8> {
    let mut m = b"mailseal v1 abuse report".to_vec();
    m.extend_from_slice(&suite.id_bytes());
    m.extend_from_slice(body);
    m
}

/// What a recipient's copy showed it of the signature over the mail: kept by
/// [`crate::mail::open::open_copy`] for device-signed mail, so that it can be reported.
pub(crate) struct Evidence {
    pub(crate) header: Vec<u8>,
    pub(crate) address: String,
    pub(crate) user: UserId,
    pub(crate) generation: u32,
    pub(crate) kind: RecipientKind,
    pub(crate) tail: ChainTail,
    pub(crate) manifest_digest: PieceDigest,
    pub(crate) bcc_commitment: [u8; 32],
    pub(crate) salt: [u8; 32],
    pub(crate) position: usize,
    pub(crate) path: [[u8; 32]; TREE_DEPTH],
    pub(crate) signature: [u8; 64],
}

impl Drop for Evidence {
    fn drop(&mut self) {
        // The salt hides this recipient's leaf: reveal it only in a report.
        self.salt.zeroize();
    }
}

/// `{r: body, z: reporter signature}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportWire {
    #[serde(rename = "r")]
    body: Bytes,
    #[serde(rename = "z")]
    signature: Fixed<64>,
}

/// For tests: `report` with its first disclosed index set to `index` (the reporter's
/// signature no longer matches; parsing does not check it).
#[cfg(test)]
pub(crate) fn with_first_index(report: &[u8], index: u64) -> Vec<u8> {
    let mut outer: ReportWire = wire::decode(report, MAX_REPORT_LEN, Limit::ReportSize).unwrap();
    let mut body: BodyWire =
        wire::decode(&outer.body.0, MAX_REPORT_LEN, Limit::ReportSize).unwrap();
    body.disclosed[0].index = index;
    outer.body = Bytes(wire::encode(&body));
    wire::encode(&outer)
}

/// The signed body (SPEC.md §13.1).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BodyWire {
    #[serde(rename = "a")]
    address: String,
    #[serde(rename = "b")]
    bcc_commitment: Fixed<32>,
    #[serde(rename = "d")]
    reporter_device: DeviceId,
    #[serde(rename = "g")]
    generation: u32,
    #[serde(rename = "h")]
    header: Bytes,
    #[serde(rename = "k")]
    kind: u8,
    #[serde(rename = "m")]
    manifest_digest: Fixed<32>,
    #[serde(rename = "n")]
    position: u16,
    #[serde(rename = "p")]
    path: Vec<Fixed<32>>,
    #[serde(rename = "q")]
    disclosed: Vec<DisclosedWire>,
    #[serde(rename = "s")]
    salt: Fixed<32>,
    #[serde(rename = "t")]
    tail: ChainTail,
    #[serde(rename = "u")]
    user: UserId,
    #[serde(rename = "v")]
    version: u64,
    #[serde(rename = "w")]
    reported_at: u64,
    #[serde(rename = "x")]
    sender_signature: Fixed<64>,
}

/// `{i: piece index, k: piece key}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DisclosedWire {
    // Any uint (§4.1): an index past the pieces is a manifest mismatch (§13.3), not schema.
    #[serde(rename = "i")]
    index: u64,
    #[serde(rename = "k")]
    key: Fixed<32>,
}

/// A disclosed index as a position in the header's piece lists: parsing checked it is below
/// their length, so it fits; anything else maps past every list.
fn piece_index(index: u64) -> usize {
    usize::try_from(index).unwrap_or(usize::MAX)
}

impl Drop for BodyWire {
    fn drop(&mut self) {
        self.disclosed.iter_mut().for_each(|d| d.key.0.zeroize());
    }
}

/// Makes an abuse report of an opened mail, disclosing the pieces at `disclose` (body = 0),
/// signed by the reporter's device at `now` (seconds since the Unix epoch).
///
/// Only device-signed mail can be reported ([`Misuse::ReportOfUnsignedMail`] otherwise), and
/// only a recipient's copy ([`Misuse::ReportNotByRecipient`] for the sender's own or the
/// server's box);
/// `disclose` must name existing pieces ([`Misuse::PieceIndexOutOfRange`]); duplicates are
/// dropped. Memory: the report, about the header's size plus 1 KiB plus 40 bytes per
/// disclosed piece (the service keeps the piece ciphertexts; a report never carries them).
pub fn report(
    opened: &OpenedMail,
    disclose: &[usize],
    reporter: &DeviceSecret,
    now: u64,
) -> Result<Vec<u8>, Error> {
    let ev = opened.evidence().ok_or(Misuse::ReportOfUnsignedMail)?;
    // §13.2: verification takes only a recipient's box (§13.3); refuse here what it would.
    if !matches!(
        opened.recipient_kind(),
        RecipientKind::To | RecipientKind::Cc | RecipientKind::Bcc
    ) {
        return Err(Misuse::ReportNotByRecipient.into());
    }
    let mut indices: Vec<usize> = disclose.to_vec();
    indices.sort_unstable();
    indices.dedup();
    let disclosed = indices
        .iter()
        .map(|&index| {
            let key = opened.piece_key(index)?;
            // MAX_PIECES is 256, so a valid index fits a u16.
            let index = u64::try_from(index).map_err(|_| Misuse::PieceIndexOutOfRange { index })?;
            Ok(DisclosedWire {
                index,
                key: Fixed(*key.expose_secret()),
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let body = BodyWire {
        address: ev.address.clone(),
        bcc_commitment: Fixed(ev.bcc_commitment),
        reporter_device: reporter.id(),
        generation: ev.generation,
        header: Bytes(ev.header.clone()),
        kind: ev.kind.code(),
        manifest_digest: Fixed(ev.manifest_digest.0),
        // Positions are below TREE_SLOTS (1024).
        position: u16::try_from(ev.position).map_err(|_| Malformed::BoxPlaintext)?,
        path: ev.path.iter().map(|p| Fixed(*p)).collect(),
        disclosed,
        salt: Fixed(ev.salt),
        tail: ev.tail,
        user: ev.user,
        version: REPORT_VERSION,
        reported_at: now,
        sender_signature: Fixed(ev.signature),
    };
    let body = wire::encode(&body);
    let signature = reporter.sign(&signed_message(opened.suite(), &body));
    let out = wire::encode(&ReportWire {
        body: Bytes(body),
        signature: Fixed(signature),
    });
    if out.len() > MAX_REPORT_LEN {
        return Err(Limit::ReportSize.into());
    }
    Ok(out)
}

/// A report whose syntax has been checked (SPEC.md §13.3 steps 1–6), before any signature:
/// the service reads [`Report::disclosed`] to fetch the stored ciphertexts, then calls
/// [`Report::verify`].
pub struct Report {
    body_bytes: Vec<u8>,
    signature: [u8; 64],
    body: BodyWire,
    header: RoutingHeader,
    kind: RecipientKind,
}

/// One disclosed piece, opened and checked against the digest the sender signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisclosedPiece {
    /// Its index in the mail (0 is the body).
    pub index: usize,
    /// Its plaintext.
    pub plaintext: Vec<u8>,
}

/// What a verified report proves (SPEC.md §13.4).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedReport {
    /// The sender's user, whose device signed the mail.
    pub sender: UserId,
    /// The signing device.
    pub sender_device: DeviceId,
    /// What the sender's chain (in the verifier's view) says of that device now.
    pub sender_status: SenderStatus,
    /// The header's From address.
    pub from: String,
    /// Whether the sender's chain lists the From address.
    pub from_is_senders: bool,
    /// The send time the sender's device signed (header `t`).
    pub sent_at: u64,
    /// The message id.
    pub message_id: String,
    /// The reporting recipient's address, as the sender addressed it.
    pub recipient: String,
    /// How the reporter was addressed.
    pub recipient_kind: RecipientKind,
    /// The reporting user.
    pub reporter: UserId,
    /// The reporter's device that signed the report.
    pub reporter_device: DeviceId,
    /// When the reporter says it reported (its clock).
    pub reported_at: u64,
    /// How many pieces the mail has.
    pub piece_count: usize,
    /// The disclosed pieces, by increasing index.
    pub pieces: Vec<DisclosedPiece>,
}

impl Report {
    /// Checks a report's syntax (SPEC.md §13.3 steps 1–6): size, canonical CBOR, version,
    /// the routing header with every check of §6.1, a device-signed origin, the recipient
    /// entry, the tree position and path, and the disclosed indices. No signature yet.
    ///
    /// Memory: at most [`MAX_REPORT_LEN`] bytes, checked before decoding.
    pub fn parse(bytes: &[u8]) -> Result<Report, Error> {
        let outer: ReportWire = wire::decode(bytes, MAX_REPORT_LEN, Limit::ReportSize)?;
        let body: BodyWire = wire::decode(&outer.body.0, MAX_REPORT_LEN, Limit::ReportSize)?;
        if body.version != REPORT_VERSION {
            return Err(Unsupported::Version(body.version).into());
        }
        let (header, _) = RoutingHeader::parse(&body.header.0)?;
        if header.origin != Origin::SenderDevice {
            return Err(AuthFailure::UnsignedMail.into());
        }
        check_address(&body.address)?;
        let kind = RecipientKind::from_code(body.kind)?;
        if !matches!(
            kind,
            RecipientKind::To | RecipientKind::Cc | RecipientKind::Bcc
        ) {
            return Err(Malformed::Field(Field::RecipientKind).into());
        }
        if body.generation == 0 {
            return Err(Malformed::Field(Field::Generation).into());
        }
        if body.tail.seq == 0 {
            return Err(Malformed::Field(Field::ChainTail).into());
        }
        if usize::from(body.position) >= TREE_SLOTS || body.path.len() != TREE_DEPTH {
            return Err(Malformed::BoxPlaintext.into());
        }
        // Strictly increasing indices of existing pieces: one spelling per report.
        let increasing = body
            .disclosed
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.index < b.index));
        let exist = body
            .disclosed
            .iter()
            .all(|d| d.index < header.piece_digests.len() as u64);
        if !increasing || !exist {
            return Err(Malformed::ManifestMismatch.into());
        }
        Ok(Report {
            body_bytes: outer.body.0,
            signature: outer.signature.0,
            body,
            header,
            kind,
        })
    }

    /// The indices of the disclosed pieces, increasing: pass their stored ciphertexts to
    /// [`Report::verify`] in this order.
    pub fn disclosed(&self) -> Vec<usize> {
        self.body
            .disclosed
            .iter()
            .map(|d| piece_index(d.index))
            .collect()
    }

    /// The reported mail's routing header.
    pub fn header(&self) -> &RoutingHeader {
        &self.header
    }

    /// The user who reports (check its chain, then call [`Report::verify`]).
    pub fn reporter(&self) -> UserId {
        self.body.user
    }

    /// Verifies the report (SPEC.md §13.3 steps 7–11) against the sender's and the
    /// reporter's verified chains, opening each disclosed piece from its stored ciphertext
    /// (`ciphertexts`, one per index of [`Report::disclosed`], in that order).
    ///
    /// Memory: the disclosed plaintexts.
    pub fn verify(
        &self,
        sender: &ChainState,
        reporter: &ChainState,
        ciphertexts: &[&[u8]],
    ) -> Result<VerifiedReport, Error> {
        let body = &self.body;
        let header = &self.header;
        let suite = header.suite;

        // 7. The reporter: the copy was its own, and one of its active ordinary devices
        //    signed the report's exact bytes.
        if body.user != reporter.user() {
            return Err(Error::NotARecipient);
        }
        let device = reporter
            .device(&body.reporter_device)
            .filter(|d| d.is_active() && d.role == DeviceRole::Ordinary)
            .ok_or(AuthFailure::Reporter)?;
        let message = signed_message(suite, &self.body_bytes);
        if !device
            .public
            .verifying_key
            .verify_strict(&message, &self.signature)
        {
            return Err(AuthFailure::ReportSignature.into());
        }

        // 8. The reporter's chain position the sender bound, and the key it sealed to.
        check_tail(reporter, &body.tail)?;
        let puk = reporter.puk(body.generation).ok_or(Error::NotARecipient)?;
        let fingerprint = puk.mail_key.fingerprint();

        // 9. The signer: a device of the sender's chain at the tail the mail binds.
        let (user, signer, tail) = match (
            &header.sender.user,
            &header.sender.device,
            header.sender.chain.as_ref(),
        ) {
            (Some(u), Some(d), Some(t)) => (u, d, t),
            _ => return Err(AuthFailure::UnsignedMail.into()),
        };
        if *user != sender.user() {
            return Err(AuthFailure::UnknownSigner.into());
        }
        check_tail(sender, tail)?;
        let signer = sender
            .device(signer)
            .filter(|d| d.was_active_at(tail.seq))
            .ok_or(AuthFailure::UnknownSigner)?;

        // 10. The reporter's leaf, up its path to the root the signer signed.
        let header_digest = header_hash(&body.header.0);
        let digest = recipient_digest(&DigestInput {
            suite,
            header_hash: &header_digest,
            sender: SenderBinding::signed(
                user,
                &signer.public.id,
                &signer.public.verifying_key,
                *tail,
            ),
            recipient: RecipientEntry {
                address: &body.address,
                user: &body.user,
                generation: body.generation,
                kind: self.kind,
                key_fingerprint: &fingerprint,
                tail: Some(&body.tail),
            },
            manifest_digest: &PieceDigest(body.manifest_digest.0),
            bcc_commitment: &body.bcc_commitment.0,
        });
        let mut path = [[0u8; 32]; TREE_DEPTH];
        for (slot, p) in path.iter_mut().zip(&body.path) {
            *slot = p.0;
        }
        let root = tree::root_from_path(
            tree::leaf(&body.salt.0, &digest),
            usize::from(body.position),
            &path,
        );
        if !signer.public.verifying_key.verify_strict(
            &tree::signed_message(suite, &root),
            &body.sender_signature.0,
        ) {
            return Err(AuthFailure::Signature.into());
        }

        // 11. Each disclosed piece: the header's length and signed digest, then opened.
        if ciphertexts.len() != body.disclosed.len() {
            return Err(Malformed::ManifestMismatch.into());
        }
        let pieces = body
            .disclosed
            .iter()
            .zip(ciphertexts)
            .map(|(d, ct)| {
                let index = piece_index(d.index);
                let (size, stated) = header
                    .piece_sizes
                    .get(index)
                    .zip(header.piece_digests.get(index))
                    .ok_or(Malformed::ManifestMismatch)?;
                if *size != ct.len() as u64 {
                    return Err(Malformed::PieceSize { index }.into());
                }
                let key = PieceKey::from_bytes(d.key.0);
                let plaintext = piece::open_expecting(suite, Purpose::MailPiece, &key, ct, stated)?;
                Ok(DisclosedPiece { index, plaintext })
            })
            .collect::<Result<Vec<_>, Error>>()?;

        let sender_status = if !signer.is_active() {
            SenderStatus::RevokedDevice
        } else {
            match signer.role {
                DeviceRole::Ordinary => SenderStatus::VerifiedActiveDevice,
                DeviceRole::Escrow => SenderStatus::EscrowDevice,
                DeviceRole::Backup => SenderStatus::BackupDevice,
            }
        };
        Ok(VerifiedReport {
            sender: *user,
            sender_device: signer.public.id,
            sender_status,
            from: header.sender.address.clone(),
            from_is_senders: sender.has_address(&header.sender.address),
            sent_at: header.timestamp,
            message_id: header.message_id.clone(),
            recipient: body.address.clone(),
            recipient_kind: self.kind,
            reporter: body.user,
            reporter_device: body.reporter_device,
            reported_at: body.reported_at,
            piece_count: header.piece_digests.len(),
            pieces,
        })
    }
}

/// Parses and verifies a report in one call: [`Report::parse`] then [`Report::verify`];
/// `ciphertexts` are the stored ciphertexts of the pieces the report discloses, by
/// increasing index. Memory: as those two.
pub fn verify_report(
    bytes: &[u8],
    sender: &ChainState,
    reporter: &ChainState,
    ciphertexts: &[&[u8]],
) -> Result<VerifiedReport, Error> {
    Report::parse(bytes)?.verify(sender, reporter, ciphertexts)
}

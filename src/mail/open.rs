//! The recipient side: open a per-recipient copy (SPEC.md §6.9).
//!
//! Checks run in this order and the first failure ends the call: strict parse and limits;
//! the copy's structure; the box is the caller's; the sender device is vouched for; HPKE
//! open of the box; the tree signature (`verify_strict`); the manifest; for the sender's own
//! copy, the sender record (BCC string and the whole recipient list). Pieces are opened on
//! demand and checked against the manifest's digest before any byte is released.

use alloc::string::String;

use alloc::vec::Vec;
use subtle::ConstantTimeEq;

use crate::error::Misuse;
use crate::error::{AuthFailure, Error, Field, Malformed};
use crate::identity::{ChainError, ChainState, ChainTail, DeviceRole, EscrowEnrollment};
use crate::keys::kem;
use crate::keys::{PukSecret, UserId};
use crate::mail::envelope::digest::{
    DigestInput, RecipientEntry, SenderBinding, bcc_commitment, box_info, header_hash,
    recipient_digest,
};
use crate::mail::envelope::manifest::Manifest;
use crate::mail::envelope::recipient_box::BoxPlaintext;
use crate::mail::envelope::sender_record::SenderRecord;
use crate::mail::envelope::tree::{self, TREE_SLOTS, Tree};
use crate::mail::envelope::{CopyView, Origin, RecipientKind, RoutingHeader, check_address};
use crate::mail::report::Evidence;
use crate::piece::{
    self, PieceDecryptor, PieceDigest, PieceKey, Purpose, VerifiedPieceDecryptor,
    VerifiedPieceReader,
};
use crate::suite::Suite;
use crate::transparency::Publication;

/// Where the opener finds the verified chains of senders: the caller's cache of chains it
/// verified (SPEC.md §12). The opener asks for the sender's chain only.
pub trait ChainDirectory {
    /// The verified chain of `user`, if the caller has one.
    fn chain(&self, user: &UserId) -> Option<&ChainState>;

    /// Whether `user`'s chain, as [`ChainDirectory::chain`] gives it, was shown to be in the
    /// key-transparency log (SPEC.md §14.4). Plain lists of chains cannot say:
    /// [`Publication::NotShown`]; [`crate::transparency::PublishedChains`] can.
    fn publication(&self, _user: &UserId) -> Publication {
        Publication::NotShown
    }
}

impl ChainDirectory for [ChainState] {
    fn chain(&self, user: &UserId) -> Option<&ChainState> {
        self.iter().find(|c| c.user() == *user)
    }
}

impl ChainDirectory for [&ChainState] {
    fn chain(&self, user: &UserId) -> Option<&ChainState> {
        self.iter().copied().find(|c| c.user() == *user)
    }
}

impl<const N: usize> ChainDirectory for [&ChainState; N] {
    fn chain(&self, user: &UserId) -> Option<&ChainState> {
        self.as_slice().chain(user)
    }
}

impl ChainDirectory for alloc::collections::BTreeMap<UserId, ChainState> {
    fn chain(&self, user: &UserId) -> Option<&ChainState> {
        self.get(user)
    }
}

impl<T: ChainDirectory + ?Sized> ChainDirectory for &T {
    fn chain(&self, user: &UserId) -> Option<&ChainState> {
        (**self).chain(user)
    }
    fn publication(&self, user: &UserId) -> Publication {
        (**self).publication(user)
    }
}

/// The mailbox a copy is opened in: its user, every PUK generation held, and the user's own
/// verified chain, which says which tails and generations are genuine and whether the
/// mailbox is escrowed (SPEC.md §6.9, §12.6).
///
/// It borrows the keys: pass a slice (`&puks`), an array of references (`[&old, &new]`) or
/// any iterator of `&PukSecret`, so keys kept in separate places (before and after a
/// rotation) need not be moved into one array.
///
/// ```
/// # use mailseal::identity::{self, ChainState};
/// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
/// use mailseal::mail::open::Mailbox;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
/// # use rand_core::SeedableRng;
/// # let (suite, bob) = (mailseal::Suite::X25519, UserId::new([2; 16]));
/// # let phone = DeviceSecret::generate(suite, DeviceId::new([2; 16]), &mut rng);
/// let first = PukSecret::generate(suite, bob, 1, &mut rng)?;
/// let second = PukSecret::generate(suite, bob, 2, &mut rng)?;
/// # let chain = ChainState::verify(&[identity::root(suite, bob, &phone, first.public(), &["bob@example.com"], 1)?])?;
/// // Generations held apart (say, the current one in memory, an old one from storage).
/// let mailbox = Mailbox::new(&chain, [&second, &first]);
/// assert_eq!(mailbox.generations().collect::<Vec<_>>(), [2, 1]);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub struct Mailbox<'a> {
    user: UserId,
    puks: Vec<&'a PukSecret>,
    chain: Option<&'a ChainState>,
    require_published: bool,
}

impl<'a> Mailbox<'a> {
    /// A user's mailbox: its own verified chain and every PUK generation it holds. It
    /// requires published senders (SPEC.md §11.2, condition 6): open with a
    /// [`PublishedChains`](crate::transparency::PublishedChains) directory, or say
    /// [`Mailbox::without_key_transparency`]. Memory: one reference per key.
    pub fn new(chain: &'a ChainState, puks: impl IntoIterator<Item = &'a PukSecret>) -> Self {
        Mailbox {
            user: chain.user(),
            puks: puks.into_iter().collect(),
            chain: Some(chain),
            require_published: true,
        }
    }

    /// The server's own mailbox, for the box of mail the sender gave it access to (SPEC.md
    /// §10.1): the server key's id and its PUK generations. It has no chain.
    pub fn server(key_id: UserId, puks: impl IntoIterator<Item = &'a PukSecret>) -> Self {
        Mailbox {
            user: key_id,
            puks: puks.into_iter().collect(),
            chain: None,
            require_published: true,
        }
    }

    /// For a deployment that runs no key-transparency log (SPEC.md §11.2, condition 6): mail
    /// from a sender whose chain was not shown to be published may then be **E2E
    /// Encrypted**, but its classification carries the caution
    /// [`Caution::SenderNotCheckedInLog`](crate::mail::footer::Caution::SenderNotCheckedInLog),
    /// so the footer never says E2E silently on the strength of chains the server served.
    ///
    /// By default a mailbox requires published senders: such mail is **Server Encrypted**
    /// with the reason `sender_not_published`, however it was signed. Open with a
    /// [`PublishedChains`](crate::transparency::PublishedChains) directory to show which
    /// senders are published.
    #[must_use]
    pub fn without_key_transparency(mut self) -> Self {
        self.require_published = false;
        self
    }

    /// Whether mail from senders not shown to be published can be E2E (false by default:
    /// see [`Mailbox::without_key_transparency`]).
    pub fn follows_key_transparency(&self) -> bool {
        self.require_published
    }

    /// The PUK generations this mailbox holds, in the order given.
    pub fn generations(&self) -> impl Iterator<Item = u32> + '_ {
        self.puks.iter().map(|p| p.generation())
    }
}

/// Who signed the mail, as the sender's verified chain says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SenderStatus {
    /// Signed by one of the sender's active ordinary devices.
    VerifiedActiveDevice,
    /// Signed by a device of the sender's that the chain has since revoked.
    RevokedDevice,
    /// Signed by the sender's escrow device, which the escrow administrators hold: not the
    /// sender's own mail.
    EscrowDevice,
    /// Signed by the sender's backup (recovery code) device, which may not sign mail.
    BackupDevice,
    /// Not signed: sealed by the server (mail from outside, mailing lists, system mail) or
    /// read through an access-restricted link.
    Unsigned,
}

impl SenderStatus {
    /// The stable name (SPEC.md §11.3), as the test vectors spell it.
    pub fn code(self) -> &'static str {
        match self {
            SenderStatus::VerifiedActiveDevice => "verified_active_device",
            SenderStatus::RevokedDevice => "revoked_device",
            SenderStatus::EscrowDevice => "escrow_device",
            SenderStatus::BackupDevice => "backup_device",
            SenderStatus::Unsigned => "unsigned",
        }
    }
}

/// One recipient of the mail as the sender's own copy recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRecipient {
    /// The address.
    pub address: String,
    /// The user.
    pub user: UserId,
    /// The PUK generation sealed to.
    pub generation: u32,
    /// How the user was addressed.
    pub kind: RecipientKind,
}

/// What only the sender's own copy shows, verified against the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentRecord {
    /// The BCC string, verified against its commitment.
    pub bcc: String,
    /// Every recipient user, BCC included, as signed.
    pub recipients: Vec<RecordedRecipient>,
}

/// An opened copy: routing metadata and verification results; pieces open on demand.
pub struct OpenedMail {
    header: RoutingHeader,
    suite: Suite,
    kind: RecipientKind,
    sender_status: SenderStatus,
    pub(crate) manifest: Manifest,
    sent: Option<SentRecord>,
    escrow: Option<EscrowEnrollment>,
    sender_escrow: Option<EscrowEnrollment>,
    from_is_senders: bool,
    stale_generation: bool,
    evidence: Option<Evidence>,
    publication: Option<Publication>,
    require_published: bool,
}

/// What opening found beside the content, for the footer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Findings {
    pub(crate) escrow: Option<EscrowEnrollment>,
    /// An escrow enrollment of the signer's chain whose device holds (or held) the PUK
    /// generation the sender's own copy is sealed to.
    pub(crate) sender_escrow: Option<EscrowEnrollment>,
    /// The header's From address is one of the sender's chain's addresses.
    pub(crate) from_is_senders: bool,
    /// The box was sealed to a PUK generation older than the mailbox chain's at the tail the
    /// sender bound.
    pub(crate) stale_generation: bool,
}

impl OpenedMail {
    pub(crate) fn from_parts(
        header: RoutingHeader,
        suite: Suite,
        kind: RecipientKind,
        sender_status: SenderStatus,
        manifest: Manifest,
        sent: Option<SentRecord>,
        findings: Findings,
    ) -> Self {
        OpenedMail {
            header,
            suite,
            kind,
            sender_status,
            manifest,
            sent,
            escrow: findings.escrow,
            sender_escrow: findings.sender_escrow,
            from_is_senders: findings.from_is_senders,
            stale_generation: findings.stale_generation,
            evidence: None,
            publication: None,
            require_published: true,
        }
    }

    /// For device-signed mail: whether the sender's chain was shown to be in the
    /// key-transparency log when the copy was opened (`None` for unsigned mail).
    pub fn sender_publication(&self) -> Option<Publication> {
        self.publication
    }

    /// Whether the mailbox it was opened in requires published sender chains (true unless
    /// it was opened [`Mailbox::without_key_transparency`]).
    pub fn requires_published_senders(&self) -> bool {
        self.require_published
    }

    /// What a report of this mail needs of its signature (device-signed mail only).
    pub(crate) fn evidence(&self) -> Option<&Evidence> {
        self.evidence.as_ref()
    }

    /// The key of piece `index`, for a report that discloses it.
    pub(crate) fn piece_key(&self, index: usize) -> Result<&PieceKey, Error> {
        Ok(&self.entry(index)?.key)
    }

    /// The authenticated routing header.
    pub fn header(&self) -> &RoutingHeader {
        &self.header
    }
    /// The suite the mail was sealed under.
    pub fn suite(&self) -> Suite {
        self.suite
    }
    /// How this recipient was addressed.
    pub fn recipient_kind(&self) -> RecipientKind {
        self.kind
    }
    /// Which kind of device signed it.
    pub fn sender_status(&self) -> SenderStatus {
        self.sender_status
    }
    /// The E2E flag of the signed manifest.
    pub fn e2e_flag(&self) -> bool {
        self.manifest.e2e
    }
    /// For the sender's own copy: the verified BCC string and recipient list.
    pub fn sent_record(&self) -> Option<&SentRecord> {
        self.sent.as_ref()
    }
    /// The escrow enrollment of the mailbox this copy was opened in, from the mailbox's own
    /// chain, when escrow is on: the product must disclose that the account's escrow
    /// administrators can read it.
    pub fn mailbox_escrow(&self) -> Option<&EscrowEnrollment> {
        self.escrow.as_ref()
    }

    /// For device-signed mail: an escrow enrollment of the sender's chain (in the reader's
    /// view) whose escrow device holds or held the key the sender's own copy of this mail is
    /// sealed to: on at the mail's tail, or enabled since (an escrow device receives every
    /// generation the member holds). The sender's account administrators can then read the
    /// mail through the sender's copy; the product must disclose it (SPEC.md §11.2).
    pub fn sender_escrow(&self) -> Option<&EscrowEnrollment> {
        self.sender_escrow.as_ref()
    }

    /// Whether the header's From address is one of the sender's addresses, as the sender's
    /// chain lists them (always `false` for unsigned mail).
    pub fn from_is_senders(&self) -> bool {
        self.from_is_senders
    }

    /// Whether the sender sealed this copy to a PUK generation older than the one the
    /// mailbox's chain had current at the tail the sender bound: a device revoked since that
    /// generation may be able to read it.
    pub fn sealed_to_older_generation(&self) -> bool {
        self.stale_generation
    }
    /// Number of pieces (body first).
    pub fn piece_count(&self) -> usize {
        self.manifest.pieces.len()
    }

    /// The digest the manifest records for piece `index`.
    pub fn piece_digest(&self, index: usize) -> Result<PieceDigest, Error> {
        Ok(self.entry(index)?.digest)
    }

    /// Opens piece `index` from its whole ciphertext: the length must be the routing header's,
    /// the digest the manifest's, and only then is the plaintext returned.
    ///
    /// Memory: the plaintext, at most the ciphertext's length.
    pub fn open_piece(&self, index: usize, ciphertext: &[u8]) -> Result<Vec<u8>, Error> {
        let entry = self.entry(index)?;
        let size = self.header.piece_sizes.get(index).copied();
        if size != Some(ciphertext.len() as u64) {
            return Err(Malformed::PieceSize { index }.into());
        }
        piece::open_expecting(
            self.suite,
            Purpose::MailPiece,
            &entry.key,
            ciphertext,
            &entry.digest,
        )
    }

    /// The ciphertext length the routing header states for piece `index`.
    pub fn piece_size(&self, index: usize) -> Result<u64, Error> {
        self.header
            .piece_sizes
            .get(index)
            .copied()
            .ok_or_else(|| Misuse::PieceIndexOutOfRange { index }.into())
    }

    /// A stream decryptor for piece `index` that releases only bytes the sender signed
    /// (SPEC.md §3.8): give it the piece's tag list (the server cuts it out of the stored
    /// ciphertext with [`crate::piece::tag_list`]), which is checked against the manifest's
    /// digest and the header's length before any chunk; then every chunk is checked against
    /// it as it arrives. Use this to show or forward an attachment while it downloads.
    ///
    /// Memory: 32 bytes per 64 KiB chunk of tag list, plus one chunk.
    pub fn verified_piece_decryptor(
        &self,
        index: usize,
        tag_list: &[u8],
    ) -> Result<VerifiedPieceDecryptor, Error> {
        let entry = self.entry(index)?;
        VerifiedPieceDecryptor::new(
            self.suite,
            Purpose::MailPiece,
            &entry.key,
            tag_list,
            self.piece_size(index)?,
            &entry.digest,
        )
    }

    /// Random access to the chunks of piece `index`, each checked against the tag list that
    /// the manifest's digest vouches for (SPEC.md §3.8): for inline previews.
    ///
    /// Memory: 32 bytes per 64 KiB chunk of tag list, plus the chunk opened.
    pub fn verified_piece_reader(
        &self,
        index: usize,
        tag_list: &[u8],
    ) -> Result<VerifiedPieceReader, Error> {
        let entry = self.entry(index)?;
        VerifiedPieceReader::new(
            self.suite,
            Purpose::MailPiece,
            &entry.key,
            tag_list,
            self.piece_size(index)?,
            &entry.digest,
        )
    }

    /// A stream decryptor for piece `index` when no tag list is at hand. It knows the
    /// manifest's digest and the header's length: bytes past that length fail at once, and
    /// [`CheckedPieceDecryptor::finish`] fails unless the digest and the length match.
    ///
    /// The chunks it releases before `finish` are authenticated under the piece key only: a
    /// co-recipient, who knows that key, could have made them (SPEC.md §3.6). Write them
    /// somewhere provisional and keep them only if `finish` succeeds; to release only the
    /// sender's bytes, use [`OpenedMail::verified_piece_decryptor`].
    ///
    /// Memory: one chunk (64 KiB).
    pub fn piece_decryptor(&self, index: usize) -> Result<CheckedPieceDecryptor, Error> {
        let entry = self.entry(index)?;
        Ok(CheckedPieceDecryptor {
            inner: PieceDecryptor::new(self.suite, Purpose::MailPiece, &entry.key),
            expected: entry.digest,
            stated_len: self.piece_size(index)?,
            received: 0,
            index,
            failed: false,
        })
    }

    fn entry(&self, index: usize) -> Result<&crate::mail::envelope::manifest::PieceEntry, Error> {
        self.manifest
            .pieces
            .get(index)
            .ok_or(Misuse::PieceIndexOutOfRange { index }.into())
    }
}

/// A piece stream decryptor bound to the digest and length an opened mail expects
/// ([`OpenedMail::piece_decryptor`]).
pub struct CheckedPieceDecryptor {
    inner: PieceDecryptor,
    expected: PieceDigest,
    stated_len: u64,
    received: u64,
    index: usize,
    failed: bool,
}

impl CheckedPieceDecryptor {
    /// Consumes `ciphertext` and appends the plaintext of every chunk authenticated under the
    /// piece key so far. Input past the length the routing header states fails at once.
    pub fn push(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if self.failed {
            return Err(Misuse::StreamFailed.into());
        }
        self.received = self.received.saturating_add(ciphertext.len() as u64);
        let result = if self.received > self.stated_len {
            Err(Malformed::PieceSize { index: self.index }.into())
        } else {
            self.inner.push(ciphertext, out)
        };
        self.failed = result.is_err();
        result
    }

    /// Appends the final chunk, then requires the header's length and the manifest's digest:
    /// only then is everything released so far the sender's piece.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<(), Error> {
        if self.failed {
            return Err(Misuse::StreamFailed.into());
        }
        if self.received != self.stated_len {
            return Err(Malformed::PieceSize { index: self.index }.into());
        }
        let start = out.len();
        let digest = self.inner.finish(out)?;
        if digest != self.expected {
            if let Some(tail) = out.get_mut(start..) {
                zeroize::Zeroize::zeroize(tail);
            }
            out.truncate(start);
            return Err(AuthFailure::PieceDigest.into());
        }
        Ok(())
    }
}

/// Opens a per-recipient copy (SPEC.md §6.9).
///
/// `mailbox` names the caller's user with its verified chain and every PUK generation it
/// holds; `senders` gives the verified chains the caller holds (the sender's is looked up;
/// unused for server-sealed mail, which is unsigned). A view of a chain that is behind the
/// position the mail binds is [`ChainError::Behind`]: fetch more of that chain and open again.
/// Memory: the decrypted manifest and, for the sender's own copy, the sender record (both
/// bounded by SPEC.md §4.2 limits).
///
/// ```
/// # use mailseal::identity::{self, ChainState};
/// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
/// # use mailseal::mail::{footer, open::{open_copy, Mailbox}, seal::{MailSealer, RecipientKey, SenderIdentity}, server::split_envelope};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([3; 32]);
/// # let suite = mailseal::Suite::X25519;
/// # let (alice, bob) = (UserId::new([1; 16]), UserId::new([2; 16]));
/// # let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
/// # let phone = DeviceSecret::generate(suite, DeviceId::new([2; 16]), &mut rng);
/// # let alice_puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
/// # let bob_puk = PukSecret::generate(suite, bob, 1, &mut rng)?;
/// # let alice_chain = ChainState::verify(&[identity::root(suite, alice, &laptop, alice_puk.public(), &["alice@example.com"], 1)?])?;
/// # let bob_chain = ChainState::verify(&[identity::root(suite, bob, &phone, bob_puk.public(), &["bob@example.com"], 1)?])?;
/// # let sender = SenderIdentity { address: "alice@example.com", puk: &alice_puk, device: &laptop, chain: &alice_chain };
/// # let mut mail = MailSealer::new(suite, sender, "<m@example.com>", 1)?
/// #     .to(RecipientKey::from_chain("bob@example.com", &bob_chain)?);
/// # let body = mail.add_piece(b"Hello Bob", &mut rng)?;
/// # let envelope = mail.seal(&mut rng)?;
/// # let copy = split_envelope(&envelope)?.into_iter().find(|c| c.user == bob).unwrap().copy;
/// // Bob opens his copy with his own chain and the chains he verified (Alice's).
/// let opened = open_copy(&copy, &Mailbox::new(&bob_chain, [&bob_puk]), &[&alice_chain])?;
/// assert_eq!(opened.open_piece(0, &body)?, b"Hello Bob");
/// // A plain list shows no key-transparency proof: Server Encrypted (`PublishedChains` is
/// // the directory that carries them), however well it was signed.
/// let reasons = footer::classify(&opened, true).reasons;
/// assert_eq!(reasons, [footer::ServerEncryptedReason::SenderNotPublished]);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub fn open_copy(
    copy: &[u8],
    mailbox: &Mailbox<'_>,
    senders: &(impl ChainDirectory + ?Sized),
) -> Result<OpenedMail, Error> {
    let (me, puks) = (&mailbox.user, &mailbox.puks);
    // 1. Syntax and limits.
    let copy = CopyView::parse(copy)?;
    let (header, suite) = RoutingHeader::parse(copy.header)?;
    let b = &copy.recipient_box;
    let kind = b.validate(suite)?;

    // 2. The box must be the caller's, for a generation it holds.
    if b.user != *me {
        return Err(Error::NotARecipient);
    }
    let puk = puks
        .iter()
        .find(|p| p.generation() == b.generation && p.public().user == *me && p.suite() == suite)
        .ok_or(Error::NotARecipient)?;

    // 3. Structure: the kind agrees with the header, the tail and the sender record are
    //    where they belong.
    check_kind_against_header(&header, kind, b.address, &b.user)?;
    check_box_tail(&header, kind, b.tail.as_ref())?;
    if (kind == RecipientKind::Sender) != copy.sender_record.is_some() {
        return Err(Malformed::Field(Field::RecipientSet).into());
    }

    // 4. The mailbox's own chain: the tail the sender bound is one it holds, and the
    //    generation is the chain's.
    let stale_generation = match (mailbox.chain, b.tail.as_ref()) {
        (Some(own), Some(tail)) => {
            check_tail(own, tail)?;
            let on_record = own
                .puk(b.generation)
                .is_some_and(|p| p.mail_key == puk.public().mail_key);
            if !on_record {
                return Err(AuthFailure::RecipientBox.into());
            }
            b.generation < own.generation_at(tail.seq)
        }
        _ => false,
    };

    // 5. Device-signed mail: the signer is a device of the sender's verified chain, which
    //    the caller's view has reached. Server-sealed mail: no signer.
    let signer = match (
        header.origin(),
        &header.sender.user,
        &header.sender.device,
        header.sender.chain.as_ref(),
    ) {
        (Origin::SenderDevice, Some(user), Some(device), Some(tail)) => {
            let chain = senders.chain(user).ok_or(AuthFailure::UnknownSigner)?;
            check_tail(chain, tail)?;
            let d = chain
                .device(device)
                .filter(|d| d.was_active_at(tail.seq))
                .ok_or(AuthFailure::UnknownSigner)?;
            Some((chain, d, *tail))
        }
        _ => None,
    };
    let sender = match (signer, &header.sender.user) {
        (Some((_, d, tail)), Some(user)) => {
            SenderBinding::signed(user, &d.public.id, &d.public.verifying_key, tail)
        }
        _ => SenderBinding::UNSIGNED,
    };

    // 6. Recompute this recipient's digest and open the box with it as aad.
    let manifest_digest = piece::digest(suite, Purpose::Manifest, copy.manifest)?;
    let fingerprint = puk.public().mail_key.fingerprint();
    let header_digest = header_hash(copy.header);
    let input = DigestInput {
        suite,
        header_hash: &header_digest,
        sender,
        recipient: RecipientEntry {
            address: b.address,
            user: &b.user,
            generation: b.generation,
            kind,
            key_fingerprint: &fingerprint,
            tail: b.tail.as_ref(),
        },
        manifest_digest: &manifest_digest,
        bcc_commitment: &copy.bcc_commitment,
    };
    let digest = recipient_digest(&input);
    let plaintext = match kind {
        // SPEC.md §6.4: the sender's own box is sealed under its PUK's symmetric key.
        RecipientKind::Sender => {
            let key = crate::mail::envelope::build::self_box_key(puk, &digest);
            let opened = piece::open(suite, Purpose::SelfBox, &key, b.ciphertext)
                .map_err(|_| AuthFailure::RecipientBox)?;
            zeroize::Zeroizing::new(opened.plaintext)
        }
        _ => kem::open(
            puk.mail_secret(),
            b.enc,
            &box_info(suite),
            &digest,
            b.ciphertext,
        )?,
    };
    let inner = BoxPlaintext::decode(&plaintext)?;

    // 7–8. Signed boxes only in device-signed mail, unsigned only in server-sealed mail; then
    //    the tree signature over the root this leaf and path lead to.
    let root = match (signer, inner.signed) {
        (Some((_, d, _)), true) => {
            let root = tree::root_from_path(
                tree::leaf(&inner.salt, &digest),
                inner.position,
                &inner.path,
            );
            if !d
                .public
                .verifying_key
                .verify_strict(&tree::signed_message(suite, &root), &inner.signature)
            {
                return Err(AuthFailure::Signature.into());
            }
            Some(root)
        }
        (None, false) => None,
        _ => return Err(AuthFailure::BoxKind.into()),
    };

    // 9. The manifest, whose digest the digest (and the signature) covers.
    let message_key = PieceKey::from_bytes(inner.message_key);
    let manifest = Manifest::open(suite, &message_key, copy.manifest, &manifest_digest)?;
    check_manifest_against_header(&manifest, &header)?;

    // 10. The sender's own copy: BCC string and the whole recipient list.
    let sent = match (copy.sender_record, root) {
        (Some(record), Some(root)) => Some(check_sender_record(
            &input,
            &header,
            &crate::mail::envelope::build::sender_record_key(puk, &digest),
            record,
            &inner,
            &root,
        )?),
        (Some(_), None) => return Err(Malformed::Field(Field::RecipientSet).into()),
        (None, _) => None,
    };

    // 11. What the chains say of the signer (in the caller's current view: a device revoked
    //     since is reported revoked), of the From address, and of escrow.
    let sender_status = match signer {
        None => SenderStatus::Unsigned,
        Some((_, d, _)) if !d.is_active() => SenderStatus::RevokedDevice,
        Some((_, d, _)) => match d.role {
            DeviceRole::Ordinary => SenderStatus::VerifiedActiveDevice,
            DeviceRole::Escrow => SenderStatus::EscrowDevice,
            DeviceRole::Backup => SenderStatus::BackupDevice,
        },
    };
    let findings = Findings {
        escrow: mailbox.chain.and_then(|c| c.escrow()).cloned(),
        // §11.2: escrow of the sender's mailbox reads the sender's copy unless it was turned
        // off at or before the mail's tail (turning it off rotates the PUK away from it).
        sender_escrow: signer.and_then(|(chain, _, tail)| {
            chain
                .escrow_history()
                .iter()
                .rev()
                .find(|e| e.disabled_at.is_none_or(|off| off > tail.seq))
                .cloned()
        }),
        from_is_senders: signer
            .is_some_and(|(chain, _, _)| chain.has_address(&header.sender.address)),
        stale_generation,
    };
    // What a report of this mail will show (SPEC.md §13): the signature's evidence.
    let evidence = match (root, b.tail) {
        (Some(_), Some(tail)) => Some(Evidence {
            header: copy.header.to_vec(),
            address: b.address.into(),
            user: b.user,
            generation: b.generation,
            kind,
            tail,
            manifest_digest,
            bcc_commitment: copy.bcc_commitment,
            salt: inner.salt,
            position: inner.position,
            path: inner.path,
            signature: inner.signature,
        }),
        _ => None,
    };
    let mut opened =
        OpenedMail::from_parts(header, suite, kind, sender_status, manifest, sent, findings);
    opened.evidence = evidence;
    // Whether the directory showed the signer's chain to be published (SPEC.md §14.4, §11.2
    // condition 6): the chain the signer was verified against must have its own tail in the
    // log; a proof of another position shows nothing about this view.
    opened.publication = signer.map(|(chain, _, _)| match senders.publication(&chain.user()) {
        Publication::Published(t) if t.seq() == chain.tail().seq => Publication::Published(t),
        _ => Publication::NotShown,
    });
    opened.require_published = mailbox.require_published;
    Ok(opened)
}

/// SPEC.md §6.9 step 9: the manifest lists as many pieces as the header, each with the
/// digest the header states (and signs).
pub(crate) fn check_manifest_against_header(
    manifest: &Manifest,
    header: &RoutingHeader,
) -> Result<(), Error> {
    let same = manifest.pieces.len() == header.piece_digests.len()
        && manifest
            .pieces
            .iter()
            .zip(&header.piece_digests)
            .all(|(entry, stated)| entry.digest == *stated);
    if same {
        Ok(())
    } else {
        Err(Malformed::ManifestMismatch.into())
    }
}

/// SPEC.md §6.9: a chain position the input binds must be one the caller's view holds: past
/// its tail is [`ChainError::Behind`] (fetch more), another hash there is
/// [`ChainError::Fork`].
pub(crate) fn check_tail(chain: &ChainState, tail: &ChainTail) -> Result<(), Error> {
    match chain.hash_at(tail.seq) {
        Some(h) if bool::from(h.ct_eq(&tail.hash)) => Ok(()),
        Some(_) => Err(ChainError::Fork { seq: tail.seq }.into()),
        None => Err(ChainError::Behind {
            user: *chain.user().as_bytes(),
            have: chain.tail().seq,
            need: tail.seq,
        }
        .into()),
    }
}

/// SPEC.md §6.4: in device-signed mail the boxes of users (kinds 0–3) carry the user's chain
/// tail and the server's box none; in server-sealed mail no box carries one.
pub(crate) fn check_box_tail(
    header: &RoutingHeader,
    kind: RecipientKind,
    tail: Option<&ChainTail>,
) -> Result<(), Error> {
    let needed = header.origin() == Origin::SenderDevice && kind != RecipientKind::ServerAccess;
    if needed != tail.is_some() || tail.is_some_and(|t| t.seq == 0) {
        return Err(Malformed::Field(Field::ChainTail).into());
    }
    Ok(())
}

/// SPEC.md §6.9 step 3: To and CC boxes are named in the header with their user, BCC and
/// server boxes are not, and the sender's box is the header's sender user.
pub(crate) fn check_kind_against_header(
    header: &RoutingHeader,
    kind: RecipientKind,
    address: &str,
    user: &UserId,
) -> Result<(), Error> {
    let named = (header.to.iter().map(|p| (p, RecipientKind::To)))
        .chain(header.cc.iter().map(|p| (p, RecipientKind::Cc)))
        .find(|(p, _)| p.user == Some(*user))
        .map(|(p, list)| (list, p.address.as_str()));
    check_kind(header, named, kind, address, user)
}

/// [`check_kind_against_header`] given where the header names `user`: the list (To or CC)
/// and the address there, or `None`. A valid header names a user at most once (SPEC.md §6.1).
pub(crate) fn check_kind(
    header: &RoutingHeader,
    named: Option<(RecipientKind, &str)>,
    kind: RecipientKind,
    address: &str,
    user: &UserId,
) -> Result<(), Error> {
    let is_sender = header.sender.user == Some(*user);
    let signed = header.origin() == Origin::SenderDevice;
    let ok = match kind {
        RecipientKind::Sender => signed && is_sender && header.sender.address == address,
        RecipientKind::To | RecipientKind::Cc => named == Some((kind, address)) && !is_sender,
        RecipientKind::Bcc => named.is_none() && !is_sender,
        RecipientKind::ServerAccess => signed && named.is_none() && !is_sender,
        RecipientKind::Link => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Malformed::Field(Field::RecipientSet).into())
    }
}

/// SPEC.md §6.9 step 10: open the sender record, check the BCC commitment, rebuild the tree
/// from every recorded recipient and require the signed root.
fn check_sender_record(
    own: &DigestInput<'_>,
    header: &RoutingHeader,
    record_key: &PieceKey,
    ciphertext: &[u8],
    own_box: &BoxPlaintext,
    signed_root: &[u8; 32],
) -> Result<SentRecord, Error> {
    let record = SenderRecord::open(own.suite, record_key, ciphertext)?;
    let commitment = bcc_commitment(own.suite, &record.bcc_key.0, &record.bcc);
    if !bool::from(commitment.ct_eq(own.bcc_commitment)) {
        return Err(AuthFailure::BccCommitment.into());
    }
    let mut leaves = Vec::with_capacity(record.recipients.len());
    let mut recipients = Vec::with_capacity(record.recipients.len());
    let mut own_entries = 0usize;
    for r in &record.recipients {
        check_address(&r.address)?;
        let kind = RecipientKind::from_code(r.kind)?;
        check_box_tail(header, kind, r.tail.as_ref()).map_err(|_| AuthFailure::RecipientList)?;
        let position = usize::from(r.position);
        if position >= TREE_SLOTS || leaves.iter().any(|(p, _)| *p == position) {
            return Err(AuthFailure::RecipientList.into());
        }
        check_kind_against_header(header, kind, &r.address, &r.user)
            .map_err(|_| AuthFailure::RecipientList)?;
        let digest = recipient_digest(&DigestInput {
            recipient: RecipientEntry {
                address: &r.address,
                user: &r.user,
                generation: r.generation,
                kind,
                key_fingerprint: &r.key_fingerprint.0,
                tail: r.tail.as_ref(),
            },
            ..*own
        });
        if kind == RecipientKind::Sender {
            own_entries = own_entries.saturating_add(1);
            // The salt is secret: compare it in constant time.
            if position != own_box.position || !bool::from(r.salt.0.ct_eq(&own_box.salt)) {
                return Err(AuthFailure::RecipientList.into());
            }
        }
        leaves.push((position, tree::leaf(&r.salt.0, &digest)));
        recipients.push(RecordedRecipient {
            address: r.address.clone(),
            user: r.user,
            generation: r.generation,
            kind,
        });
    }
    // Every To and CC user of the header must be in the record (the sender's own user aside),
    // unless the server was given access: it then holds the mail for users without a key.
    let server_access = recipients
        .iter()
        .any(|r| r.kind == RecipientKind::ServerAccess);
    let all_named = server_access
        || header
            .to
            .iter()
            .chain(&header.cc)
            .filter_map(|p| p.user)
            .filter(|u| Some(*u) != header.sender.user)
            .all(|u| recipients.iter().any(|r| r.user == u));
    if own_entries != 1 || !all_named {
        return Err(AuthFailure::RecipientList.into());
    }
    if !bool::from(
        Tree::build(leaves, record.tree_key.0)
            .root()
            .ct_eq(signed_root),
    ) {
        return Err(AuthFailure::RecipientList.into());
    }
    Ok(SentRecord {
        bcc: record.bcc.clone(),
        recipients,
    })
}

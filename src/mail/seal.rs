//! The sender side: seal a mail to its recipients (SPEC.md §6.8).
//!
//! ```
//! use mailseal::identity::{self, ChainState};
//! use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
//! use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
//! use mailseal::Suite;
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
//! let (suite, now) = (Suite::X25519, 1_700_000_000);
//! let alice = UserId::new([1; 16]);
//! let alice_puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
//! let laptop = DeviceSecret::generate(suite, DeviceId::new([10; 16]), &mut rng);
//! let root = identity::root(suite, alice, &laptop, alice_puk.public(), &["alice@example.com"], now)?;
//! let alice_chain = ChainState::verify(&[&root])?;
//! # let bob = UserId::new([2; 16]);
//! # let bob_puk = PukSecret::generate(suite, bob, 1, &mut rng)?;
//! # let bob_device = DeviceSecret::generate(suite, DeviceId::new([20; 16]), &mut rng);
//! # let bob_root = identity::root(suite, bob, &bob_device, bob_puk.public(), &["bob@example.com"], now)?;
//! // Bob's chain, as Alice's client verified it.
//! let bob_chain = ChainState::verify(&[&bob_root])?;
//!
//! let sender = SenderIdentity {
//!     address: "alice@example.com",
//!     puk: &alice_puk,
//!     device: &laptop,
//!     chain: &alice_chain,
//! };
//! let mut mail = MailSealer::new(suite, sender, "<id-1@example.com>", now)?
//!     .to(RecipientKey::from_chain("bob@example.com", &bob_chain)?);
//! let body = mail.add_piece(b"Subject: hi\r\n\r\nHello Bob", &mut rng)?;
//! let envelope = mail.seal(&mut rng)?;
//! assert!(!envelope.is_empty() && !body.is_empty());
//! # Ok::<(), mailseal::Error>(())
//! ```

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use crate::error::{Error, Field, Limit, Malformed, Misuse};
use crate::identity::{ChainState, DeviceRole};
use crate::keys::{DeviceSecret, PukSecret, UserId};
pub use crate::mail::envelope::RecipientKey;
use crate::mail::envelope::build::{self, Parts};
use crate::mail::envelope::link_box::{LinkFragment, LinkKey};
use crate::mail::envelope::manifest::PieceEntry;
use crate::mail::envelope::{
    FormatVersion, MAX_BCC_LEN, MAX_PIECES, MAX_RECIPIENTS, Origin, Party, RecipientKind,
    RoutingHeader, SenderParty, check_address, check_message_id,
};
use crate::piece::{PieceDigest, PieceEncryptor, PieceKey, Purpose};
use crate::suite::Suite;

/// Intermediate values of a seal, by name (SPEC.md appendix A).
#[doc(hidden)]
pub type Trace = Vec<(String, Vec<u8>)>;

/// The sending user and device.
pub struct SenderIdentity<'a> {
    /// The sender's address.
    pub address: &'a str,
    /// The sender user's current PUK: its own copy is sealed to it with the PUK's symmetric
    /// key (SPEC.md §6.4), so the sender pays no public-key operation for its Sent copy.
    pub puk: &'a PukSecret,
    /// The device that signs.
    pub device: &'a DeviceSecret,
    /// The sender's own verified chain: the device must be one of its active ordinary
    /// devices, the address one of its addresses, the PUK its current generation. The mail
    /// binds its tail.
    pub chain: &'a ChainState,
}

impl SenderIdentity<'_> {
    /// SPEC.md §6.8 step 0: what the sender's own chain must say before it may seal.
    fn check(&self, suite: Suite) -> Result<(), Error> {
        let chain = self.chain;
        if self.puk.suite() != suite
            || self.device.public().encryption_key.suite() != suite
            || chain.suite() != suite
        {
            return Err(Misuse::SuiteMismatch.into());
        }
        let device_ok = chain.device(&self.device.id()).is_some_and(|d| {
            d.is_active() && d.role == DeviceRole::Ordinary && d.public == *self.device.public()
        });
        if !device_ok || chain.user() != self.puk.public().user {
            return Err(Misuse::SenderDeviceNotActive.into());
        }
        if !chain.has_address(self.address) {
            return Err(Misuse::SenderAddressNotInChain.into());
        }
        if chain.rotation_due() {
            return Err(Misuse::RotationDue.into());
        }
        if chain.current_puk() != self.puk.public() {
            return Err(Misuse::StaleSenderKey.into());
        }
        Ok(())
    }
}

/// A piece sealed incrementally, ready to [`MailSealer::attach`].
pub struct FinishedPiece {
    key: PieceKey,
    digest: PieceDigest,
    ciphertext_len: u64,
}

impl FinishedPiece {
    /// The piece's digest.
    pub fn digest(&self) -> PieceDigest {
        self.digest
    }
    /// The piece's ciphertext length, as the routing header will state it.
    pub fn ciphertext_len(&self) -> u64 {
        self.ciphertext_len
    }
}

/// Seals one piece in constant memory: push plaintext, write out what it returns, finish.
///
/// Memory: one 64 KiB chunk, whatever the piece size.
pub struct PieceSealer {
    key: PieceKey,
    encryptor: PieceEncryptor,
    written: u64,
}

impl PieceSealer {
    /// Starts a piece under a fresh key.
    pub(crate) fn new(suite: Suite, rng: &mut impl CryptoRng) -> Self {
        let key = PieceKey::generate(rng);
        let encryptor = PieceEncryptor::new(suite, Purpose::MailPiece, &key, rng);
        PieceSealer {
            key,
            encryptor,
            written: 0,
        }
    }

    /// Encrypts `plaintext`, appending ready ciphertext to `out`.
    pub fn push(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let before = out.len();
        self.encryptor.push(plaintext, out)?;
        self.written = self
            .written
            .saturating_add(out.len().saturating_sub(before) as u64);
        Ok(())
    }

    /// Appends the final chunk to `out`; the result carries the digest and total length.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<FinishedPiece, Error> {
        let before = out.len();
        let digest = self.encryptor.finish(out)?;
        Ok(FinishedPiece {
            key: self.key,
            digest,
            ciphertext_len: self
                .written
                .saturating_add(out.len().saturating_sub(before) as u64),
        })
    }
}

/// Seals `plaintext` as one piece; returns its ciphertext and what the manifest needs.
pub(crate) fn seal_piece(
    suite: Suite,
    plaintext: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<(Vec<u8>, FinishedPiece), Error> {
    let mut sealer = PieceSealer::new(suite, rng);
    let mut out = Vec::with_capacity(plaintext.len().saturating_add(128));
    sealer.push(plaintext, &mut out)?;
    let finished = sealer.finish(&mut out)?;
    Ok((out, finished))
}

/// What the header and the manifest record of the pieces: sizes, digests and the manifest's
/// entries. The keys are copied, not moved out: a value moved out of a heap buffer leaves its
/// bytes behind when the buffer is freed, while `pieces` dropping here wipes every original in
/// place.
pub(crate) struct PieceRecords {
    pub(crate) sizes: Vec<u64>,
    pub(crate) digests: Vec<PieceDigest>,
    pub(crate) entries: Vec<PieceEntry>,
}

pub(crate) fn manifest_entries(pieces: Vec<FinishedPiece>) -> PieceRecords {
    PieceRecords {
        sizes: pieces.iter().map(|p| p.ciphertext_len).collect(),
        digests: pieces.iter().map(|p| p.digest).collect(),
        entries: pieces
            .iter()
            .map(|p| PieceEntry {
                key: p.key.duplicate(),
                digest: p.digest,
            })
            .collect(),
    }
}

/// Builds and seals one mail (SPEC.md §6.8, §10.1, §10.3). Pieces are attached in order:
/// body first.
///
/// The mail is E2E (signed manifest flag `true`) exactly when every recipient is an active
/// user with a key and no server box or link box is added. Adding an external or
/// not-yet-provisioned recipient requires giving the server access ([`MailSealer::server_access`])
/// or, for externals, an access-restricted link ([`MailSealer::access_restricted`]).
pub struct MailSealer<'a> {
    suite: Suite,
    sender: SenderIdentity<'a>,
    message_id: String,
    timestamp: u64,
    to: Vec<RecipientKey>,
    cc: Vec<RecipientKey>,
    bcc: Vec<RecipientKey>,
    external: Vec<(RecipientKind, String)>,
    unprovisioned: Vec<(RecipientKind, String, UserId)>,
    server: Option<RecipientKey>,
    link_expiry: Option<u64>,
    bcc_text: String,
    pieces: Vec<FinishedPiece>,
}

impl<'a> MailSealer<'a> {
    /// Starts a mail. Checks the message id, the sender's address and that the sender's PUK
    /// belongs to `suite`.
    pub fn new(
        suite: Suite,
        sender: SenderIdentity<'a>,
        message_id: &str,
        timestamp: u64,
    ) -> Result<Self, Error> {
        check_message_id(message_id)?;
        check_address(sender.address)?;
        sender.check(suite)?;
        Ok(Self::unchecked(suite, sender, message_id, timestamp))
    }

    /// A sealer that skips the sender's own chain checks (SPEC.md §6.8 step 0): what a
    /// modified client, or an escrow administrator holding the escrow device's seed, could
    /// run. Tests use it to show that readers catch such mail on their own.
    #[cfg(test)]
    pub(crate) fn rogue(
        suite: Suite,
        sender: SenderIdentity<'a>,
        message_id: &str,
        timestamp: u64,
    ) -> Self {
        Self::unchecked(suite, sender, message_id, timestamp)
    }

    fn unchecked(
        suite: Suite,
        sender: SenderIdentity<'a>,
        message_id: &str,
        timestamp: u64,
    ) -> Self {
        MailSealer {
            suite,
            sender,
            message_id: message_id.into(),
            timestamp,
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            external: Vec::new(),
            unprovisioned: Vec::new(),
            server: None,
            link_expiry: None,
            bcc_text: String::new(),
            // Room for every piece up front: a growing Vec would move the piece keys and free
            // the old buffer unwiped.
            pieces: Vec::with_capacity(MAX_PIECES),
        }
    }

    /// Adds a To recipient.
    #[must_use]
    pub fn to(mut self, r: RecipientKey) -> Self {
        self.to.push(r);
        self
    }

    /// Adds a CC recipient.
    #[must_use]
    pub fn cc(mut self, r: RecipientKey) -> Self {
        self.cc.push(r);
        self
    }

    /// Adds a BCC recipient: it gets a box but is named in no routing header.
    #[must_use]
    pub fn bcc(mut self, r: RecipientKey) -> Self {
        self.bcc.push(r);
        self
    }

    /// Adds an external To or CC address (no account here): the mail cannot be E2E.
    #[must_use]
    pub fn external(mut self, kind: RecipientKind, address: impl Into<String>) -> Self {
        self.external.push((kind, address.into()));
        self
    }

    /// Adds a To or CC user who has no device yet: the server holds the mail and re-seals it
    /// to their first PUK ([`crate::mail::server::reseal_held`]); the mail cannot be E2E.
    #[must_use]
    pub fn unprovisioned(
        mut self,
        kind: RecipientKind,
        address: impl Into<String>,
        user: UserId,
    ) -> Self {
        self.unprovisioned.push((kind, address.into(), user));
        self
    }

    /// Gives the server access with a box to its key (SPEC.md §10.1): the signed manifest
    /// then says "not E2E".
    #[must_use]
    pub fn server_access(mut self, server: RecipientKey) -> Self {
        self.server = Some(server);
        self
    }

    /// Makes the mail access-restricted (SPEC.md §10.3): a link box whose key travels in a
    /// URL fragment, valid until `expiry` (seconds since the epoch). Seal with
    /// [`MailSealer::seal_restricted`].
    #[must_use]
    pub fn access_restricted(mut self, expiry: u64) -> Self {
        self.link_expiry = Some(expiry);
        self
    }

    /// Sets the BCC string only the sender's own copy will show (committed, SPEC.md §6.2).
    #[must_use]
    pub fn bcc_text(mut self, text: impl Into<String>) -> Self {
        self.bcc_text = text.into();
        self
    }

    /// Seals a whole piece at once and returns its ciphertext (to upload).
    ///
    /// Memory: the returned ciphertext, about the plaintext's size. A mail that already has
    /// [`MAX_PIECES`] pieces fails before any work.
    pub fn add_piece(
        &mut self,
        plaintext: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<u8>, Error> {
        if self.pieces.len() >= MAX_PIECES {
            return Err(Limit::Pieces.into());
        }
        let (out, finished) = seal_piece(self.suite, plaintext, rng)?;
        self.attach(finished)?;
        Ok(out)
    }

    /// Starts a piece to seal incrementally; [`MailSealer::attach`] it when finished.
    ///
    /// Memory: one 64 KiB chunk buffered, whatever the piece size; ciphertext is appended to
    /// the caller's buffer as it is ready (upload it and clear the buffer as you go).
    ///
    /// ```
    /// # use mailseal::identity::{self, ChainState};
    /// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
    /// # use mailseal::mail::seal::{MailSealer, RecipientKey, SenderIdentity};
    /// # use rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
    /// # let suite = mailseal::Suite::X25519;
    /// # let mut user = |n: u8, address: &str| -> Result<(PukSecret, DeviceSecret, ChainState), mailseal::Error> {
    /// #     let puk = PukSecret::generate(suite, UserId::new([n; 16]), 1, &mut rng)?;
    /// #     let device = DeviceSecret::generate(suite, DeviceId::new([n; 16]), &mut rng);
    /// #     let chain = ChainState::verify(&[identity::root(suite, UserId::new([n; 16]), &device, puk.public(), &[address], 1)?])?;
    /// #     Ok((puk, device, chain))
    /// # };
    /// # let (alice_puk, laptop, alice_chain) = user(1, "alice@example.com")?;
    /// # let (_, _, bob_chain) = user(2, "bob@example.com")?;
    /// # let sender = SenderIdentity { address: "alice@example.com", puk: &alice_puk, device: &laptop, chain: &alice_chain };
    /// let mut mail = MailSealer::new(suite, sender, "<report@example.com>", 1)?
    ///     .to(RecipientKey::from_chain("bob@example.com", &bob_chain)?);
    /// let body = mail.add_piece(b"The report is attached.", &mut rng)?;
    /// // A 1 MiB attachment, read 100 KiB at a time (from a file, in a real client).
    /// let mut sealer = mail.begin_piece(&mut rng);
    /// let mut uploaded = Vec::new();
    /// for block in vec![7u8; 1 << 20].chunks(100 * 1024) {
    ///     let mut ready = Vec::new();
    ///     sealer.push(block, &mut ready)?;
    ///     uploaded.extend_from_slice(&ready); // send `ready` on its way
    /// }
    /// let mut last = Vec::new();
    /// let attachment = sealer.finish(&mut last)?;
    /// uploaded.extend_from_slice(&last);
    /// assert_eq!(attachment.ciphertext_len(), uploaded.len() as u64);
    /// mail.attach(attachment)?;
    /// let envelope = mail.seal(&mut rng)?;
    /// # assert!(!envelope.is_empty() && !body.is_empty());
    /// # Ok::<(), mailseal::Error>(())
    /// ```
    pub fn begin_piece(&self, rng: &mut impl CryptoRng) -> PieceSealer {
        PieceSealer::new(self.suite, rng)
    }

    /// Appends a finished piece to the mail.
    pub fn attach(&mut self, piece: FinishedPiece) -> Result<(), Error> {
        if self.pieces.len() >= MAX_PIECES {
            return Err(Limit::Pieces.into());
        }
        self.pieces.push(piece);
        Ok(())
    }

    /// Seals the mail: returns the envelope to upload beside the piece ciphertexts.
    ///
    /// Memory: the envelope, about 1.6 KiB per X-Wing recipient or 0.5 KiB per X25519 one.
    /// A mail with no recipient is refused ([`Misuse::NoRecipients`]): seal drafts with
    /// [`MailSealer::seal_draft`].
    pub fn seal(self, rng: &mut impl CryptoRng) -> Result<Vec<u8>, Error> {
        self.seal_with(None, rng)
    }

    /// [`MailSealer::seal`], recording intermediate values when `trace` is given: one path,
    /// so a traced seal refuses exactly what a plain one does.
    fn seal_with(
        self,
        trace: Option<&mut Trace>,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<u8>, Error> {
        if self.link_expiry.is_some() {
            return Err(Misuse::LinkNeedsSealRestricted.into());
        }
        if !self.has_recipients() {
            return Err(Misuse::NoRecipients.into());
        }
        Ok(self.seal_inner(None, trace, rng)?.0)
    }

    /// Seals a draft (SPEC.md §6.8): a mail with no To, CC or BCC, whose only box is the
    /// sender's own. A draft given recipients is [`Misuse::DraftWithRecipients`].
    ///
    /// Memory: the envelope, about 1 KiB plus the header.
    pub fn seal_draft(self, rng: &mut impl CryptoRng) -> Result<Vec<u8>, Error> {
        if self.has_recipients() || self.server.is_some() || self.link_expiry.is_some() {
            return Err(Misuse::DraftWithRecipients.into());
        }
        Ok(self.seal_inner(None, None, rng)?.0)
    }

    /// Whether anyone but the sender is addressed.
    fn has_recipients(&self) -> bool {
        !(self.to.is_empty()
            && self.cc.is_empty()
            && self.bcc.is_empty()
            && self.external.is_empty()
            && self.unprovisioned.is_empty())
    }

    /// Checks the addressing now, as sealing will: the SPEC.md §4.2 limits, the BCC line,
    /// every address and key, duplicate users. A client can call it while the user is still
    /// adding recipients; sealing runs the same checks anyway, before it draws any key.
    ///
    /// Memory and time: linear in the recipients, no public-key operation.
    pub fn validate(&self) -> Result<(), Error> {
        self.check_addressing().map(|_| ())
    }

    /// Every check that needs no randomness: counts against the SPEC.md §4.2 limits, the
    /// BCC string, and the recipient list (6.8 step 1). Runs before any key is drawn or any
    /// public-key operation, so an oversized mail fails in microseconds.
    fn check_addressing(&self) -> Result<Vec<(RecipientKind, RecipientKey)>, Error> {
        let named = [
            self.to.len(),
            self.cc.len(),
            self.external.len(),
            self.unprovisioned.len(),
        ]
        .iter()
        .fold(0usize, |a, n| a.saturating_add(*n));
        if named > MAX_RECIPIENTS {
            return Err(Limit::Recipients.into());
        }
        if self.bcc_text.len() > MAX_BCC_LEN {
            return Err(Limit::BccSize.into());
        }
        let list = self.recipient_list()?;
        // §6.8, §10.1: unprovisioned users always, externals unless a link box carries the
        // mail to them (`access_restricted`), need the server's box: refused after the
        // recipients' own checks and before any piece is sealed.
        let needs_server = !self.unprovisioned.is_empty()
            || (!self.external.is_empty() && self.link_expiry.is_none());
        if needs_server && self.server.is_none() {
            return Err(Misuse::NeedsServerAccess.into());
        }
        Ok(list)
    }

    /// Seals access-restricted mail: returns the envelope and the link fragment to send the
    /// external reader (never to the server).
    pub fn seal_restricted(
        self,
        rng: &mut impl CryptoRng,
    ) -> Result<(Vec<u8>, LinkFragment), Error> {
        if self.link_expiry.is_none() {
            return Err(Misuse::LinkNeedsSealRestricted.into());
        }
        if !self.has_recipients() {
            return Err(Misuse::NoRecipients.into());
        }
        self.check_addressing()?;
        if self.pieces.is_empty() {
            return Err(Misuse::NoPieces.into());
        }
        // Drawn only once everything the inputs decide has been checked.
        let link = LinkKey::generate(rng);
        let (envelope, pinned) = self.seal_inner(Some(&link), None, rng)?;
        let pinned = pinned.ok_or(Misuse::LinkNeedsSealRestricted)?;
        Ok((envelope, LinkFragment::new(&link, &pinned)))
    }

    fn seal_inner(
        self,
        link: Option<&LinkKey>,
        trace: Option<&mut Trace>,
        rng: &mut impl CryptoRng,
    ) -> Result<(Vec<u8>, Option<[u8; 32]>), Error> {
        let recipients = self.check_addressing()?;
        if self.pieces.is_empty() {
            return Err(Misuse::NoPieces.into());
        }
        let needs_server =
            !self.unprovisioned.is_empty() || (!self.external.is_empty() && link.is_none());
        if needs_server && self.server.is_none() {
            return Err(Misuse::NeedsServerAccess.into());
        }
        let e2e = self.server.is_none() && link.is_none() && self.external.is_empty();
        let parties = |kind: RecipientKind, keyed: &[RecipientKey]| -> Vec<Party> {
            let keyed = keyed.iter().map(|r| Party {
                address: r.address.clone(),
                user: Some(r.puk.user),
            });
            let held = self
                .unprovisioned
                .iter()
                .filter(|(k, _, _)| *k == kind)
                .map(|(_, a, u)| Party {
                    address: a.clone(),
                    user: Some(*u),
                });
            let external = self
                .external
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, a)| Party {
                    address: a.clone(),
                    user: None,
                });
            keyed.chain(held).chain(external).collect()
        };
        let records = manifest_entries(self.pieces);
        let header = RoutingHeader {
            sender: SenderParty {
                address: self.sender.address.into(),
                chain: Some(self.sender.chain.tail()),
                device: Some(self.sender.device.id()),
                user: Some(self.sender.puk.public().user),
            },
            origin: Origin::SenderDevice,
            piece_sizes: records.sizes,
            piece_digests: records.digests,
            suite: self.suite,
            timestamp: self.timestamp,
            version: FormatVersion::V1,
            expiry: link.and(self.link_expiry),
            cc: parties(RecipientKind::Cc, &self.cc),
            message_id: self.message_id.clone(),
            to: parties(RecipientKind::To, &self.to),
        };
        header.validate()?;
        build::build(
            Parts {
                suite: self.suite,
                header,
                signer: Some(self.sender.device),
                sender_puk: Some(self.sender.puk),
                recipients,
                pieces: records.entries,
                e2e,
                bcc_text: self.bcc_text,
                link,
                trace,
            },
            rng,
        )
    }

    /// [`MailSealer::seal`], also returning every intermediate value by name; public only as
    /// [`crate::hazmat::seal_traced`].
    #[cfg(any(test, feature = "hazmat"))]
    pub(crate) fn seal_traced(self, rng: &mut impl CryptoRng) -> Result<(Vec<u8>, Trace), Error> {
        let mut trace = Vec::new();
        let envelope = self.seal_with(Some(&mut trace), rng)?;
        Ok((envelope, trace))
    }

    /// SPEC.md §6.8 step 1: the sender's own user first, then To, CC, BCC, then the server's
    /// box; every user once; every key of the mail's suite; at most [`MAX_RECIPIENTS`].
    fn recipient_list(&self) -> Result<Vec<(RecipientKind, RecipientKey)>, Error> {
        let own = RecipientKey {
            address: self.sender.address.into(),
            puk: self.sender.puk.public().clone(),
            tail: Some(self.sender.chain.tail()),
        };
        let listed = [
            (RecipientKind::To, &self.to),
            (RecipientKind::Cc, &self.cc),
            (RecipientKind::Bcc, &self.bcc),
        ];
        let mut list = alloc::vec![(RecipientKind::Sender, own)];
        // A sorted set keeps the duplicate check at n·log n for the largest mails.
        let mut seen: BTreeSet<UserId> = BTreeSet::new();
        seen.insert(self.sender.puk.public().user);
        let add = |kind: RecipientKind,
                   r: &RecipientKey,
                   list: &mut Vec<_>,
                   seen: &mut BTreeSet<UserId>|
         -> Result<(), Error> {
            check_address(&r.address)?;
            if r.puk.mail_key.suite() != self.suite {
                return Err(Misuse::SuiteMismatch.into());
            }
            // What the box will carry must be what validation accepts (§6.4): a generation
            // from 1, a chain position from 1.
            if r.puk.generation == 0 {
                return Err(Malformed::Field(Field::Generation).into());
            }
            if r.tail.is_some_and(|t| t.seq == 0) {
                return Err(Malformed::Field(Field::ChainTail).into());
            }
            // Users are sealed to as their chains give them; only the server has no chain.
            if kind != RecipientKind::ServerAccess && r.tail.is_none() {
                return Err(Misuse::RecipientWithoutChain.into());
            }
            if !seen.insert(r.puk.user) {
                return Err(Malformed::Field(Field::RecipientSet).into());
            }
            list.push((kind, r.clone()));
            Ok(())
        };
        for (kind, rs) in listed {
            for r in rs {
                if r.puk.user == self.sender.puk.public().user {
                    // Writing to oneself: the sender's own box already covers this user.
                    continue;
                }
                add(kind, r, &mut list, &mut seen)?;
            }
        }
        for (kind, address, user) in &self.unprovisioned {
            check_address(address)?;
            if !matches!(kind, RecipientKind::To | RecipientKind::Cc) || !seen.insert(*user) {
                return Err(Malformed::Field(Field::RecipientSet).into());
            }
        }
        for (kind, address) in &self.external {
            check_address(address)?;
            if !matches!(kind, RecipientKind::To | RecipientKind::Cc) {
                return Err(Malformed::Field(Field::RecipientSet).into());
            }
        }
        if let Some(server) = &self.server {
            add(RecipientKind::ServerAccess, server, &mut list, &mut seen)?;
        }
        if list.len() > MAX_RECIPIENTS {
            return Err(Limit::Recipients.into());
        }
        Ok(list)
    }
}

/// Everything about one mail but its sender, for [`seal_mail`].
#[derive(Clone, Debug, Default)]
pub struct Message<'p> {
    /// The message id (mimeID).
    pub message_id: String,
    /// Send time (seconds since the Unix epoch), from the caller's clock.
    pub timestamp: u64,
    /// To recipients.
    pub to: Vec<RecipientKey>,
    /// CC recipients.
    pub cc: Vec<RecipientKey>,
    /// BCC recipients.
    pub bcc: Vec<RecipientKey>,
    /// The BCC string for the sender's own copy.
    pub bcc_text: String,
    /// The pieces: the MIME body, then each attachment.
    pub pieces: Vec<&'p [u8]>,
    /// External To/CC addresses (need `server`).
    pub external: Vec<(RecipientKind, String)>,
    /// To/CC users without a key yet (need `server`).
    pub unprovisioned: Vec<(RecipientKind, String, UserId)>,
    /// The server's key, when the sender gives it access.
    pub server: Option<RecipientKey>,
}

/// One-shot sealing for the common case: every piece at once; returns the envelope and the
/// piece ciphertexts in order.
///
/// Memory: the piece ciphertexts (about the size of the pieces) plus the envelope.
pub fn seal_mail(
    suite: Suite,
    sender: SenderIdentity<'_>,
    message: &Message<'_>,
    rng: &mut impl CryptoRng,
) -> Result<SealedMail, Error> {
    let mut sealer = MailSealer::new(suite, sender, &message.message_id, message.timestamp)?;
    sealer.to.extend_from_slice(&message.to);
    sealer.cc.extend_from_slice(&message.cc);
    sealer.bcc.extend_from_slice(&message.bcc);
    sealer.bcc_text.clone_from(&message.bcc_text);
    sealer.external.extend_from_slice(&message.external);
    sealer
        .unprovisioned
        .extend_from_slice(&message.unprovisioned);
    sealer.server.clone_from(&message.server);
    // Refuse what can be refused before sealing a single piece.
    if !sealer.has_recipients() {
        return Err(Misuse::NoRecipients.into());
    }
    if message.pieces.len() > MAX_PIECES {
        return Err(Limit::Pieces.into());
    }
    sealer.check_addressing()?;
    let mut ciphertexts = Vec::with_capacity(message.pieces.len());
    for p in &message.pieces {
        ciphertexts.push(sealer.add_piece(p, rng)?);
    }
    Ok(SealedMail {
        envelope: sealer.seal(rng)?,
        pieces: ciphertexts,
    })
}

/// A sealed mail: the envelope and the piece ciphertexts.
#[derive(Clone, Debug)]
pub struct SealedMail {
    /// The envelope (header, manifest, boxes, sender record).
    pub envelope: Vec<u8>,
    /// Piece ciphertexts, body first.
    pub pieces: Vec<Vec<u8>>,
}

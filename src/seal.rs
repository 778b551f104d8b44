//! The sender side: seal a mail to its recipients (SPEC.md §6.8).
//!
//! ```
//! use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
//! use mailseal::seal::{MailSealer, RecipientKey, SenderIdentity};
//! use mailseal::Suite;
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
//! let suite = Suite::X25519;
//! let alice = UserId::new([1; 16]);
//! let alice_puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
//! let laptop = DeviceSecret::generate(suite, DeviceId::new([10; 16]), &mut rng);
//! let bob_puk = PukSecret::generate(suite, UserId::new([2; 16]), 1, &mut rng)?;
//!
//! let sender = SenderIdentity { address: "alice@example.com", puk: alice_puk.public(), device: &laptop };
//! let mut mail = MailSealer::new(suite, sender, "<id-1@example.com>", 1_700_000_000)?
//!     .to(RecipientKey::new("bob@example.com", bob_puk.public().clone()));
//! let body = mail.add_piece(b"Subject: hi\r\n\r\nHello Bob", &mut rng)?;
//! let envelope = mail.seal(&mut rng)?;
//! assert!(!envelope.is_empty() && !body.is_empty());
//! # Ok::<(), mailseal::Error>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use zeroize::Zeroize;

use crate::envelope::digest::{
    DigestInput, RecipientEntry, bcc_commitment, box_info, header_hash, recipient_digest,
};
use crate::envelope::manifest::{Manifest, PieceEntry};
use crate::envelope::recipient_box::BoxPlaintext;
use crate::envelope::sender_record::{RecordEntry, SenderRecord};
use crate::envelope::tree::{self, TREE_SLOTS, Tree};
use crate::envelope::{
    Envelope, MAX_BCC_LEN, MAX_PIECES, MAX_RECIPIENTS, Party, RecipientKind, RoutingHeader,
    SenderParty, VERSION, WireBox, check_address, check_message_id,
};
use crate::error::{Error, Field, Limit, Malformed};
use crate::keys::kem;
use crate::keys::{DeviceSecret, PukPublic, UserId};
use crate::piece::{PieceDigest, PieceEncryptor, PieceKey, Purpose};
use crate::suite::Suite;
use crate::wire::{Bytes, Fixed};

/// The sending user and device.
pub struct SenderIdentity<'a> {
    /// The sender's address.
    pub address: &'a str,
    /// The sender user's current PUK (its own copy is sealed to it).
    pub puk: &'a PukPublic,
    /// The device that signs.
    pub device: &'a DeviceSecret,
}

/// A recipient user as the caller's key directory authenticated it.
#[derive(Clone, Debug)]
pub struct RecipientKey {
    /// The address the mail is sent to.
    pub address: String,
    /// The user's current mail PUK (user id, generation, key).
    pub puk: PukPublic,
}

impl RecipientKey {
    /// A recipient from its address and current PUK.
    pub fn new(address: impl Into<String>, puk: PukPublic) -> Self {
        RecipientKey {
            address: address.into(),
            puk,
        }
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
    /// Encrypts `plaintext`, appending ready ciphertext to `out`.
    pub fn push(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let before = out.len();
        self.encryptor.push(plaintext, out)?;
        self.written += (out.len() - before) as u64;
        Ok(())
    }

    /// Appends the final chunk to `out`; the result carries the digest and total length.
    pub fn finish(self, out: &mut Vec<u8>) -> Result<FinishedPiece, Error> {
        let before = out.len();
        let digest = self.encryptor.finish(out)?;
        Ok(FinishedPiece {
            key: self.key,
            digest,
            ciphertext_len: self.written + (out.len() - before) as u64,
        })
    }
}

/// Builds and seals one mail (SPEC.md §6.8). Pieces are attached in order: body first.
pub struct MailSealer<'a> {
    suite: Suite,
    sender: SenderIdentity<'a>,
    message_id: String,
    timestamp: u64,
    to: Vec<RecipientKey>,
    cc: Vec<RecipientKey>,
    bcc: Vec<RecipientKey>,
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
        if sender.puk.mail_key.suite() != suite {
            return Err(Malformed::PublicKey.into());
        }
        Ok(MailSealer {
            suite,
            sender,
            message_id: message_id.into(),
            timestamp,
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            bcc_text: String::new(),
            pieces: Vec::new(),
        })
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

    /// Sets the BCC string only the sender's own copy will show (committed, SPEC.md §6.2).
    #[must_use]
    pub fn bcc_text(mut self, text: impl Into<String>) -> Self {
        self.bcc_text = text.into();
        self
    }

    /// Seals a whole piece at once and returns its ciphertext (to upload).
    ///
    /// Memory: the returned ciphertext, about the plaintext's size.
    pub fn add_piece(
        &mut self,
        plaintext: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<u8>, Error> {
        let mut sealer = self.begin_piece(rng);
        let mut out = Vec::with_capacity(plaintext.len() + 128);
        sealer.push(plaintext, &mut out)?;
        let finished = sealer.finish(&mut out)?;
        self.attach(finished)?;
        Ok(out)
    }

    /// Starts a piece to seal incrementally; [`MailSealer::attach`] it when finished.
    pub fn begin_piece(&self, rng: &mut impl CryptoRng) -> PieceSealer {
        let key = PieceKey::generate(rng);
        let encryptor = PieceEncryptor::new(self.suite, Purpose::MailPiece, &key, rng);
        PieceSealer {
            key,
            encryptor,
            written: 0,
        }
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
    pub fn seal(self, rng: &mut impl CryptoRng) -> Result<Vec<u8>, Error> {
        let recipients = self.recipient_list()?;
        if self.pieces.is_empty() {
            return Err(Malformed::ManifestMismatch.into());
        }
        if self.bcc_text.len() > MAX_BCC_LEN {
            return Err(Limit::BccSize.into());
        }
        let suite = self.suite;
        let device = self.sender.device;
        let sender_user = self.sender.puk.user;

        let header = RoutingHeader {
            version: VERSION,
            suite: suite.id(),
            message_id: self.message_id.clone(),
            timestamp: self.timestamp,
            sender: SenderParty {
                address: self.sender.address.into(),
                user: sender_user,
                device: device.id(),
            },
            to: parties(&self.to),
            cc: parties(&self.cc),
            piece_sizes: self.pieces.iter().map(|p| p.ciphertext_len).collect(),
        }
        .encode();

        let message_key = PieceKey::generate(rng);
        let manifest = Manifest {
            e2e: true,
            pieces: self
                .pieces
                .into_iter()
                .map(|p| PieceEntry {
                    key: p.key,
                    digest: p.digest,
                })
                .collect(),
        }
        .seal(suite, &message_key, rng)?;

        let mut bcc_key = [0u8; 32];
        rng.fill_bytes(&mut bcc_key);
        let bcc_commit = bcc_commitment(suite, &bcc_key, &self.bcc_text);
        let mut tree_key = [0u8; 32];
        rng.fill_bytes(&mut tree_key);
        let positions = random_positions(recipients.len(), rng);
        let header_digest = header_hash(&header);

        // Leaves: one salted digest per recipient user (SPEC.md §6.5).
        let mut entries = Vec::with_capacity(recipients.len());
        for ((kind, r), position) in recipients.iter().zip(positions) {
            let mut salt = [0u8; 32];
            rng.fill_bytes(&mut salt);
            let fingerprint = r.puk.mail_key.fingerprint();
            let digest = recipient_digest(&DigestInput {
                suite,
                header_hash: &header_digest,
                sender_user: &sender_user,
                sender_device: &device.id(),
                sender_key: &device.public().verifying_key,
                recipient: RecipientEntry {
                    address: &r.address,
                    user: &r.puk.user,
                    generation: r.puk.generation,
                    kind: *kind,
                    key_fingerprint: &fingerprint,
                },
                manifest_digest: &manifest.digest,
                bcc_commitment: &bcc_commit,
            });
            entries.push((position, salt, digest, fingerprint));
        }
        let tree = Tree::build(
            entries
                .iter()
                .map(|(p, s, d, _)| (*p, tree::leaf(s, d)))
                .collect(),
            tree_key,
        );
        let signature = device.sign(&tree::signed_message(suite, &tree.root()));

        let info = box_info(suite);
        let mut boxes = Vec::with_capacity(recipients.len());
        for ((kind, r), (position, salt, digest, _)) in recipients.iter().zip(&entries) {
            let plaintext = BoxPlaintext {
                message_key: *message_key.expose_secret(),
                salt: *salt,
                position: *position,
                path: tree.path(*position),
                signature,
            }
            .encode();
            let (enc, ciphertext) = kem::seal(&r.puk.mail_key, &info, digest, &plaintext, rng)?;
            boxes.push(WireBox {
                address: r.address.clone(),
                user: r.puk.user,
                generation: r.puk.generation,
                kind: kind.code(),
                enc: Bytes(enc),
                ciphertext: Bytes(ciphertext),
            });
        }

        let record = SenderRecord {
            bcc: self.bcc_text,
            bcc_key: Fixed(bcc_key),
            tree_key: Fixed(tree_key),
            recipients: recipients
                .iter()
                .zip(&entries)
                .map(
                    |((kind, r), (position, salt, _, fingerprint))| RecordEntry {
                        address: r.address.clone(),
                        user: r.puk.user,
                        generation: r.puk.generation,
                        kind: kind.code(),
                        key_fingerprint: Fixed(*fingerprint),
                        salt: Fixed(*salt),
                        position: *position as u16,
                    },
                )
                .collect(),
        }
        .seal(suite, &message_key, rng)?;
        bcc_key.zeroize();
        tree_key.zeroize();

        Ok(Envelope {
            header: Bytes(header),
            manifest: Bytes(manifest.ciphertext),
            bcc_commitment: Fixed(bcc_commit),
            boxes,
            sender_record: Bytes(record),
        }
        .encode())
    }

    /// SPEC.md §6.8 step 1: the sender's own user first, then To, CC, BCC; every user once;
    /// every key of the mail's suite; at most [`MAX_RECIPIENTS`].
    fn recipient_list(&self) -> Result<Vec<(RecipientKind, RecipientKey)>, Error> {
        let own = RecipientKey::new(self.sender.address, self.sender.puk.clone());
        let listed = [
            (RecipientKind::To, &self.to),
            (RecipientKind::Cc, &self.cc),
            (RecipientKind::Bcc, &self.bcc),
        ];
        let mut list = alloc::vec![(RecipientKind::Sender, own)];
        let mut seen: Vec<UserId> = alloc::vec![self.sender.puk.user];
        for (kind, rs) in listed {
            for r in rs {
                check_address(&r.address)?;
                if r.puk.mail_key.suite() != self.suite {
                    return Err(Malformed::PublicKey.into());
                }
                if r.puk.user == self.sender.puk.user {
                    // Writing to oneself: the sender's own box already covers this user.
                    continue;
                }
                if seen.contains(&r.puk.user) {
                    return Err(Malformed::Field(Field::RecipientSet).into());
                }
                seen.push(r.puk.user);
                list.push((kind, r.clone()));
            }
        }
        if list.len() > MAX_RECIPIENTS {
            return Err(Limit::Recipients.into());
        }
        Ok(list)
    }
}

fn parties(rs: &[RecipientKey]) -> Vec<Party> {
    rs.iter()
        .map(|r| Party {
            address: r.address.clone(),
            user: r.puk.user,
        })
        .collect()
}

/// `n ≤ TREE_SLOTS` distinct uniformly random leaf positions (partial Fisher–Yates).
fn random_positions(n: usize, rng: &mut impl CryptoRng) -> Vec<usize> {
    let mut slots: Vec<usize> = (0..TREE_SLOTS).collect();
    for i in 0..n.min(TREE_SLOTS) {
        let j = i + uniform_below(TREE_SLOTS - i, rng);
        slots.swap(i, j);
    }
    slots.truncate(n);
    slots
}

/// A uniform integer in `0..bound` (`bound ≥ 1`) by rejection sampling.
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

//! Opening a copy (SPEC.md §6.9) and its pieces, whole or streamed (verified, §3.8), and
//! access-restricted link copies (§10.3).

use std::sync::{Arc, Mutex};

use mailseal::mail::envelope::Party as LibParty;
use mailseal::mail::open as lib;
use mailseal::transparency::Publication;
use mailseal_bindings_shared::MultiThread;
use mailseal_bindings_shared::open as shared;

use crate::account::Keyring;
use crate::bytes::Bytes;
use crate::chain::{Chain, ChainTail, Directory, EscrowEnrollment, enrollment, tail};
use crate::convert::{self, Origin, RecipientKind, Suite, lock};
use crate::error::Result;
use crate::footer::{Classification, classification};
use crate::piece::PieceReader;
use crate::transparency::{PublishedTail, published};

/// A user's mailbox: the user's own verified chain and the PUK generations it holds (or, for
/// the server's own box, the server key's id and its PUKs).
#[derive(uniffi::Object)]
pub struct Mailbox {
    inner: shared::Mailbox<MultiThread>,
}

#[uniffi::export]
impl Mailbox {
    /// The mailbox of `chain`'s user, holding the keys in `keyring` (as they are now). It
    /// follows the key-transparency log (SPEC.md §11.2 condition 6, §14): mail from a sender
    /// whose chain the directory has not shown to be published (`Directory.add_published`)
    /// is Server Encrypted (`sender_not_published`), however it was signed.
    #[uniffi::constructor]
    pub fn new(chain: &Chain, keyring: &Keyring) -> Arc<Mailbox> {
        Arc::new(Mailbox {
            inner: shared::Mailbox::new(chain.inner.clone(), keyring.keys()),
        })
    }

    /// This mailbox for a deployment that runs no key-transparency log: mail from a sender
    /// not shown to be published may be E2E, always with the caution
    /// `sender_not_checked_in_log`. Returns a new object (the keys are shared, not copied).
    pub fn without_key_transparency(&self) -> Arc<Mailbox> {
        Arc::new(Mailbox {
            inner: self.inner.without_key_transparency(),
        })
    }

    /// The server's own mailbox (SPEC.md §10.1): its key id and its PUKs; no chain.
    #[uniffi::constructor]
    pub fn server(key_id: &str, keyring: &Keyring) -> Result<Arc<Mailbox>> {
        Ok(Arc::new(Mailbox {
            inner: shared::Mailbox::server(key_id, keyring.keys())?,
        }))
    }

    /// Opens a copy with every check of SPEC.md §6.9. `senders`: the chains this client
    /// verified (the sender's must be there for signed mail).
    pub fn open(&self, copy: Bytes, senders: &Directory) -> Result<Arc<OpenedMail>> {
        let senders = senders.snapshot();
        let opened = self.inner.open(&copy, &senders)?;
        Ok(Arc::new(OpenedMail { inner: opened }))
    }
}

/// Opens an access-restricted link copy with the fragment of its link, at `now` (seconds
/// since the epoch, the reader's clock).
#[uniffi::export]
pub fn open_link_copy(copy: Bytes, fragment: &str, now: u64) -> Result<Arc<OpenedMail>> {
    let opened = mailseal::mail::link::open_link_copy(&copy, fragment, now)?;
    Ok(Arc::new(OpenedMail { inner: opened }))
}

/// A party of the routing header: an address, and the user id when it is a local user's.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Party {
    /// The address.
    pub address: String,
    /// The user id (32 hex digits), for local users.
    pub user: Option<String>,
}

pub(crate) fn party(p: &LibParty) -> Party {
    Party {
        address: p.address.clone(),
        user: p.user.map(|u| u.to_string()),
    }
}

/// The sender as the routing header names it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct Sender {
    /// The From address.
    pub address: String,
    /// The sender's user id, for local senders.
    pub user: Option<String>,
    /// The signing device, for device-signed mail.
    pub device: Option<String>,
    /// The sender's chain tail the mail was sealed under.
    pub chain: Option<ChainTail>,
}

/// A copy's routing header (SPEC.md §6.1).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RoutingHeader {
    /// The sender.
    pub sender: Sender,
    /// Where the mail came from.
    pub origin: Origin,
    /// The message id.
    pub message_id: String,
    /// The time it was sealed (seconds since the epoch).
    pub timestamp: u64,
    /// The To parties.
    pub to: Vec<Party>,
    /// The CC parties.
    pub cc: Vec<Party>,
    /// Each piece's ciphertext length.
    pub piece_sizes: Vec<u64>,
    /// Each piece's digest.
    pub piece_digests: Vec<Bytes>,
    /// When an access-restricted link expires.
    pub expiry: Option<u64>,
    /// The suite.
    pub suite: Suite,
}

pub(crate) fn routing_header(h: &mailseal::mail::envelope::RoutingHeader) -> RoutingHeader {
    RoutingHeader {
        sender: Sender {
            address: h.sender.address.clone(),
            user: h.sender.user.map(|u| u.to_string()),
            device: h.sender.device.map(|d| d.to_string()),
            chain: h.sender.chain.as_ref().map(tail),
        },
        origin: Origin::of(h.origin()),
        message_id: h.message_id.clone(),
        timestamp: h.timestamp,
        to: h.to.iter().map(party).collect(),
        cc: h.cc.iter().map(party).collect(),
        piece_sizes: h.piece_sizes.clone(),
        piece_digests: h.piece_digests.iter().map(|d| d.0[..].into()).collect(),
        expiry: h.expiry,
        suite: Suite::of(h.suite),
    }
}

/// One recipient of the sender's own record.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SentRecipient {
    /// The address.
    pub address: String,
    /// The user id.
    pub user: String,
    /// The PUK generation sealed to.
    pub generation: u32,
    /// How it was addressed.
    pub kind: RecipientKind,
}

/// What the sender's own copy records (SPEC.md §6.2), verified against the signed list.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SentRecord {
    /// The BCC line.
    pub bcc: String,
    /// Every recipient user, BCC included.
    pub recipients: Vec<SentRecipient>,
}

/// A copy that opened: its routing header, who signed it, its pieces' keys.
#[derive(uniffi::Object)]
pub struct OpenedMail {
    pub(crate) inner: lib::OpenedMail,
}

#[uniffi::export]
impl OpenedMail {
    /// The routing header.
    pub fn header(&self) -> RoutingHeader {
        routing_header(self.inner.header())
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        Suite::of(self.inner.suite())
    }

    /// How this copy's box was addressed.
    pub fn recipient_kind(&self) -> RecipientKind {
        RecipientKind::of(self.inner.recipient_kind())
    }

    /// Who signed it (SPEC.md §11.3): `verified_active_device`, `revoked_device`,
    /// `escrow_device`, `backup_device` or `unsigned`.
    pub fn sender_status(&self) -> String {
        self.inner.sender_status().code().into()
    }

    /// Whether the sender's chain was shown to be in the transparency log, and where; none
    /// when the directory showed nothing (or the mail is unsigned).
    pub fn sender_publication(&self) -> Option<PublishedTail> {
        match self.inner.sender_publication() {
            Some(Publication::Published(t)) => Some(published(t)),
            _ => None,
        }
    }

    /// The signed manifest's E2E flag.
    pub fn e2e_flag(&self) -> bool {
        self.inner.e2e_flag()
    }

    /// Whether the From address is one of the signer's chain's addresses.
    pub fn from_is_senders(&self) -> bool {
        self.inner.from_is_senders()
    }

    /// The sender's own copy only: the BCC line and every recipient, verified against the
    /// signed recipient list.
    pub fn sent_record(&self) -> Option<SentRecord> {
        self.inner.sent_record().map(|r| SentRecord {
            bcc: r.bcc.clone(),
            recipients: r
                .recipients
                .iter()
                .map(|e| SentRecipient {
                    address: e.address.clone(),
                    user: e.user.to_string(),
                    generation: e.generation,
                    kind: RecipientKind::of(e.kind),
                })
                .collect(),
        })
    }

    /// The reader's own escrow enrollment (to disclose beside the mail), if any.
    pub fn mailbox_escrow(&self) -> Option<EscrowEnrollment> {
        self.inner.mailbox_escrow().map(enrollment)
    }

    /// The sender's escrow enrollment that can read this mail (SPEC.md §11.2), if any.
    pub fn sender_escrow(&self) -> Option<EscrowEnrollment> {
        self.inner.sender_escrow().map(enrollment)
    }

    /// The footer (SPEC.md §11.2), in the product's words. `sender_is_known_contact`:
    /// whether the reader has written with the sender before.
    pub fn classify(&self, sender_is_known_contact: bool) -> Classification {
        classification(&mailseal::mail::footer::classify(
            &self.inner,
            sender_is_known_contact,
        ))
    }

    /// How many pieces (body first).
    pub fn piece_count(&self) -> u32 {
        convert::count(self.inner.piece_count())
    }

    /// The ciphertext length of piece `index` as the header states it.
    pub fn piece_size(&self, index: u32) -> Result<u64> {
        Ok(self.inner.piece_size(convert::index(index))?)
    }

    /// The digest of piece `index` the manifest records.
    pub fn piece_digest(&self, index: u32) -> Result<Bytes> {
        Ok(self.inner.piece_digest(convert::index(index))?.0[..].into())
    }

    /// Opens piece `index` from its whole ciphertext: plaintext only if every chunk and the
    /// manifest's digest check.
    pub fn open_piece(&self, index: u32, ciphertext: Bytes) -> Result<Bytes> {
        Ok(self
            .inner
            .open_piece(convert::index(index), &ciphertext)?
            .into())
    }

    /// A streaming opener of piece `index`: each chunk's plaintext as soon as it
    /// authenticates; the length and the manifest's digest are checked at `finish()`, so
    /// discard everything if that fails. (`verified_piece_decryptor` releases nothing the
    /// digest does not vouch for.)
    pub fn piece_decryptor(&self, index: u32) -> Result<Arc<PieceDecryptor>> {
        let d = self.inner.piece_decryptor(convert::index(index))?;
        Ok(PieceDecryptor::new(shared::PieceDecryptor::checked(d)))
    }

    /// A verified streaming opener of piece `index` (SPEC.md §3.8): the tag list (from the
    /// server, `tag_list(ciphertext)`, or read at `tag_list_ranges(length)`) is checked
    /// against the manifest's digest first; then every chunk released is the sender's.
    pub fn verified_piece_decryptor(
        &self,
        index: u32,
        tag_list: Bytes,
    ) -> Result<Arc<PieceDecryptor>> {
        let d = self
            .inner
            .verified_piece_decryptor(convert::index(index), &tag_list)?;
        Ok(PieceDecryptor::new(shared::PieceDecryptor::verified(d)))
    }

    /// Verified random access to piece `index`: open any chunk on its own.
    pub fn verified_piece_reader(&self, index: u32, tag_list: Bytes) -> Result<Arc<PieceReader>> {
        Ok(PieceReader::from_verified(
            self.inner
                .verified_piece_reader(convert::index(index), &tag_list)?,
        ))
    }
}

/// Streams one piece out of its ciphertext (`OpenedMail.piece_decryptor` or
/// `verified_piece_decryptor`): `push` ciphertext as it arrives, then `finish()`.
#[derive(uniffi::Object)]
pub struct PieceDecryptor {
    inner: Mutex<shared::PieceDecryptor>,
}

impl PieceDecryptor {
    fn new(d: shared::PieceDecryptor) -> Arc<PieceDecryptor> {
        Arc::new(PieceDecryptor {
            inner: Mutex::new(d),
        })
    }
}

#[uniffi::export]
impl PieceDecryptor {
    /// Consumes ciphertext; returns the plaintext of every chunk completed (and, verified,
    /// vouched for), possibly empty.
    pub fn push(&self, ciphertext: Bytes) -> Result<Bytes> {
        Ok(lock(&self.inner).push(&ciphertext)?.into())
    }

    /// Ends the piece: succeeds only if the whole piece came and (unverified) its length and
    /// digest check; returns the last plaintext (always empty when verified).
    pub fn finish(&self) -> Result<Bytes> {
        Ok(lock(&self.inner).finish()?.into())
    }
}

//! The server's side (SPEC.md §6.7, §10): key-free validation and splitting, the tag list of
//! a stored piece, and sealing of mail received in plaintext.

use std::sync::{Arc, Mutex};

use mailseal::mail::envelope::Party as LibParty;
use mailseal::mail::seal::{RecipientKey, SealedMail as LibSealed};
use mailseal::mail::server::{self as lib, InboundMail, RoutingInfo as LibRouting};
use mailseal::piece;
use zeroize::Zeroize;

use crate::bytes::Bytes;
use crate::chain::Chain;
use crate::convert::{self, Origin, RecipientKind, Suite, lock};
use crate::error::{Result, invalid_state};
use crate::open::OpenedMail;

/// One box of a validated envelope: who it is for.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct BoxRoute {
    /// How it was addressed.
    pub kind: RecipientKind,
    /// The recipient's address.
    pub address: String,
    /// The recipient's user id.
    pub user: String,
}

/// A recipient the server holds the mail for (no key yet).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct HeldRecipient {
    /// The address.
    pub address: String,
    /// The user id.
    pub user: String,
}

/// What key-free validation tells the server about an envelope or a copy (SPEC.md §10.4).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RoutingInfo {
    /// Where it came from.
    pub origin: Origin,
    /// The suite.
    pub suite: Suite,
    /// Every box, in envelope order.
    pub boxes: Vec<BoxRoute>,
    /// Whether it has an access-restricted link box.
    pub link_box: bool,
    /// Users it must be held for.
    pub held_for: Vec<HeldRecipient>,
    /// External addresses to deliver to.
    pub external: Vec<String>,
    /// The message id.
    pub message_id: String,
    /// Each piece's ciphertext length.
    pub piece_sizes: Vec<u64>,
}

fn routing(info: &LibRouting) -> RoutingInfo {
    RoutingInfo {
        origin: Origin::of(info.header.origin()),
        suite: Suite::of(info.suite),
        boxes: info
            .boxes
            .iter()
            .map(|b| BoxRoute {
                kind: RecipientKind::of(b.kind),
                address: b.address.clone(),
                user: b.user.to_string(),
            })
            .collect(),
        link_box: info.link_box,
        held_for: info
            .held_for
            .iter()
            .map(|h| HeldRecipient {
                address: h.address.clone(),
                user: h.user.to_string(),
            })
            .collect(),
        external: info.external.clone(),
        message_id: info.header.message_id.clone(),
        piece_sizes: info.header.piece_sizes.clone(),
    }
}

/// Validates an uploaded envelope without any key (SPEC.md §10.4); `piece_lengths` are the
/// lengths of the piece ciphertexts uploaded with it.
#[uniffi::export]
pub fn validate_envelope(envelope: Bytes, piece_lengths: Vec<u64>) -> Result<RoutingInfo> {
    Ok(routing(&lib::validate_envelope(&envelope, &piece_lengths)?))
}

/// Validates one copy on its own (for example on re-delivery), without any key.
#[uniffi::export]
pub fn validate_copy(copy: Bytes, piece_lengths: Vec<u64>) -> Result<RoutingInfo> {
    Ok(routing(&lib::validate_copy(&copy, &piece_lengths)?))
}

/// One recipient's copy of an envelope.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct RecipientCopy {
    /// The recipient's address.
    pub address: String,
    /// The recipient's user id.
    pub user: String,
    /// How it was addressed.
    pub kind: RecipientKind,
    /// The copy to store in the user's mailbox.
    pub copy: Bytes,
}

/// Splits a validated envelope into one copy per recipient user, in envelope order.
/// Key-free.
#[uniffi::export]
pub fn split_envelope(envelope: Bytes) -> Result<Vec<RecipientCopy>> {
    Ok(lib::split_envelope(&envelope)?
        .into_iter()
        .map(|c| RecipientCopy {
            address: c.address,
            user: c.user.to_string(),
            kind: RecipientKind::of(c.kind),
            copy: c.copy.into(),
        })
        .collect())
}

/// The copy an access-restricted link serves, or none if the mail has no link box.
#[uniffi::export]
pub fn link_copy(envelope: Bytes) -> Result<Option<Bytes>> {
    Ok(lib::link_copy(&envelope)?.map(Bytes))
}

/// The tag list of a stored piece ciphertext (SPEC.md §3.8), what a client needs to stream
/// the piece verified. Key-free.
#[uniffi::export]
pub fn tag_list(ciphertext: Bytes) -> Result<Bytes> {
    Ok(piece::tag_list(&ciphertext)?.into())
}

/// A byte range `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ByteRange {
    /// The first byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

/// The byte ranges of the tag list inside a ciphertext of `length` bytes (to read them from
/// storage, or fetch them with HTTP ranges, without the rest of the piece).
#[uniffi::export]
pub fn tag_list_ranges(length: u64) -> Result<Vec<ByteRange>> {
    Ok(piece::tag_list_ranges(length)?
        .map(|r| ByteRange {
            start: r.start,
            end: r.end,
        })
        .collect())
}

/// Server-sealed mail: the envelope and each piece's ciphertext.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SealedMail {
    /// The envelope.
    pub envelope: Bytes,
    /// The piece ciphertexts, body first.
    pub pieces: Vec<Bytes>,
}

fn sealed(s: LibSealed) -> SealedMail {
    SealedMail {
        envelope: s.envelope.into(),
        pieces: s.pieces.into_iter().map(Bytes).collect(),
    }
}

struct Inbound {
    sender_user: Option<mailseal::keys::UserId>,
    to: Vec<LibParty>,
    cc: Vec<LibParty>,
    recipients: Vec<RecipientKey>,
    pieces: Vec<Bytes>,
}

impl Drop for Inbound {
    fn drop(&mut self) {
        for p in &mut self.pieces {
            p.zeroize();
        }
    }
}

/// Mail the server received in plaintext, sealed on arrival (SPEC.md §10.2): unsigned, to
/// each local recipient's key. Add parties, recipients and pieces, then `seal()`.
#[derive(uniffi::Object)]
pub struct InboundSealer {
    suite: mailseal::Suite,
    origin: Origin,
    sender_address: String,
    message_id: String,
    timestamp: u64,
    state: Mutex<Option<Inbound>>,
}

impl InboundSealer {
    fn with<R>(&self, f: impl FnOnce(&mut Inbound) -> Result<R>) -> Result<R> {
        match lock(&self.state).as_mut() {
            Some(s) => f(s),
            None => Err(invalid_state("this mail was already sealed")),
        }
    }

    fn update(&self, f: impl FnOnce(&mut Inbound)) -> Result<()> {
        self.with(|s| {
            f(s);
            Ok(())
        })
    }
}

#[uniffi::export]
impl InboundSealer {
    /// A mail from `sender_address`, received or made by the server.
    #[uniffi::constructor]
    pub fn new(
        suite: Suite,
        origin: Origin,
        sender_address: String,
        message_id: String,
        timestamp: u64,
    ) -> Result<Arc<InboundSealer>> {
        Ok(Arc::new(InboundSealer {
            suite: suite.lib()?,
            origin,
            sender_address,
            message_id,
            timestamp,
            state: Mutex::new(Some(Inbound {
                sender_user: None,
                to: Vec::new(),
                cc: Vec::new(),
                recipients: Vec::new(),
                pieces: Vec::new(),
            })),
        }))
    }

    /// The sender's user id, when the sender has an account here (list mail, held mail).
    pub fn sender_user(&self, user: &str) -> Result<()> {
        let user = convert::user_id(user)?;
        self.update(|s| s.sender_user = Some(user))
    }

    /// A To party as received (`user` when the address is a local user's).
    pub fn to(&self, address: String, user: Option<String>) -> Result<()> {
        let user = user.as_deref().map(convert::user_id).transpose()?;
        self.update(|s| s.to.push(LibParty { address, user }))
    }

    /// A CC party as received.
    pub fn cc(&self, address: String, user: Option<String>) -> Result<()> {
        let user = user.as_deref().map(convert::user_id).transpose()?;
        self.update(|s| s.cc.push(LibParty { address, user }))
    }

    /// A local recipient, sealed to as the chain the server holds for them gives their key.
    pub fn recipient(&self, address: String, chain: &Chain) -> Result<()> {
        let key = RecipientKey::from_chain(address, &chain.inner)?;
        self.update(|s| s.recipients.push(key))
    }

    /// A piece (the body first, then attachments), wiped once sealed.
    pub fn add_piece(&self, plaintext: Bytes) -> Result<()> {
        self.update(|s| s.pieces.push(plaintext))
    }

    /// Seals: the envelope and the piece ciphertexts. The sealer is used up.
    pub fn seal(&self) -> Result<SealedMail> {
        let mut rng = convert::rng()?;
        let state = lock(&self.state)
            .take()
            .ok_or_else(|| invalid_state("this mail was already sealed"))?;
        let mail = InboundMail {
            origin: self.origin.lib(),
            sender_address: self.sender_address.clone(),
            sender_user: state.sender_user,
            message_id: self.message_id.clone(),
            timestamp: self.timestamp,
            to: state.to.clone(),
            cc: state.cc.clone(),
            recipients: state.recipients.clone(),
            pieces: state.pieces.iter().map(|p| p.as_slice()).collect(),
        };
        Ok(sealed(lib::seal_inbound(self.suite, &mail, &mut rng)?))
    }
}

/// Re-seals mail the server held for a user who had no key yet (SPEC.md §10.2): `held` as
/// the server opened it through its own box, `ciphertexts` its pieces, to the new user's key.
#[uniffi::export]
pub fn reseal_held(
    held: &OpenedMail,
    ciphertexts: Vec<Bytes>,
    address: String,
    chain: &Chain,
) -> Result<SealedMail> {
    let refs: Vec<&[u8]> = ciphertexts.iter().map(|c| c.as_slice()).collect();
    let key = RecipientKey::from_chain(address, &chain.inner)?;
    Ok(sealed(lib::reseal_held(
        &held.inner,
        &refs,
        key,
        &mut convert::rng()?,
    )?))
}

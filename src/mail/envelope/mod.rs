//! The envelope: routing header, manifest, recipient boxes, sender record, per-recipient
//! copies (SPEC.md §6).
//!
//! This module holds the wire structures and the derivations every side shares; sealing is
//! in [`crate::mail::seal`], opening in [`crate::mail::open`], the server's key-free work in
//! [`crate::mail::server`].

pub(crate) mod build;
pub(crate) mod digest;
mod header;
pub(crate) mod link_box;
pub(crate) mod manifest;
mod recipient;
pub(crate) mod recipient_box;
pub(crate) mod sender_record;
#[cfg(test)]
mod tests;
pub(crate) mod tree;
mod wire;

pub use header::{FormatVersion, Origin, Party, RoutingHeader, SenderParty};
pub use recipient::RecipientKey;
pub(crate) use wire::{BoxView, CopyView, EnvelopeView};
pub use wire::{Copy, Envelope, LinkCopy, WireBox};

pub use crate::wire::text::{MAX_ADDRESS_LEN, MAX_MESSAGE_ID_LEN};
pub(crate) use crate::wire::text::{check_address, check_message_id};

use crate::error::{Error, Field, Malformed};

/// Leaf positions of the recipient tree (1024).
pub const fn tree_slots() -> usize {
    tree::TREE_SLOTS
}

/// Format version written in every routing header.
pub const VERSION: u64 = 1;
/// Most recipient users per mail, the sender's own user included (the recipient tree has
/// `2^TREE_DEPTH` leaves).
pub const MAX_RECIPIENTS: usize = 1 << tree::TREE_DEPTH;
/// Most pieces per mail (body plus attachments).
pub const MAX_PIECES: usize = 256;
/// Largest piece ciphertext the routing header may announce (64 GiB).
pub const MAX_PIECE_LEN: u64 = 1 << 36;
/// Largest encoded routing header.
pub const MAX_HEADER_LEN: usize = 256 * 1024;
/// Largest manifest ciphertext.
pub const MAX_MANIFEST_LEN: usize = 64 * 1024;
/// Largest sender record ciphertext.
pub const MAX_SENDER_RECORD_LEN: usize = 512 * 1024;
/// Largest BCC string, in bytes.
pub const MAX_BCC_LEN: usize = 64 * 1024;
/// Largest encoded envelope or copy (boxes of 1024 X-Wing recipients fit with room to spare).
pub const MAX_ENVELOPE_LEN: usize = 4 * 1024 * 1024;

/// How a recipient user was addressed. Bound into its digest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecipientKind {
    /// The sender's own user (its Sent copy), code 0.
    Sender,
    /// A To recipient, code 1.
    To,
    /// A CC recipient, code 2.
    Cc,
    /// A BCC recipient, code 3: absent from the routing header.
    Bcc,
    /// The server's own box, code 4: the sender gave the server access (external or
    /// not-yet-provisioned recipients). Never in an E2E mail.
    ServerAccess,
    /// The link box of access-restricted mail, code 5 (not an HPKE box; SPEC.md §10.3).
    Link,
}

impl RecipientKind {
    /// The wire code.
    pub const fn code(self) -> u8 {
        match self {
            RecipientKind::Sender => 0,
            RecipientKind::To => 1,
            RecipientKind::Cc => 2,
            RecipientKind::Bcc => 3,
            RecipientKind::ServerAccess => 4,
            RecipientKind::Link => 5,
        }
    }

    /// Parses a wire code.
    pub fn from_code(code: u8) -> Result<Self, Error> {
        match code {
            0 => Ok(RecipientKind::Sender),
            1 => Ok(RecipientKind::To),
            2 => Ok(RecipientKind::Cc),
            3 => Ok(RecipientKind::Bcc),
            4 => Ok(RecipientKind::ServerAccess),
            _ => Err(Malformed::Field(Field::RecipientKind).into()),
        }
    }
}

//! The envelope and copy structures on the wire (SPEC.md §6.6, §6.7).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::{MAX_ENVELOPE_LEN, MAX_RECIPIENTS, RecipientKind, check_address};
use crate::error::{Error, Field, Limit, Malformed};
use crate::identity::ChainTail;
use crate::keys::UserId;
use crate::keys::kem::{HPKE_TAG_LEN, enc_len};
use crate::suite::Suite;
use crate::wire::{self, Bytes, Fixed};

use super::recipient_box::BOX_PLAINTEXT_LEN;

/// Bytes of the sender's own box: a one-chunk piece of the 451-byte box plaintext.
const SELF_BOX_LEN: usize = crate::piece::HEADER_LEN + BOX_PLAINTEXT_LEN + crate::piece::TAG_LEN;

/// One recipient box: who it is for, in the clear for routing, and the HPKE output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireBox {
    /// Recipient address.
    #[serde(rename = "a")]
    pub address: String,
    /// HPKE ciphertext of the box plaintext.
    #[serde(rename = "c")]
    pub ciphertext: Bytes,
    /// HPKE encapsulated key.
    #[serde(rename = "e")]
    pub enc: Bytes,
    /// PUK generation the box is sealed to.
    #[serde(rename = "g")]
    pub generation: u32,
    /// [`RecipientKind`] code.
    #[serde(rename = "k")]
    pub kind: u8,
    /// The recipient's chain tail the sender sealed against: present on the boxes of users
    /// in device-signed mail, `None` on the server's box and in server-sealed mail.
    #[serde(rename = "t")]
    pub tail: Option<ChainTail>,
    /// Recipient user id.
    #[serde(rename = "u")]
    pub user: UserId,
}

impl WireBox {
    /// Field checks of SPEC.md §6.4: address, kind, generation, and lengths for `suite`.
    pub(crate) fn validate(&self, suite: Suite) -> Result<RecipientKind, Error> {
        check_address(&self.address)?;
        let kind = RecipientKind::from_code(self.kind)?;
        if self.generation == 0 {
            return Err(Malformed::Field(Field::Generation).into());
        }
        // The sender's own box is symmetric (SPEC.md §6.4): no enc, a piece-cipher ciphertext.
        let (enc, ct) = match kind {
            RecipientKind::Sender => (0, SELF_BOX_LEN),
            _ => (enc_len(suite), BOX_PLAINTEXT_LEN + HPKE_TAG_LEN),
        };
        if self.enc.0.len() != enc || self.ciphertext.0.len() != ct {
            return Err(Malformed::Field(Field::BoxLength).into());
        }
        Ok(kind)
    }
}

/// What the sender's device uploads: every box, and the sender record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// One box per recipient user: the sender's own first when signed, then the recipients',
    /// then the server's if the sender gave it access.
    #[serde(rename = "b")]
    pub boxes: Vec<WireBox>,
    /// The routing header's exact bytes.
    #[serde(rename = "h")]
    pub header: Bytes,
    /// The manifest ciphertext.
    #[serde(rename = "m")]
    pub manifest: Bytes,
    /// The BCC commitment.
    #[serde(rename = "bc")]
    pub bcc_commitment: Fixed<32>,
    /// The link box of access-restricted mail (SPEC.md §10.3), if any.
    #[serde(rename = "lb")]
    pub link_box: Option<Bytes>,
    /// The sender record ciphertext (for the sender's own copy); `None` when unsigned.
    #[serde(rename = "sr")]
    pub sender_record: Option<Bytes>,
}

/// One recipient's copy: the envelope with only that recipient's box; the sender record
/// only in the sender's own copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Copy {
    /// This recipient's box.
    #[serde(rename = "b")]
    pub recipient_box: WireBox,
    /// The routing header's exact bytes.
    #[serde(rename = "h")]
    pub header: Bytes,
    /// The manifest ciphertext.
    #[serde(rename = "m")]
    pub manifest: Bytes,
    /// The BCC commitment.
    #[serde(rename = "bc")]
    pub bcc_commitment: Fixed<32>,
    /// The sender record: present exactly when the box is the sender's own.
    #[serde(rename = "sr")]
    pub sender_record: Option<Bytes>,
}

impl Envelope {
    /// Strict parse (SPEC.md §4.1) with the size limit checked first.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, Error> {
        let env: Envelope = wire::decode(bytes, MAX_ENVELOPE_LEN, Limit::EnvelopeSize)?;
        if env.boxes.len() > MAX_RECIPIENTS {
            return Err(Limit::Recipients.into());
        }
        Ok(env)
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        wire::encode(self)
    }
}

impl Copy {
    /// Strict parse (SPEC.md §4.1) with the size limit checked first.
    pub fn parse(bytes: &[u8]) -> Result<Copy, Error> {
        wire::decode(bytes, MAX_ENVELOPE_LEN, Limit::EnvelopeSize)
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        wire::encode(self)
    }
}

/// What the server serves to the reader of access-restricted mail: the envelope with only
/// the link box (SPEC.md §10.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkCopy {
    /// The routing header's exact bytes.
    #[serde(rename = "h")]
    pub header: Bytes,
    /// The manifest ciphertext.
    #[serde(rename = "m")]
    pub manifest: Bytes,
    /// The BCC commitment.
    #[serde(rename = "bc")]
    pub bcc_commitment: Fixed<32>,
    /// The link box ciphertext.
    #[serde(rename = "lb")]
    pub link_box: Bytes,
}

impl LinkCopy {
    /// Strict parse (SPEC.md §4.1) with the size limit checked first.
    pub fn parse(bytes: &[u8]) -> Result<LinkCopy, Error> {
        wire::decode(bytes, MAX_ENVELOPE_LEN, Limit::EnvelopeSize)
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        wire::encode(self)
    }
}

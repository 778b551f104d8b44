//! The envelope and copy structures on the wire (SPEC.md §6.6, §6.7).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::{
    MAX_ENVELOPE_LEN, MAX_MANIFEST_LEN, MAX_RECIPIENTS, MAX_SENDER_RECORD_LEN, RecipientKind,
    check_address,
};
use crate::error::{Error, Field, Limit, Malformed};
use crate::identity::ChainTail;
use crate::keys::UserId;
use crate::keys::kem::{HPKE_TAG_LEN, enc_len};
use crate::suite::Suite;
use crate::wire::reader::{self, NULL, Reader, Schema, put};
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
    #[serde(rename = "t", deserialize_with = "crate::wire::present")]
    pub tail: Option<ChainTail>,
    /// Recipient user id.
    #[serde(rename = "u")]
    pub user: UserId,
}

/// A box as read from an envelope or copy: borrowed from the input, with its exact bytes.
#[derive(Clone, Debug)]
pub(crate) struct BoxView<'a> {
    /// The box item's bytes as received (a copy splices them).
    pub(crate) bytes: &'a [u8],
    pub(crate) address: &'a str,
    pub(crate) ciphertext: &'a [u8],
    pub(crate) enc: &'a [u8],
    pub(crate) generation: u32,
    pub(crate) kind: u8,
    pub(crate) tail: Option<ChainTail>,
    pub(crate) user: UserId,
}

impl BoxView<'_> {
    /// Field checks of SPEC.md §6.4: address, kind, generation, and lengths for `suite`.
    pub(crate) fn validate(&self, suite: Suite) -> Result<RecipientKind, Error> {
        check_address(self.address)?;
        let kind = RecipientKind::from_code(self.kind)?;
        if self.generation == 0 {
            return Err(Malformed::Field(Field::Generation).into());
        }
        // The sender's own box is symmetric (SPEC.md §6.4): no enc, a piece-cipher ciphertext.
        let (enc, ct) = match kind {
            RecipientKind::Sender => (0, SELF_BOX_LEN),
            _ => (enc_len(suite), BOX_PLAINTEXT_LEN + HPKE_TAG_LEN),
        };
        if self.enc.len() != enc || self.ciphertext.len() != ct {
            return Err(Malformed::Field(Field::BoxLength).into());
        }
        Ok(kind)
    }

    fn owned(&self) -> WireBox {
        WireBox {
            address: self.address.into(),
            ciphertext: Bytes(self.ciphertext.to_vec()),
            enc: Bytes(self.enc.to_vec()),
            generation: self.generation,
            kind: self.kind,
            tail: self.tail,
            user: self.user,
        }
    }
}

/// `ChainTail = {h: bstr .size 32, q: uint}` (SPEC.md §6.1, §12.2).
pub(super) fn read_tail(r: &mut Reader<'_>) -> Result<ChainTail, Schema> {
    let (mut hash, mut seq) = (None, None);
    r.map(&["h", "q"], |r, key| match key {
        "h" => put(&mut hash, r.fixed()?),
        "q" => put(&mut seq, r.uint()?),
        _ => Err(Schema),
    })?;
    Ok(ChainTail {
        seq: seq.ok_or(Schema)?,
        hash: hash.ok_or(Schema)?,
    })
}

/// A user id: `bstr .size 16`.
pub(super) fn read_user(r: &mut Reader<'_>) -> Result<UserId, Schema> {
    r.fixed().map(UserId::new)
}

/// A box, `{a, c, e, g, k, t, u}` (SPEC.md §6.4), with its bytes.
fn read_box<'a>(r: &mut Reader<'a>) -> Result<BoxView<'a>, Schema> {
    let (mut view, bytes) = r.with_bytes(read_box_fields)?;
    view.bytes = bytes;
    Ok(view)
}

fn read_box_fields<'a>(r: &mut Reader<'a>) -> Result<BoxView<'a>, Schema> {
    let (mut address, mut ciphertext, mut enc, mut generation) = (None, None, None, None);
    let (mut kind, mut tail, mut user) = (None, None, None);
    r.map(&["a", "c", "e", "g", "k", "t", "u"], |r, key| match key {
        "a" => put(&mut address, r.text()?),
        "c" => put(&mut ciphertext, r.bytes()?),
        "e" => put(&mut enc, r.bytes()?),
        "g" => put(&mut generation, r.uint_of()?),
        "k" => put(&mut kind, r.uint_of()?),
        "t" => put(&mut tail, r.nullable(read_tail)?),
        "u" => put(&mut user, read_user(r)?),
        _ => Err(Schema),
    })?;
    Ok(BoxView {
        bytes: &[],
        address: address.ok_or(Schema)?,
        ciphertext: ciphertext.ok_or(Schema)?,
        enc: enc.ok_or(Schema)?,
        generation: generation.ok_or(Schema)?,
        kind: kind.ok_or(Schema)?,
        tail: tail.ok_or(Schema)?,
        user: user.ok_or(Schema)?,
    })
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
    #[serde(rename = "lb", deserialize_with = "crate::wire::present")]
    pub link_box: Option<Bytes>,
    /// The sender record ciphertext (for the sender's own copy); `None` when unsigned.
    #[serde(rename = "sr", deserialize_with = "crate::wire::present")]
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
    #[serde(rename = "sr", deserialize_with = "crate::wire::present")]
    pub sender_record: Option<Bytes>,
}

impl Envelope {
    /// Strict parse (SPEC.md §4.1) with the size limit checked first.
    pub fn parse(bytes: &[u8]) -> Result<Envelope, Error> {
        EnvelopeView::parse(bytes).map(|v| v.owned())
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        wire::encode(self)
    }
}

impl Copy {
    /// Strict parse (SPEC.md §4.1) with the size limit checked first.
    pub fn parse(bytes: &[u8]) -> Result<Copy, Error> {
        CopyView::parse(bytes).map(|c| Copy {
            recipient_box: c.recipient_box.owned(),
            header: Bytes(c.header.to_vec()),
            manifest: Bytes(c.manifest.to_vec()),
            bcc_commitment: Fixed(c.bcc_commitment),
            sender_record: c.sender_record.map(|r| Bytes(r.to_vec())),
        })
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        wire::encode(self)
    }
}

/// An item read with its bytes as received (head included), to splice into copies.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spliced<'a, T> {
    pub(crate) value: T,
    pub(crate) bytes: &'a [u8],
}

fn spliced<'a, T>(
    r: &mut Reader<'a>,
    read: impl FnOnce(&mut Reader<'a>) -> Result<T, Schema>,
) -> Result<Spliced<'a, T>, Schema> {
    r.with_bytes(read)
        .map(|(value, bytes)| Spliced { value, bytes })
}

/// An envelope as read, borrowed from its bytes (SPEC.md §6.6).
pub(crate) struct EnvelopeView<'a> {
    pub(crate) boxes: Vec<BoxView<'a>>,
    pub(crate) header: Spliced<'a, &'a [u8]>,
    pub(crate) manifest: Spliced<'a, &'a [u8]>,
    pub(crate) bcc_commitment: Spliced<'a, [u8; 32]>,
    pub(crate) link_box: Spliced<'a, Option<&'a [u8]>>,
    pub(crate) sender_record: Spliced<'a, Option<&'a [u8]>>,
}

impl<'a> EnvelopeView<'a> {
    /// Strict parse (SPEC.md §4.1) with the size limit checked first, then the box count.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let env = reader::decode(bytes, MAX_ENVELOPE_LEN, Limit::EnvelopeSize, read_envelope)?;
        if env.boxes.len() > MAX_RECIPIENTS {
            return Err(Limit::Recipients.into());
        }
        check_part_sizes(env.manifest.value, env.sender_record.value)?;
        Ok(env)
    }

    /// The copy (SPEC.md §6.7) holding box `b` of this envelope, and the sender record if
    /// `with_record`: spliced from the items as received. They are canonical (the parse
    /// checked it), so these are the bytes [`Copy::encode`] gives for the same values.
    pub(crate) fn copy_bytes(&self, b: &BoxView<'_>, with_record: bool) -> Vec<u8> {
        let record: &[u8] = if with_record {
            self.sender_record.bytes
        } else {
            &[NULL]
        };
        let parts: [&[u8]; 10] = [
            &[0xa5, 0x61, b'b'],
            b.bytes,
            &[0x61, b'h'],
            self.header.bytes,
            &[0x61, b'm'],
            self.manifest.bytes,
            &[0x62, b'b', b'c'],
            self.bcc_commitment.bytes,
            &[0x62, b's', b'r'],
            record,
        ];
        parts.concat()
    }

    /// The link copy (SPEC.md §10.3), spliced as [`EnvelopeView::copy_bytes`] does; `None`
    /// without a link box.
    pub(crate) fn link_copy_bytes(&self) -> Option<Vec<u8>> {
        self.link_box.value?;
        let parts: [&[u8]; 8] = [
            &[0xa4, 0x61, b'h'],
            self.header.bytes,
            &[0x61, b'm'],
            self.manifest.bytes,
            &[0x62, b'b', b'c'],
            self.bcc_commitment.bytes,
            &[0x62, b'l', b'b'],
            self.link_box.bytes,
        ];
        Some(parts.concat())
    }

    fn owned(&self) -> Envelope {
        Envelope {
            boxes: self.boxes.iter().map(BoxView::owned).collect(),
            header: Bytes(self.header.value.to_vec()),
            manifest: Bytes(self.manifest.value.to_vec()),
            bcc_commitment: Fixed(self.bcc_commitment.value),
            link_box: self.link_box.value.map(|b| Bytes(b.to_vec())),
            sender_record: self.sender_record.value.map(|b| Bytes(b.to_vec())),
        }
    }
}

/// `{b, h, m, bc, lb, sr}` (SPEC.md §6.6); boxes past the limit are read but not kept.
fn read_envelope<'a>(r: &mut Reader<'a>) -> Result<EnvelopeView<'a>, Schema> {
    let (mut boxes, mut header, mut manifest) = (None, None, None);
    let (mut bcc_commitment, mut link_box, mut sender_record) = (None, None, None);
    r.map(&["b", "h", "m", "bc", "lb", "sr"], |r, key| match key {
        "b" => put(
            &mut boxes,
            r.array(MAX_RECIPIENTS.saturating_add(1), read_box)?,
        ),
        "h" => put(&mut header, spliced(r, Reader::bytes)?),
        "m" => put(&mut manifest, spliced(r, Reader::bytes)?),
        "bc" => put(&mut bcc_commitment, spliced(r, Reader::fixed)?),
        "lb" => put(&mut link_box, spliced(r, |r| r.nullable(Reader::bytes))?),
        "sr" => put(
            &mut sender_record,
            spliced(r, |r| r.nullable(Reader::bytes))?,
        ),
        _ => Err(Schema),
    })?;
    Ok(EnvelopeView {
        boxes: boxes.ok_or(Schema)?,
        header: header.ok_or(Schema)?,
        manifest: manifest.ok_or(Schema)?,
        bcc_commitment: bcc_commitment.ok_or(Schema)?,
        link_box: link_box.ok_or(Schema)?,
        sender_record: sender_record.ok_or(Schema)?,
    })
}

/// A copy as read, borrowed from its bytes (SPEC.md §6.7).
pub(crate) struct CopyView<'a> {
    pub(crate) recipient_box: BoxView<'a>,
    pub(crate) header: &'a [u8],
    pub(crate) manifest: &'a [u8],
    pub(crate) bcc_commitment: [u8; 32],
    pub(crate) sender_record: Option<&'a [u8]>,
}

impl<'a> CopyView<'a> {
    /// Strict parse (SPEC.md §4.1) with the size limit checked first.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, Error> {
        let copy = reader::decode(bytes, MAX_ENVELOPE_LEN, Limit::EnvelopeSize, read_copy)?;
        check_part_sizes(copy.manifest, copy.sender_record)?;
        Ok(copy)
    }
}

/// SPEC.md §4.2: the manifest's and the sender record's limits, right after the structure
/// decodes and before a byte of either is hashed or opened.
fn check_part_sizes(manifest: &[u8], sender_record: Option<&[u8]>) -> Result<(), Error> {
    if manifest.len() > MAX_MANIFEST_LEN {
        return Err(Limit::ManifestSize.into());
    }
    if sender_record.is_some_and(|r| r.len() > MAX_SENDER_RECORD_LEN) {
        return Err(Limit::SenderRecordSize.into());
    }
    Ok(())
}

/// `{b, h, m, bc, sr}` (SPEC.md §6.7).
fn read_copy<'a>(r: &mut Reader<'a>) -> Result<CopyView<'a>, Schema> {
    let (mut recipient_box, mut header, mut manifest) = (None, None, None);
    let (mut bcc_commitment, mut sender_record) = (None, None);
    r.map(&["b", "h", "m", "bc", "sr"], |r, key| match key {
        "b" => put(&mut recipient_box, read_box(r)?),
        "h" => put(&mut header, r.bytes()?),
        "m" => put(&mut manifest, r.bytes()?),
        "bc" => put(&mut bcc_commitment, r.fixed()?),
        "sr" => put(&mut sender_record, r.nullable(Reader::bytes)?),
        _ => Err(Schema),
    })?;
    Ok(CopyView {
        recipient_box: recipient_box.ok_or(Schema)?,
        header: header.ok_or(Schema)?,
        manifest: manifest.ok_or(Schema)?,
        bcc_commitment: bcc_commitment.ok_or(Schema)?,
        sender_record: sender_record.ok_or(Schema)?,
    })
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
        let copy = reader::decode(bytes, MAX_ENVELOPE_LEN, Limit::EnvelopeSize, read_link_copy)?;
        check_part_sizes(&copy.manifest.0, None)?;
        Ok(copy)
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        wire::encode(self)
    }
}

/// `{h, m, bc, lb}` (SPEC.md §10.3).
fn read_link_copy(r: &mut Reader<'_>) -> Result<LinkCopy, Schema> {
    let (mut header, mut manifest, mut bcc_commitment, mut link_box) = (None, None, None, None);
    r.map(&["h", "m", "bc", "lb"], |r, key| match key {
        "h" => put(&mut header, r.bytes()?),
        "m" => put(&mut manifest, r.bytes()?),
        "bc" => put(&mut bcc_commitment, r.fixed()?),
        "lb" => put(&mut link_box, r.bytes()?),
        _ => Err(Schema),
    })?;
    let owned = |b: Option<&[u8]>| b.map(|b| Bytes(b.to_vec())).ok_or(Schema);
    Ok(LinkCopy {
        header: owned(header)?,
        manifest: owned(manifest)?,
        bcc_commitment: Fixed(bcc_commitment.ok_or(Schema)?),
        link_box: owned(link_box)?,
    })
}

//! The routing header: the plaintext, authenticated metadata the server routes by (SPEC.md §6.1).

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::{
    MAX_HEADER_LEN, MAX_PIECE_LEN, MAX_PIECES, MAX_RECIPIENTS, VERSION, check_address,
    check_message_id,
};
use crate::error::{Error, Field, Limit, Malformed, Unsupported};
use crate::identity::ChainTail;
use crate::keys::{DeviceId, UserId};
use crate::piece::PieceDigest;
use crate::suite::Suite;
use crate::wire::reader::{self, Reader, Schema, put};
use crate::wire::{self, Fixed};

use super::wire::{read_tail, read_user};

/// The sender as the routing header names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderParty {
    /// The sender's address.
    #[serde(rename = "a")]
    pub address: String,
    /// The sender's chain tail the mail was sealed against; `None` for server-sealed mail.
    #[serde(rename = "c", deserialize_with = "crate::wire::present")]
    pub chain: Option<ChainTail>,
    /// The device that signed the mail; `None` for server-sealed mail.
    #[serde(rename = "d", deserialize_with = "crate::wire::present")]
    pub device: Option<DeviceId>,
    /// The sender's user id; `None` when the sender has no account here.
    #[serde(rename = "u", deserialize_with = "crate::wire::present")]
    pub user: Option<UserId>,
}

/// A To or CC recipient as the routing header names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// The recipient's address.
    #[serde(rename = "a")]
    pub address: String,
    /// The recipient's user id; `None` for an external address.
    #[serde(rename = "u", deserialize_with = "crate::wire::present")]
    pub user: Option<UserId>,
}

/// The routing header (SPEC.md §6.1). Everything here is plaintext to the server and bound
/// into every recipient's digest.
///
/// Its fields are typed: a header value always has a known version, suite and origin, which
/// [`RoutingHeader::parse`] checks before anything else. Serde reads and writes the wire
/// form (`{d, f, o, p, s, t, v, x, cc, id, to}` with integer codes) and refuses unknown codes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "HeaderWire", into = "HeaderWire")]
pub struct RoutingHeader {
    /// The sender.
    pub sender: SenderParty,
    /// Where the mail comes from.
    pub origin: Origin,
    /// Ciphertext length of each piece, body first.
    pub piece_sizes: Vec<u64>,
    /// Digest of each piece (SPEC.md §3.4), in the same order: signed with the header, so a
    /// recipient can later disclose one piece and prove it was sent (§13).
    pub piece_digests: Vec<PieceDigest>,
    /// The suite every box and piece of the mail uses.
    pub suite: Suite,
    /// Send time as the sender's client stated it (seconds since the Unix epoch).
    pub timestamp: u64,
    /// Format version.
    pub version: FormatVersion,
    /// Expiry of access-restricted mail (seconds since the Unix epoch); `None` otherwise.
    pub expiry: Option<u64>,
    /// CC recipients.
    pub cc: Vec<Party>,
    /// The message id (mimeID).
    pub message_id: String,
    /// To recipients.
    pub to: Vec<Party>,
}

/// The envelope format's version (SPEC.md §6.1, field `v`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FormatVersion {
    /// Version 1, the only one: [`VERSION`].
    V1,
}

impl FormatVersion {
    /// The wire code.
    pub const fn code(self) -> u64 {
        match self {
            FormatVersion::V1 => VERSION,
        }
    }

    /// Parses a wire code: [`Unsupported::Version`] for any other than 1.
    pub fn from_code(code: u64) -> Result<FormatVersion, Error> {
        match code {
            VERSION => Ok(FormatVersion::V1),
            other => Err(Unsupported::Version(other).into()),
        }
    }
}

/// The header as it is on the wire, integer codes and all; parsed into [`RoutingHeader`].
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderWire {
    #[serde(rename = "d")]
    piece_digests: Vec<Fixed<32>>,
    #[serde(rename = "f")]
    sender: SenderParty,
    #[serde(rename = "o")]
    origin: u8,
    #[serde(rename = "p")]
    piece_sizes: Vec<u64>,
    #[serde(rename = "s")]
    suite: u16,
    #[serde(rename = "t")]
    timestamp: u64,
    #[serde(rename = "v")]
    version: u64,
    #[serde(rename = "x", deserialize_with = "crate::wire::present")]
    expiry: Option<u64>,
    #[serde(rename = "cc")]
    cc: Vec<Party>,
    #[serde(rename = "id")]
    message_id: String,
    #[serde(rename = "to")]
    to: Vec<Party>,
}

/// SPEC.md §6.1's keys, in canonical order.
const HEADER_KEYS: [&str; 11] = ["d", "f", "o", "p", "s", "t", "v", "x", "cc", "id", "to"];

/// The header's structure (SPEC.md §4.1 stage 3). Lists longer than their limit are read
/// whole but kept only one past it: [`RoutingHeader::validate`] refuses them by that count.
fn read_header(r: &mut Reader<'_>) -> Result<HeaderWire, Schema> {
    let parties = MAX_RECIPIENTS.saturating_add(1);
    let pieces = MAX_PIECES.saturating_add(1);
    let mut piece_digests = None;
    let (mut sender, mut origin, mut piece_sizes, mut suite, mut timestamp) =
        (None, None, None, None, None);
    let (mut version, mut expiry, mut cc, mut message_id, mut to) = (None, None, None, None, None);
    r.map(&HEADER_KEYS, |r, key| match key {
        "d" => put(
            &mut piece_digests,
            r.array(pieces, |r| r.fixed().map(Fixed))?,
        ),
        "f" => put(&mut sender, read_sender(r)?),
        "o" => put(&mut origin, r.uint_of()?),
        "p" => put(&mut piece_sizes, r.array(pieces, Reader::uint)?),
        "s" => put(&mut suite, r.uint_of()?),
        "t" => put(&mut timestamp, r.uint()?),
        "v" => put(&mut version, r.uint()?),
        "x" => put(&mut expiry, r.nullable(Reader::uint)?),
        "cc" => put(&mut cc, r.array(parties, read_party)?),
        "id" => put(&mut message_id, String::from(r.text()?)),
        "to" => put(&mut to, r.array(parties, read_party)?),
        _ => Err(Schema),
    })?;
    Ok(HeaderWire {
        piece_digests: piece_digests.ok_or(Schema)?,
        sender: sender.ok_or(Schema)?,
        origin: origin.ok_or(Schema)?,
        piece_sizes: piece_sizes.ok_or(Schema)?,
        suite: suite.ok_or(Schema)?,
        timestamp: timestamp.ok_or(Schema)?,
        version: version.ok_or(Schema)?,
        expiry: expiry.ok_or(Schema)?,
        cc: cc.ok_or(Schema)?,
        message_id: message_id.ok_or(Schema)?,
        to: to.ok_or(Schema)?,
    })
}

/// `SenderParty = {a, c, d, u}` (SPEC.md §6.1).
fn read_sender(r: &mut Reader<'_>) -> Result<SenderParty, Schema> {
    let (mut address, mut chain, mut device, mut user) = (None, None, None, None);
    r.map(&["a", "c", "d", "u"], |r, key| match key {
        "a" => put(&mut address, String::from(r.text()?)),
        "c" => put(&mut chain, r.nullable(read_tail)?),
        "d" => put(&mut device, r.nullable(|r| r.fixed().map(DeviceId::new))?),
        "u" => put(&mut user, r.nullable(read_user)?),
        _ => Err(Schema),
    })?;
    Ok(SenderParty {
        address: address.ok_or(Schema)?,
        chain: chain.ok_or(Schema)?,
        device: device.ok_or(Schema)?,
        user: user.ok_or(Schema)?,
    })
}

/// `Party = {a, u}` (SPEC.md §6.1).
fn read_party(r: &mut Reader<'_>) -> Result<Party, Schema> {
    // A header names up to 1024 parties, each spelled, when canonical, with these heads and
    // keys: that spelling is read directly, any other through the general map reader (which
    // then finds the same party, or the error, or the keys out of order).
    let canonical = r.attempt(|r| {
        if !r.literal(&[0xa2, 0x61, b'a']) {
            return Err(Schema);
        }
        let address = String::from(r.text()?);
        if !r.literal(&[0x61, b'u']) {
            return Err(Schema);
        }
        let user = r.nullable(read_user)?;
        Ok(Party { address, user })
    });
    if let Some(party) = canonical {
        return Ok(party);
    }
    let (mut address, mut user) = (None, None);
    r.map(&["a", "u"], |r, key| match key {
        "a" => put(&mut address, String::from(r.text()?)),
        "u" => put(&mut user, r.nullable(read_user)?),
        _ => Err(Schema),
    })?;
    Ok(Party {
        address: address.ok_or(Schema)?,
        user: user.ok_or(Schema)?,
    })
}

/// The reference reader that [`read_header`] replaced (serde, then a re-encoding compared
/// byte for byte), kept for the tests that compare the two.
#[cfg(test)]
pub(super) fn parse_with_serde(bytes: &[u8]) -> Result<(RoutingHeader, Suite), Error> {
    RoutingHeader::checked(wire::decode(bytes, MAX_HEADER_LEN, Limit::HeaderSize)?)
}

impl TryFrom<HeaderWire> for RoutingHeader {
    type Error = Error;
    /// SPEC.md §6.1, the first checks in order: version, suite, origin code.
    fn try_from(w: HeaderWire) -> Result<Self, Error> {
        Ok(RoutingHeader {
            version: FormatVersion::from_code(w.version)?,
            suite: Suite::from_id(w.suite)?,
            origin: Origin::from_code(w.origin)?,
            sender: w.sender,
            piece_sizes: w.piece_sizes,
            piece_digests: w
                .piece_digests
                .into_iter()
                .map(|d| PieceDigest(d.0))
                .collect(),
            timestamp: w.timestamp,
            expiry: w.expiry,
            cc: w.cc,
            message_id: w.message_id,
            to: w.to,
        })
    }
}

impl From<RoutingHeader> for HeaderWire {
    fn from(h: RoutingHeader) -> Self {
        HeaderWire {
            piece_digests: h.piece_digests.into_iter().map(|d| Fixed(d.0)).collect(),
            sender: h.sender,
            origin: h.origin.code(),
            piece_sizes: h.piece_sizes,
            suite: h.suite.id(),
            timestamp: h.timestamp,
            version: h.version.code(),
            expiry: h.expiry,
            cc: h.cc,
            message_id: h.message_id,
            to: h.to,
        }
    }
}

impl RoutingHeader {
    /// Parses and validates header bytes: canonical CBOR, supported version and suite, a
    /// known origin, field lengths, limits (SPEC.md §6.1). Returns the header and its suite.
    pub fn parse(bytes: &[u8]) -> Result<(RoutingHeader, Suite), Error> {
        RoutingHeader::checked(reader::decode(
            bytes,
            MAX_HEADER_LEN,
            Limit::HeaderSize,
            read_header,
        )?)
    }

    /// The checks after the structure: the codes, then the field rules.
    fn checked(wire: HeaderWire) -> Result<(RoutingHeader, Suite), Error> {
        let header = RoutingHeader::try_from(wire)?;
        header.validate()?;
        let suite = header.suite;
        Ok((header, suite))
    }

    /// SPEC.md §6.1 field rules after the codes, in order: sender fields against the
    /// origin, limits, text fields.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        // Device-signed mail names its signing device and user; server-sealed mail no device.
        let signed = self.origin == Origin::SenderDevice;
        let named = self.sender.device.is_some() && self.sender.chain.is_some();
        if signed != (named && self.sender.user.is_some())
            || (!signed && (self.sender.device.is_some() || self.sender.chain.is_some()))
        {
            return Err(Malformed::Field(Field::Origin).into());
        }
        // Chain positions count from 1 (SPEC.md §12.2).
        if self.sender.chain.is_some_and(|t| t.seq == 0) {
            return Err(Malformed::Field(Field::ChainTail).into());
        }
        if self.to.len().saturating_add(self.cc.len()) > MAX_RECIPIENTS {
            return Err(Limit::Recipients.into());
        }
        if self.piece_sizes.is_empty() {
            return Err(Malformed::ManifestMismatch.into());
        }
        if self.piece_sizes.len() > MAX_PIECES {
            return Err(Limit::Pieces.into());
        }
        if self.piece_sizes.iter().any(|s| *s > MAX_PIECE_LEN) {
            return Err(Limit::PieceSize.into());
        }
        // One digest per piece.
        if self.piece_digests.len() != self.piece_sizes.len() {
            return Err(Malformed::ManifestMismatch.into());
        }
        check_message_id(&self.message_id)?;
        check_address(&self.sender.address)?;
        let parties = self.to.iter().chain(&self.cc);
        parties
            .clone()
            .try_for_each(|p| check_address(&p.address))?;
        // A user is named at most once across To and CC.
        if crate::keys::sorted_ids(parties.filter_map(|p| p.user.as_ref())).1 {
            return Err(Malformed::Field(Field::RecipientSet).into());
        }
        Ok(())
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        wire::encode(&HeaderWire::from(self.clone()))
    }

    /// The header's origin.
    pub fn origin(&self) -> Origin {
        self.origin
    }
}

/// Where a mail comes from (SPEC.md §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Sealed and signed by the sender's device, code 0.
    SenderDevice,
    /// Received from an external mail service and sealed by the server on arrival, code 1.
    InboundExternal,
    /// Fanned out to a mailing list's members by the server, code 2.
    MailingList,
    /// System mail (calendar notices and the like) sealed by the server, code 3.
    System,
    /// Held by the server for a user who had no key yet, sealed to their first PUK, code 4.
    HeldForNewUser,
}

impl Origin {
    /// The wire code.
    pub const fn code(self) -> u8 {
        match self {
            Origin::SenderDevice => 0,
            Origin::InboundExternal => 1,
            Origin::MailingList => 2,
            Origin::System => 3,
            Origin::HeldForNewUser => 4,
        }
    }

    /// Parses a wire code.
    pub fn from_code(code: u8) -> Result<Origin, Error> {
        match code {
            0 => Ok(Origin::SenderDevice),
            1 => Ok(Origin::InboundExternal),
            2 => Ok(Origin::MailingList),
            3 => Ok(Origin::System),
            4 => Ok(Origin::HeldForNewUser),
            _ => Err(Malformed::Field(Field::Origin).into()),
        }
    }
}

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
use crate::suite::Suite;
use crate::wire;

/// The sender as the routing header names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderParty {
    /// The sender's address.
    #[serde(rename = "a")]
    pub address: String,
    /// The sender's chain tail the mail was sealed against; `None` for server-sealed mail.
    #[serde(rename = "c")]
    pub chain: Option<ChainTail>,
    /// The device that signed the mail; `None` for server-sealed mail.
    #[serde(rename = "d")]
    pub device: Option<DeviceId>,
    /// The sender's user id; `None` when the sender has no account here.
    #[serde(rename = "u")]
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
    #[serde(rename = "u")]
    pub user: Option<UserId>,
}

/// The routing header (SPEC.md §6.1). Everything here is plaintext to the server and bound
/// into every recipient's digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingHeader {
    /// The sender.
    #[serde(rename = "f")]
    pub sender: SenderParty,
    /// Where the mail comes from ([`Origin`] code).
    #[serde(rename = "o")]
    pub origin: u8,
    /// Ciphertext length of each piece, body first.
    #[serde(rename = "p")]
    pub piece_sizes: Vec<u64>,
    /// Suite identifier.
    #[serde(rename = "s")]
    pub suite: u16,
    /// Send time as the sender's client stated it (seconds since the Unix epoch).
    #[serde(rename = "t")]
    pub timestamp: u64,
    /// Format version, [`VERSION`].
    #[serde(rename = "v")]
    pub version: u64,
    /// Expiry of access-restricted mail (seconds since the Unix epoch); `None` otherwise.
    #[serde(rename = "x")]
    pub expiry: Option<u64>,
    /// CC recipients.
    #[serde(rename = "cc")]
    pub cc: Vec<Party>,
    /// The message id (mimeID).
    #[serde(rename = "id")]
    pub message_id: String,
    /// To recipients.
    #[serde(rename = "to")]
    pub to: Vec<Party>,
}

impl RoutingHeader {
    /// Parses and validates header bytes: canonical CBOR, supported version and suite, field
    /// lengths, limits. Returns the header and its suite.
    pub fn parse(bytes: &[u8]) -> Result<(RoutingHeader, Suite), Error> {
        let header: RoutingHeader = wire::decode(bytes, MAX_HEADER_LEN, Limit::HeaderSize)?;
        let suite = header.validate()?;
        Ok((header, suite))
    }

    /// SPEC.md §6.1 field rules, in order: version, suite, limits, text fields.
    pub(crate) fn validate(&self) -> Result<Suite, Error> {
        if self.version != VERSION {
            return Err(Unsupported::Version(self.version).into());
        }
        let suite = Suite::from_id(self.suite)?;
        // Device-signed mail names its signing device and user; server-sealed mail no device.
        let origin = Origin::from_code(self.origin)?;
        let signed = origin == Origin::SenderDevice;
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
        check_message_id(&self.message_id)?;
        check_address(&self.sender.address)?;
        let parties = self.to.iter().chain(&self.cc);
        parties
            .clone()
            .try_for_each(|p| check_address(&p.address))?;
        // A user is named at most once across To and CC.
        let mut users: Vec<&UserId> = parties.filter_map(|p| p.user.as_ref()).collect();
        users.sort_unstable();
        if users.windows(2).any(|w| w.first() == w.get(1)) {
            return Err(Malformed::Field(Field::RecipientSet).into());
        }
        Ok(suite)
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        wire::encode(self)
    }

    /// The header's origin.
    pub fn origin(&self) -> Origin {
        // Validated headers always carry a known code.
        Origin::from_code(self.origin).unwrap_or(Origin::InboundExternal)
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

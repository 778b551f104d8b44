//! One chain link on the wire (SPEC.md §12.2): strict decoding into a typed [`Change`], the
//! bytes its signatures cover and its hash.
//!
//! A link is `{b: body bytes, x: [signature, ...]}`; the body is canonical CBOR naming the
//! user, the sequence number, the previous link's hash and the type, and carries the
//! type-specific payload as canonical CBOR in a byte string of its own. Signatures cover
//! `"mailseal v1 chain link" || body` exactly as received; the link hash covers the whole
//! link, signatures included.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::{ChainError, DeviceRole, MAX_ADDRESSES, MAX_LINK_LEN};
use crate::error::{Error, Limit, Malformed, Unsupported};
use crate::keys::{DeviceId, DevicePublic, KemPublicKey, PukPublic, UserId, VerifyingKey};
use crate::suite::Suite;
use crate::wire::text::check_address;
use crate::wire::{self, Bytes, Fixed};

/// Format version of a link body.
pub const LINK_VERSION: u64 = 1;
/// Most signatures a link carries (approver, subject device, escrow administrator device).
pub const MAX_SIGNATURES: usize = 3;

/// The label every link signature is over, before the body bytes.
pub(crate) const SIGNATURE_LABEL: &[u8] = b"mailseal v1 chain link";

/// `BLAKE3-derive_key("mailseal v1 chain link hash", link bytes)`: the value the next link's
/// `p` names and the chain tail is.
pub(crate) fn link_hash(link: &[u8]) -> [u8; 32] {
    blake3::derive_key("mailseal v1 chain link hash", link)
}

/// Link type codes (SPEC.md §12.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkType {
    /// The first link: first device, first PUK generation, addresses. Code 0.
    Root,
    /// An ordinary device added by an active ordinary device. Code 1.
    AddDevice,
    /// A backup (recovery code) or escrow device added. Code 2.
    AddVirtualDevice,
    /// A device revoked, by a device (with a PUK rotation) or by the server (without). Code 3.
    Revoke,
    /// A new PUK generation. Code 4.
    RotatePuk,
    /// Escrow turned off: the escrow device revoked and the PUK rotated. Code 5.
    DisableEscrow,
    /// The user's addresses, as the service assigns them (server-inserted). Code 6.
    ChangeAddresses,
    /// A new device added by the backup or escrow device after every ordinary device is
    /// gone. Code 7.
    Recover,
}

impl LinkType {
    /// The wire code.
    pub const fn code(self) -> u8 {
        match self {
            LinkType::Root => 0,
            LinkType::AddDevice => 1,
            LinkType::AddVirtualDevice => 2,
            LinkType::Revoke => 3,
            LinkType::RotatePuk => 4,
            LinkType::DisableEscrow => 5,
            LinkType::ChangeAddresses => 6,
            LinkType::Recover => 7,
        }
    }

    fn from_code(code: u8, seq: u64) -> Result<Self, Error> {
        Ok(match code {
            0 => LinkType::Root,
            1 => LinkType::AddDevice,
            2 => LinkType::AddVirtualDevice,
            3 => LinkType::Revoke,
            4 => LinkType::RotatePuk,
            5 => LinkType::DisableEscrow,
            6 => LinkType::ChangeAddresses,
            7 => LinkType::Recover,
            _ => return Err(ChainError::UnknownType { seq }.into()),
        })
    }
}

// ---- Wire structures (fields in canonical key order) ------------------------------------

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkWire {
    #[serde(rename = "b")]
    pub(crate) body: Bytes,
    #[serde(rename = "x")]
    pub(crate) signatures: Vec<SignatureWire>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignatureWire {
    #[serde(rename = "d")]
    pub(crate) device: DeviceId,
    #[serde(rename = "s")]
    pub(crate) signature: Fixed<64>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BodyWire {
    /// The type-specific payload, canonical CBOR.
    #[serde(rename = "c")]
    pub(crate) payload: Bytes,
    #[serde(rename = "k")]
    pub(crate) kind: u8,
    /// The previous link's hash; `null` in the root.
    #[serde(rename = "p", deserialize_with = "crate::wire::present")]
    pub(crate) prev: Option<Fixed<32>>,
    #[serde(rename = "q")]
    pub(crate) seq: u64,
    #[serde(rename = "s")]
    pub(crate) suite: u16,
    #[serde(rename = "t")]
    pub(crate) time: u64,
    #[serde(rename = "u")]
    pub(crate) user: UserId,
    #[serde(rename = "v")]
    pub(crate) version: u64,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeviceWire {
    #[serde(rename = "e")]
    pub(crate) encryption_key: Bytes,
    #[serde(rename = "i")]
    pub(crate) id: DeviceId,
    #[serde(rename = "r")]
    pub(crate) role: u8,
    #[serde(rename = "v")]
    pub(crate) verifying_key: Fixed<32>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PukWire {
    #[serde(rename = "g")]
    pub(crate) generation: u32,
    #[serde(rename = "k")]
    pub(crate) mail_key: Bytes,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EscrowWire {
    #[serde(rename = "a")]
    pub(crate) account: Fixed<16>,
    #[serde(rename = "d")]
    pub(crate) ea_device: DeviceId,
    #[serde(rename = "g")]
    pub(crate) ea_generation: u32,
    #[serde(rename = "h")]
    pub(crate) ea_hash: Fixed<32>,
    #[serde(rename = "k")]
    pub(crate) ea_key_fingerprint: Fixed<32>,
    #[serde(rename = "n")]
    pub(crate) domain: String,
    #[serde(rename = "q")]
    pub(crate) ea_seq: u64,
    #[serde(rename = "u")]
    pub(crate) ea_group: UserId,
    #[serde(rename = "v")]
    pub(crate) ea_device_key: Fixed<32>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CosignerWire {
    #[serde(rename = "d")]
    pub(crate) device: DeviceId,
    #[serde(rename = "h")]
    pub(crate) ea_hash: Fixed<32>,
    #[serde(rename = "q")]
    pub(crate) ea_seq: u64,
    #[serde(rename = "v")]
    pub(crate) key: Fixed<32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RootWire {
    #[serde(rename = "a")]
    pub(crate) addresses: Vec<String>,
    #[serde(rename = "d")]
    pub(crate) device: DeviceWire,
    #[serde(rename = "g")]
    pub(crate) puk: PukWire,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddDeviceWire {
    #[serde(rename = "d")]
    pub(crate) device: DeviceWire,
    #[serde(rename = "g", deserialize_with = "crate::wire::present")]
    pub(crate) puk: Option<PukWire>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddVirtualWire {
    #[serde(rename = "d")]
    pub(crate) device: DeviceWire,
    #[serde(rename = "e", deserialize_with = "crate::wire::present")]
    pub(crate) escrow: Option<EscrowWire>,
    #[serde(rename = "g", deserialize_with = "crate::wire::present")]
    pub(crate) puk: Option<PukWire>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevokeWire {
    #[serde(rename = "g", deserialize_with = "crate::wire::present")]
    pub(crate) puk: Option<PukWire>,
    #[serde(rename = "r")]
    pub(crate) device: DeviceId,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RotateWire {
    #[serde(rename = "g")]
    pub(crate) puk: PukWire,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DisableEscrowWire {
    #[serde(rename = "g")]
    pub(crate) puk: PukWire,
    #[serde(rename = "r")]
    pub(crate) device: DeviceId,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddressesWire {
    #[serde(rename = "a")]
    pub(crate) addresses: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecoverWire {
    #[serde(rename = "d")]
    pub(crate) device: DeviceWire,
    #[serde(rename = "e", deserialize_with = "crate::wire::present")]
    pub(crate) cosigner: Option<CosignerWire>,
    #[serde(rename = "g")]
    pub(crate) puk: PukWire,
}

// ---- Decoded, validated forms -----------------------------------------------------------

/// A device as a link records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkDevice {
    /// Its public keys.
    pub public: DevicePublic,
    /// What it may do.
    pub role: DeviceRole,
}

/// What an escrow device's link records of the escrow administrators (SPEC.md §12.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscrowTerms {
    /// The account.
    pub account: [u8; 16],
    /// The account's custom mail domain.
    pub domain: String,
    /// The escrow administrators' group (a user with a chain of its own).
    pub ea_group: UserId,
    /// The EA group's PUK generation the escrow device is wrapped to.
    pub ea_generation: u32,
    /// Fingerprint of that EA mail key (SPEC.md §5.3).
    pub ea_key_fingerprint: [u8; 32],
    /// The position of the EA group's chain the administrator saw.
    pub ea_chain: super::ChainTail,
    /// The administrator's device that co-signed.
    pub ea_device: DeviceId,
    /// Its verifying key.
    pub ea_device_key: VerifyingKey,
}

/// An escrow administrator's device co-signing a recovery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecoveryCosigner {
    /// The administrator's device.
    pub device: DeviceId,
    /// Its verifying key.
    pub key: VerifyingKey,
    /// The position of the EA group's chain it signed against.
    pub ea_chain: super::ChainTail,
}

/// The change a link makes, validated field by field (not yet against the chain).
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // named after the link types
pub(crate) enum Change {
    Root {
        addresses: Vec<String>,
        device: LinkDevice,
        puk: PukPublic,
    },
    AddDevice {
        device: LinkDevice,
        puk: Option<PukPublic>,
    },
    AddVirtualDevice {
        device: LinkDevice,
        escrow: Option<EscrowTerms>,
        puk: Option<PukPublic>,
    },
    Revoke {
        device: DeviceId,
        puk: Option<PukPublic>,
    },
    RotatePuk {
        puk: PukPublic,
    },
    DisableEscrow {
        device: DeviceId,
        puk: PukPublic,
    },
    ChangeAddresses {
        addresses: Vec<String>,
    },
    Recover {
        device: LinkDevice,
        cosigner: Option<RecoveryCosigner>,
        puk: PukPublic,
    },
}

/// One decoded link.
pub(crate) struct Link {
    pub(crate) hash: [u8; 32],
    pub(crate) body: Vec<u8>,
    pub(crate) seq: u64,
    pub(crate) prev: Option<[u8; 32]>,
    pub(crate) user: UserId,
    pub(crate) suite: Suite,
    pub(crate) time: u64,
    pub(crate) kind: LinkType,
    pub(crate) change: Change,
    pub(crate) signatures: Vec<(DeviceId, [u8; 64])>,
}

impl Link {
    /// SPEC.md §12.4 step 1, in order: size; canonical link; canonical body; at most three
    /// signatures (the error names the body's sequence number); version; suite; type;
    /// canonical payload of that type, each field valid.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Link, Error> {
        let wire: LinkWire = wire::decode(bytes, MAX_LINK_LEN, Limit::LinkSize)?;
        let body: BodyWire = wire::decode(&wire.body.0, MAX_LINK_LEN, Limit::LinkSize)?;
        let seq = body.seq;
        if wire.signatures.len() > MAX_SIGNATURES {
            return Err(ChainError::Signatures { seq }.into());
        }
        if body.version != LINK_VERSION {
            return Err(Unsupported::Version(body.version).into());
        }
        let suite = Suite::from_id(body.suite)?;
        let kind = LinkType::from_code(body.kind, seq)?;
        let change = decode_change(kind, suite, body.user, &body.payload.0, seq)?;
        Ok(Link {
            hash: link_hash(bytes),
            seq,
            prev: body.prev.map(|p| p.0),
            user: body.user,
            suite,
            time: body.time,
            kind,
            change,
            signatures: wire
                .signatures
                .into_iter()
                .map(|s| (s.device, s.signature.0))
                .collect(),
            body: wire.body.0,
        })
    }

    /// What each signature covers: `"mailseal v1 chain link" || body`.
    pub(crate) fn signed_bytes(body: &[u8]) -> Vec<u8> {
        let mut m = Vec::with_capacity(SIGNATURE_LABEL.len().saturating_add(body.len()));
        m.extend_from_slice(SIGNATURE_LABEL);
        m.extend_from_slice(body);
        m
    }
}

fn payload<T: Serialize + serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    wire::decode(bytes, MAX_LINK_LEN, Limit::LinkSize)
}

fn decode_change(
    kind: LinkType,
    suite: Suite,
    user: UserId,
    bytes: &[u8],
    seq: u64,
) -> Result<Change, Error> {
    let puk = |w: PukWire| puk_record(suite, user, w);
    Ok(match kind {
        LinkType::Root => {
            let w: RootWire = payload(bytes)?;
            Change::Root {
                addresses: address_list(w.addresses, seq)?,
                device: device_record(suite, w.device)?,
                puk: puk(w.puk)?,
            }
        }
        LinkType::AddDevice => {
            let w: AddDeviceWire = payload(bytes)?;
            Change::AddDevice {
                device: device_record(suite, w.device)?,
                puk: w.puk.map(puk).transpose()?,
            }
        }
        LinkType::AddVirtualDevice => {
            let w: AddVirtualWire = payload(bytes)?;
            Change::AddVirtualDevice {
                device: device_record(suite, w.device)?,
                escrow: w.escrow.map(escrow_terms).transpose()?,
                puk: w.puk.map(puk).transpose()?,
            }
        }
        LinkType::Revoke => {
            let w: RevokeWire = payload(bytes)?;
            Change::Revoke {
                device: w.device,
                puk: w.puk.map(puk).transpose()?,
            }
        }
        LinkType::RotatePuk => {
            let w: RotateWire = payload(bytes)?;
            Change::RotatePuk { puk: puk(w.puk)? }
        }
        LinkType::DisableEscrow => {
            let w: DisableEscrowWire = payload(bytes)?;
            Change::DisableEscrow {
                device: w.device,
                puk: puk(w.puk)?,
            }
        }
        LinkType::ChangeAddresses => {
            let w: AddressesWire = payload(bytes)?;
            Change::ChangeAddresses {
                addresses: address_list(w.addresses, seq)?,
            }
        }
        LinkType::Recover => {
            let w: RecoverWire = payload(bytes)?;
            Change::Recover {
                device: device_record(suite, w.device)?,
                cosigner: w
                    .cosigner
                    .map(|c| -> Result<RecoveryCosigner, Error> {
                        Ok(RecoveryCosigner {
                            device: c.device,
                            key: VerifyingKey::from_bytes(&c.key.0)?,
                            ea_chain: super::ChainTail {
                                seq: c.ea_seq,
                                hash: c.ea_hash.0,
                            },
                        })
                    })
                    .transpose()?,
                puk: puk(w.puk)?,
            }
        }
    })
}

fn device_record(suite: Suite, w: DeviceWire) -> Result<LinkDevice, Error> {
    let role = DeviceRole::from_code(w.role)?;
    Ok(LinkDevice {
        public: DevicePublic {
            id: w.id,
            verifying_key: VerifyingKey::from_bytes(&w.verifying_key.0)?,
            encryption_key: KemPublicKey::from_bytes(suite, &w.encryption_key.0)?,
        },
        role,
    })
}

fn puk_record(suite: Suite, user: UserId, w: PukWire) -> Result<PukPublic, Error> {
    if w.generation == 0 {
        return Err(Malformed::Field(crate::error::Field::Generation).into());
    }
    Ok(PukPublic {
        user,
        generation: w.generation,
        mail_key: KemPublicKey::from_bytes(suite, &w.mail_key.0)?,
    })
}

fn escrow_terms(w: EscrowWire) -> Result<EscrowTerms, Error> {
    crate::account::escrow::check_domain(&w.domain)?;
    Ok(EscrowTerms {
        account: w.account.0,
        domain: w.domain,
        ea_group: w.ea_group,
        ea_generation: w.ea_generation,
        ea_key_fingerprint: w.ea_key_fingerprint.0,
        ea_chain: super::ChainTail {
            seq: w.ea_seq,
            hash: w.ea_hash.0,
        },
        ea_device: w.ea_device,
        ea_device_key: VerifyingKey::from_bytes(&w.ea_device_key.0)?,
    })
}

/// SPEC.md §12.3: 1 to [`MAX_ADDRESSES`] addresses (6.1 rules), none twice (ASCII case
/// ignored).
fn address_list(addresses: Vec<String>, seq: u64) -> Result<Vec<String>, Error> {
    if addresses.is_empty() || addresses.len() > MAX_ADDRESSES {
        return Err(ChainError::Addresses { seq }.into());
    }
    for (i, a) in addresses.iter().enumerate() {
        check_address(a)?;
        if addresses.iter().take(i).any(|b| b.eq_ignore_ascii_case(a)) {
            return Err(ChainError::Addresses { seq }.into());
        }
    }
    Ok(addresses)
}

// ---- Encoding (for drafts) ----------------------------------------------------------------

pub(crate) fn device_wire(d: &LinkDevice) -> DeviceWire {
    DeviceWire {
        encryption_key: Bytes(d.public.encryption_key.as_bytes().to_vec()),
        id: d.public.id,
        role: d.role.code(),
        verifying_key: Fixed(d.public.verifying_key.to_bytes()),
    }
}

pub(crate) fn puk_wire(p: &PukPublic) -> PukWire {
    PukWire {
        generation: p.generation,
        mail_key: Bytes(p.mail_key.as_bytes().to_vec()),
    }
}

/// The canonical payload bytes of a change.
pub(crate) fn encode_change(change: &Change) -> Vec<u8> {
    match change {
        Change::Root {
            addresses,
            device,
            puk,
        } => wire::encode(&RootWire {
            addresses: addresses.clone(),
            device: device_wire(device),
            puk: puk_wire(puk),
        }),
        Change::AddDevice { device, puk } => wire::encode(&AddDeviceWire {
            device: device_wire(device),
            puk: puk.as_ref().map(puk_wire),
        }),
        Change::AddVirtualDevice {
            device,
            escrow,
            puk,
        } => wire::encode(&AddVirtualWire {
            device: device_wire(device),
            escrow: escrow.as_ref().map(|e| EscrowWire {
                account: Fixed(e.account),
                ea_device: e.ea_device,
                ea_generation: e.ea_generation,
                ea_hash: Fixed(e.ea_chain.hash),
                ea_key_fingerprint: Fixed(e.ea_key_fingerprint),
                domain: e.domain.clone(),
                ea_seq: e.ea_chain.seq,
                ea_group: e.ea_group,
                ea_device_key: Fixed(e.ea_device_key.to_bytes()),
            }),
            puk: puk.as_ref().map(puk_wire),
        }),
        Change::Revoke { device, puk } => wire::encode(&RevokeWire {
            puk: puk.as_ref().map(puk_wire),
            device: *device,
        }),
        Change::RotatePuk { puk } => wire::encode(&RotateWire { puk: puk_wire(puk) }),
        Change::DisableEscrow { device, puk } => wire::encode(&DisableEscrowWire {
            puk: puk_wire(puk),
            device: *device,
        }),
        Change::ChangeAddresses { addresses } => wire::encode(&AddressesWire {
            addresses: addresses.clone(),
        }),
        Change::Recover {
            device,
            cosigner,
            puk,
        } => wire::encode(&RecoverWire {
            device: device_wire(device),
            cosigner: cosigner.as_ref().map(|c| CosignerWire {
                device: c.device,
                ea_hash: Fixed(c.ea_chain.hash),
                ea_seq: c.ea_chain.seq,
                key: Fixed(c.key.to_bytes()),
            }),
            puk: puk_wire(puk),
        }),
    }
}

impl Change {
    pub(crate) fn link_type(&self) -> LinkType {
        match self {
            Change::Root { .. } => LinkType::Root,
            Change::AddDevice { .. } => LinkType::AddDevice,
            Change::AddVirtualDevice { .. } => LinkType::AddVirtualDevice,
            Change::Revoke { .. } => LinkType::Revoke,
            Change::RotatePuk { .. } => LinkType::RotatePuk,
            Change::DisableEscrow { .. } => LinkType::DisableEscrow,
            Change::ChangeAddresses { .. } => LinkType::ChangeAddresses,
            Change::Recover { .. } => LinkType::Recover,
        }
    }
}

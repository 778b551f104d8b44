//! Verified identity: each user's append-only chain of signed links decides which devices,
//! keys, addresses and escrow are trusted (SPEC.md §12).
//!
//! The server serves chains; it is also the party the "E2E Encrypted" footer must resist.
//! So nothing here trusts a list it hands over: a [`ChainState`] is built only by verifying
//! every link from the root — each link names the previous one's hash, carries the
//! signatures its type needs from devices whose role allows it, and changes the state only
//! in admissible ways. A client keeps the state it verified and accepts later views only as
//! strict extensions ([`ChainState::update`]): a server that hides a revocation by serving
//! an older chain, or shows a forked one, is caught. Two people compare
//! [`ChainState::security_code`]s (or a [`pair_security_code`]) to catch a forged chain.
//!
//! Everything else reads the verified state: who may sign mail (active ordinary devices),
//! which PUK generation is current, which addresses are the user's, whether the mailbox is
//! escrowed and to whom.
//!
//! ```
//! use mailseal::identity::{self, ChainState};
//! use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
//! use mailseal::Suite;
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
//! let suite = Suite::X25519;
//! let alice = UserId::new([1; 16]);
//! let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
//! let phone = DeviceSecret::generate(suite, DeviceId::new([2; 16]), &mut rng);
//! let puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
//!
//! // The laptop makes the root; then it approves the phone, which co-signs its own addition.
//! let root = identity::root(suite, alice, &laptop, puk.public(), &["alice@example.com"], 100)?;
//! let chain = ChainState::verify(&[&root])?;
//! let mut draft = chain.propose_add_device(laptop.id(), phone.public(), None, 101)?;
//! draft.sign(&laptop)?;
//! draft.sign(&phone)?;
//! let add = draft.finish()?;
//! let chain = chain.extend(&[&add])?;
//! assert!(chain.device(&phone.id()).is_some_and(|d| d.is_active()));
//!
//! // A view that drops the last link is refused: the server cannot hide it.
//! assert!(chain.update(&[&root]).is_err());
//! println!("security code: {}", chain.security_code());
//! # Ok::<(), mailseal::Error>(())
//! ```

mod code;
mod draft;
pub(crate) mod link;
mod state;
#[cfg(test)]
pub(crate) mod tests;

pub use code::{SecurityCode, pair_security_code};
pub use draft::{LinkDraft, root};
pub use link::{EscrowTerms, LinkDevice, LinkType, RecoveryCosigner};
pub use state::{
    AddressChange, ChainDevice, ChainState, EscrowEnrollment, decode_segment, encode_segment,
    link_type,
};

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::error::ChainError;
use crate::error::{Error, Field, Malformed};
use crate::wire::{Fixed, form};

/// Largest encoded link.
pub const MAX_LINK_LEN: usize = 8192;
/// Most links in one chain.
pub const MAX_CHAIN_LINKS: u64 = 65_536;
/// Largest encoded chain segment (links are verified as they come, so a longer chain is
/// served in several segments).
pub const MAX_CHAIN_SEGMENT_LEN: usize = 16 * 1024 * 1024;
/// Most addresses a user has at once.
pub const MAX_ADDRESSES: usize = 32;

/// A position in a chain: a link's sequence number (from 1) and its hash. What mail binds,
/// and what a client caches. On the wire: `{h: bstr .size 32, q: uint}`.
///
/// As text (SPEC.md §5.6): the decimal sequence number, a colon and the hash in 64 lowercase
/// hexadecimal digits; serde writes that to human-readable formats and the wire map to
/// binary ones.
///
/// ```
/// use mailseal::identity::ChainTail;
/// let tail = ChainTail { seq: 7, hash: [0xab; 32] };
/// let text = tail.to_string();
/// assert_eq!(text, format!("7:{}", "ab".repeat(32)));
/// assert_eq!(text.parse::<ChainTail>()?, tail);
/// assert!("07:00".parse::<ChainTail>().is_err());
/// # Ok::<(), mailseal::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChainTail {
    /// Sequence number.
    pub seq: u64,
    /// Link hash (SPEC.md §12.2).
    pub hash: [u8; 32],
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TailWire {
    #[serde(rename = "h")]
    hash: Fixed<32>,
    #[serde(rename = "q")]
    seq: u64,
}

impl fmt::Display for ChainTail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{:?}", self.seq, Fixed(self.hash))
    }
}

impl core::str::FromStr for ChainTail {
    type Err = Error;
    /// SPEC.md §5.6: `seq ":" hash`, the number without sign or leading zero, the hash in
    /// 64 hexadecimal digits; then §12.2: positions count from 1.
    fn from_str(text: &str) -> Result<Self, Error> {
        let (seq, hash) = text.split_once(':').ok_or_else(form::bad_text)?;
        let seq = form::from_decimal(seq).ok_or_else(form::bad_text)?;
        let hash = form::from_hex(hash).ok_or_else(form::bad_text)?;
        if seq == 0 {
            return Err(Malformed::Field(Field::ChainTail).into());
        }
        Ok(ChainTail { seq, hash })
    }
}

impl Serialize for ChainTail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            form::serialize_text(self, s)
        } else {
            TailWire {
                hash: Fixed(self.hash),
                seq: self.seq,
            }
            .serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for ChainTail {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            form::deserialize_text(d)
        } else {
            let w = TailWire::deserialize(d)?;
            Ok(ChainTail {
                seq: w.seq,
                hash: w.hash.0,
            })
        }
    }
}

/// What a device may do (SPEC.md §12.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceRole {
    /// A device the user holds: signs mail, approves devices, rotates keys. Code 0.
    Ordinary,
    /// The virtual device of a recovery code: holds seeds, may recover the account when no
    /// ordinary device is left; never signs mail or approves devices. Code 1.
    Backup,
    /// The virtual device held by the escrow administrators: holds seeds for recovery and
    /// legal discovery; recovers only with an administrator's co-signature; never signs mail,
    /// approves devices or turns escrow off. Code 2.
    Escrow,
}

impl DeviceRole {
    /// The wire code.
    pub const fn code(self) -> u8 {
        match self {
            DeviceRole::Ordinary => 0,
            DeviceRole::Backup => 1,
            DeviceRole::Escrow => 2,
        }
    }

    /// Parses a wire code.
    pub fn from_code(code: u8) -> Result<Self, Error> {
        match code {
            0 => Ok(DeviceRole::Ordinary),
            1 => Ok(DeviceRole::Backup),
            2 => Ok(DeviceRole::Escrow),
            _ => Err(Malformed::Field(Field::DeviceRole).into()),
        }
    }
}

impl EscrowEnrollment {
    /// Checks what this enrollment recorded against the escrow administrators' own verified
    /// chain (SPEC.md §12.6): the group, the chain position the administrator saw (its hash),
    /// the co-signing device active there with that key, and the EA PUK generation's key.
    pub fn check_administrators(&self, ea_chain: &ChainState) -> Result<(), Error> {
        let t = &self.terms;
        let seq = self.enabled_at;
        if ea_chain.user() != t.ea_group {
            return Err(ChainError::Escrow { seq }.into());
        }
        match ea_chain.hash_at(t.ea_chain.seq) {
            None => {
                return Err(ChainError::Behind {
                    user: *t.ea_group.as_bytes(),
                    have: ea_chain.tail().seq,
                    need: t.ea_chain.seq,
                }
                .into());
            }
            Some(h) if h != t.ea_chain.hash => {
                return Err(ChainError::Fork {
                    seq: t.ea_chain.seq,
                }
                .into());
            }
            Some(_) => {}
        }
        let device_ok = ea_chain.device(&t.ea_device).is_some_and(|d| {
            d.role == DeviceRole::Ordinary
                && d.was_active_at(t.ea_chain.seq)
                && d.public.verifying_key == t.ea_device_key
        });
        let key_ok = ea_chain
            .puk(t.ea_generation)
            .is_some_and(|p| p.mail_key.fingerprint() == t.ea_key_fingerprint);
        if !(device_ok && key_ok) {
            return Err(ChainError::Escrow { seq }.into());
        }
        Ok(())
    }
}

//! Values across the boundary: suites, ids, kinds, secret bytes, randomness, locks.

use std::sync::{Mutex, MutexGuard, PoisonError};

use mailseal::keys::{DeviceId, UserId};
use mailseal::mail::envelope::{Origin as LibOrigin, RecipientKind as LibKind};
use rand_core::UnwrapErr;
use zeroize::Zeroize;

use crate::error::{Result, invalid, no_randomness};

/// Randomness for one call, straight from the operating system (getrandom): no generator
/// state is kept in the library. Checked here first, so that a failing generator is an
/// exception (`binding/no_randomness`), not a crash; `UnwrapErr` would panic only if the
/// system call failed right after this very check succeeded.
pub(crate) fn rng() -> Result<UnwrapErr<getrandom::SysRng>> {
    let mut probe = [0u8; 1];
    getrandom::fill(&mut probe).map_err(|_| no_randomness())?;
    Ok(UnwrapErr(getrandom::SysRng))
}

/// A mailseal cipher suite (SPEC.md §2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Suite {
    /// `MAILSEAL-XWING-AES256CTR-BLAKE3`: post-quantum hybrid (X25519 + ML-KEM-768), the
    /// default.
    Xwing,
    /// `MAILSEAL-X25519-AES256CTR-BLAKE3`: classical.
    X25519,
}

impl Suite {
    /// The library's suite, if this build has it.
    pub(crate) fn lib(self) -> Result<mailseal::Suite> {
        mailseal::Suite::ALL
            .into_iter()
            .find(|s| Suite::of(*s) == self)
            .ok_or_else(|| invalid("this build has no X-Wing suite (feature `xwing`)"))
    }

    /// The binding's name of a library suite.
    pub(crate) fn of(suite: mailseal::Suite) -> Suite {
        if suite == mailseal::Suite::X25519 {
            Suite::X25519
        } else {
            Suite::Xwing
        }
    }
}

/// How a box was addressed (SPEC.md §6.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum RecipientKind {
    /// The sender's own copy (Sent).
    Sender,
    /// A To recipient.
    To,
    /// A CC recipient.
    Cc,
    /// A BCC recipient: a box, but named in no header.
    Bcc,
    /// The server's own box (the sender gave it access).
    ServerAccess,
    /// The link box of access-restricted mail.
    Link,
}

impl RecipientKind {
    pub(crate) fn of(kind: LibKind) -> RecipientKind {
        match kind {
            LibKind::Sender => RecipientKind::Sender,
            LibKind::To => RecipientKind::To,
            LibKind::Cc => RecipientKind::Cc,
            LibKind::Bcc => RecipientKind::Bcc,
            LibKind::ServerAccess => RecipientKind::ServerAccess,
            LibKind::Link => RecipientKind::Link,
        }
    }

    /// To, CC or BCC: the kinds a sender addresses.
    pub(crate) fn addressed(self) -> Result<LibKind> {
        match self {
            RecipientKind::To => Ok(LibKind::To),
            RecipientKind::Cc => Ok(LibKind::Cc),
            RecipientKind::Bcc => Ok(LibKind::Bcc),
            _ => Err(invalid("a recipient is addressed To, CC or BCC")),
        }
    }

    /// The library's kind (the library checks where a kind is allowed).
    pub(crate) fn lib(self) -> LibKind {
        match self {
            RecipientKind::Sender => LibKind::Sender,
            RecipientKind::To => LibKind::To,
            RecipientKind::Cc => LibKind::Cc,
            RecipientKind::Bcc => LibKind::Bcc,
            RecipientKind::ServerAccess => LibKind::ServerAccess,
            RecipientKind::Link => LibKind::Link,
        }
    }
}

/// Where a mail came from (SPEC.md §6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum Origin {
    /// Sealed and signed by the sender's device.
    SenderDevice,
    /// Received from another mail service and sealed by the server on arrival.
    InboundExternal,
    /// Fanned out to a mailing list's members by the server.
    MailingList,
    /// System mail sealed by the server.
    System,
    /// Held by the server for a user who had no key yet.
    HeldForNewUser,
}

impl Origin {
    pub(crate) fn of(origin: LibOrigin) -> Origin {
        match origin {
            LibOrigin::SenderDevice => Origin::SenderDevice,
            LibOrigin::InboundExternal => Origin::InboundExternal,
            LibOrigin::MailingList => Origin::MailingList,
            LibOrigin::System => Origin::System,
            LibOrigin::HeldForNewUser => Origin::HeldForNewUser,
        }
    }

    pub(crate) fn lib(self) -> LibOrigin {
        match self {
            Origin::SenderDevice => LibOrigin::SenderDevice,
            Origin::InboundExternal => LibOrigin::InboundExternal,
            Origin::MailingList => LibOrigin::MailingList,
            Origin::System => LibOrigin::System,
            Origin::HeldForNewUser => LibOrigin::HeldForNewUser,
        }
    }
}

/// A user id from 32 hexadecimal digits (the library's strict reading).
pub(crate) fn user_id(text: &str) -> Result<UserId> {
    Ok(text.parse()?)
}

/// A device id from 32 hexadecimal digits.
pub(crate) fn device_id(text: &str) -> Result<DeviceId> {
    Ok(text.parse()?)
}

/// 32 secret bytes, taken by value and wiped here whatever happens.
pub(crate) fn secret32(mut bytes: Vec<u8>, what: &str) -> Result<[u8; 32]> {
    let out = <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| invalid(format!("{what} must be 32 bytes")));
    bytes.zeroize();
    out
}

/// 32 public bytes.
pub(crate) fn bytes32(bytes: &[u8], what: &str) -> Result<[u8; 32]> {
    <[u8; 32]>::try_from(bytes).map_err(|_| invalid(format!("{what} must be 32 bytes")))
}

/// Lowercase hexadecimal.
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An index or count from the foreign side (u32) as the library's `usize`.
pub(crate) fn index(i: u32) -> usize {
    // usize is at least 32 bits on every target UniFFI supports.
    usize::try_from(i).unwrap_or(usize::MAX)
}

/// A library count as the foreign side's u32 (the library's limits keep them far below).
pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A lock that a panic in another call cannot make unusable: the state guarded is always
/// left consistent by the binding's own code between two statements.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

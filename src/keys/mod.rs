//! Identities and keys: device keys, per-user keys (PUKs), and HPKE under each suite
//! (SPEC.md §5).
//!
//! Public halves are plain values that serialize; secret halves are newtypes with no `Debug`
//! and no `Clone` that wipe themselves on drop.

mod device;
pub mod kem;
mod puk;

use core::fmt;

use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

pub use device::{DevicePublic, DeviceSecret, DeviceStatus, VerifyingKey};
pub use kem::KemPublicKey;
pub use puk::{PukPublic, PukSecret, PukSeed, SymmetricKey};

use crate::wire::Fixed;

/// Bytes of a user id and of a device id.
pub const ID_LEN: usize = 16;

/// A user's stable identifier, as the service's directory assigns it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub Fixed<ID_LEN>);

/// A device's stable identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceId(pub Fixed<ID_LEN>);

impl UserId {
    /// Wraps 16 bytes.
    pub const fn new(bytes: [u8; ID_LEN]) -> Self {
        UserId(Fixed(bytes))
    }
    /// The id bytes.
    pub fn as_bytes(&self) -> &[u8; ID_LEN] {
        &self.0.0
    }
}

impl DeviceId {
    /// Wraps 16 bytes.
    pub const fn new(bytes: [u8; ID_LEN]) -> Self {
        DeviceId(Fixed(bytes))
    }
    /// The id bytes.
    pub fn as_bytes(&self) -> &[u8; ID_LEN] {
        &self.0.0
    }
}

impl fmt::Debug for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserId({:?})", self.0)
    }
}
impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({:?})", self.0)
    }
}

/// HKDF-SHA256 with a fixed salt label: `Expand(Extract(salt, ikm), info_parts, 32)`.
pub(crate) fn hkdf32(salt: &[u8], ikm: &[u8], info: &[&[u8]]) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    // 32 bytes is far below HKDF-SHA256's maximum output, so expand cannot fail.
    let expanded = Hkdf::<Sha256>::new(Some(salt), ikm).expand_multi_info(info, out.as_mut_slice());
    debug_assert!(expanded.is_ok());
    out
}

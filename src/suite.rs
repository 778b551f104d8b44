//! Cipher suites and their identifiers (SPEC.md §2.3).
//!
//! Every envelope names exactly one suite, and the suite's two-byte identifier is bound into
//! every key derivation the crate performs, so bytes produced under one suite never verify
//! under another.

use crate::error::{Error, Unsupported};

/// A mailseal cipher suite.
///
/// | suite | id | recipient KEM | piece cipher | hash |
/// |---|---|---|---|---|
/// | [`Suite::XWing`] (default) | `0x0001` | X-Wing (X25519 + ML-KEM-768) | AES-256-CTR + BLAKE3 | BLAKE3 |
/// | [`Suite::X25519`] | `0x0002` | DHKEM(X25519, HKDF-SHA256) | AES-256-CTR + BLAKE3 | BLAKE3 |
///
/// ```
/// use mailseal::Suite;
/// assert_eq!(Suite::default(), Suite::XWing);
/// assert_eq!(Suite::from_id(0x0002).unwrap(), Suite::X25519);
/// assert!(Suite::from_id(0x0003).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Suite {
    /// Post-quantum hybrid suite: HPKE with the X-Wing KEM. The default (feature `xwing`).
    #[cfg(feature = "xwing")]
    #[default]
    XWing,
    /// Classical suite: HPKE with DHKEM(X25519, HKDF-SHA256); the default without `xwing`.
    #[cfg_attr(not(feature = "xwing"), default)]
    X25519,
}

impl Suite {
    /// Every suite this build implements, in identifier order.
    #[cfg(feature = "xwing")]
    pub const ALL: [Suite; 2] = [Suite::XWing, Suite::X25519];
    /// Every suite this build implements, in identifier order.
    #[cfg(not(feature = "xwing"))]
    pub const ALL: [Suite; 1] = [Suite::X25519];

    /// The suite's two-byte identifier, as written on the wire and bound into derivations.
    pub const fn id(self) -> u16 {
        match self {
            #[cfg(feature = "xwing")]
            Suite::XWing => 0x0001,
            Suite::X25519 => 0x0002,
        }
    }

    /// The suite's identifier as the big-endian bytes bound into derivations.
    pub const fn id_bytes(self) -> [u8; 2] {
        self.id().to_be_bytes()
    }

    /// The suite's registered name (SPEC.md §2.3).
    pub const fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "xwing")]
            Suite::XWing => "MAILSEAL-XWING-AES256CTR-BLAKE3",
            Suite::X25519 => "MAILSEAL-X25519-AES256CTR-BLAKE3",
        }
    }

    /// Looks a suite up by identifier; unknown identifiers are [`Unsupported::Suite`].
    pub fn from_id(id: u16) -> Result<Suite, Error> {
        Suite::ALL
            .into_iter()
            .find(|s| s.id() == id)
            .ok_or(Error::Unsupported(Unsupported::Suite(id)))
    }
}

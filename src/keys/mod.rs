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
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;
use zeroize::Zeroizing;

pub use device::{DevicePublic, DeviceSecret, VerifyingKey};
pub use kem::KemPublicKey;
pub use public_wire::{DEVICE_TEXT_PREFIX, PUK_TEXT_PREFIX};
pub use puk::{PukPublic, PukSecret, PukSeed, SymmetricKey};

use crate::error::{Error, Field, Malformed};
use crate::wire::{Fixed, form};

/// Bytes of a user id and of a device id.
pub const ID_LEN: usize = 16;

/// A user's stable identifier, as the service's directory assigns it.
///
/// As text (`Display`, `FromStr`) it is 32 lowercase hexadecimal digits (upper case is read
/// too), the form logs, URLs and bindings carry (SPEC.md §5.6); [`DeviceId`] is the same.
/// Serde writes the text form to human-readable formats (JSON) and the 16 bytes to binary
/// ones (CBOR, as on the wire).
///
/// ```
/// use mailseal::keys::UserId;
/// let id: UserId = "000102030405060708090a0b0c0d0e0f".parse()?;
/// assert_eq!(id.to_string(), "000102030405060708090a0b0c0d0e0f");
/// assert!("0001".parse::<UserId>().is_err());
/// # Ok::<(), mailseal::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub Fixed<ID_LEN>);

/// A device's stable identifier; its text form is that of [`UserId`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DeviceId(pub Fixed<ID_LEN>);

/// `ids` as sorted 128-bit integers (big-endian, so the order is the ids' byte order), and
/// whether one occurs twice. Every sorted set of user ids shares this one sort of integers:
/// n·log n for the largest mails, and one small copy of the sort in a WebAssembly build
/// instead of one per caller and element type.
pub(crate) fn sorted_ids<'a>(
    ids: impl Iterator<Item = &'a UserId>,
) -> (alloc::vec::Vec<u128>, bool) {
    let mut keys: alloc::vec::Vec<u128> = ids.map(UserId::sort_key).collect();
    keys.sort_unstable();
    let repeated = keys.windows(2).any(|w| w.first() == w.get(1));
    (keys, repeated)
}

impl UserId {
    /// The id as a big-endian integer: ordered as the bytes are.
    pub(crate) fn sort_key(&self) -> u128 {
        u128::from_be_bytes(self.0.0)
    }

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

/// An id from its text form (32 hexadecimal digits).
fn parse_id(text: &str) -> Result<[u8; ID_LEN], Error> {
    form::from_hex(text).ok_or(Error::Malformed(Malformed::Field(Field::Id)))
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}
impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}
impl core::str::FromStr for UserId {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        parse_id(text).map(UserId::new)
    }
}
impl core::str::FromStr for DeviceId {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self, Error> {
        parse_id(text).map(DeviceId::new)
    }
}

/// Text in human-readable formats, the id bytes in binary ones.
macro_rules! id_serde {
    ($id:ident) => {
        impl Serialize for $id {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    form::serialize_text(self, s)
                } else {
                    self.0.serialize(s)
                }
            }
        }
        impl<'de> Deserialize<'de> for $id {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    form::deserialize_text(d)
                } else {
                    Fixed::deserialize(d).map($id)
                }
            }
        }
    };
}
id_serde!(UserId);
id_serde!(DeviceId);

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

/// Largest encoded public-key record ([`DevicePublic`] or [`PukPublic`]) accepted.
pub const MAX_PUBLIC_RECORD_LEN: usize = 4096;

mod public_wire {
    //! The CBOR form of public keys (SPEC.md §5.4): validated on the way in.

    use alloc::vec::Vec;
    use core::fmt;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{
        DeviceId, DevicePublic, KemPublicKey, MAX_PUBLIC_RECORD_LEN, PukPublic, UserId,
        VerifyingKey,
    };
    use crate::error::{Error, Field, Limit, Malformed};
    use crate::suite::Suite;
    use crate::wire::{self, Bytes, Fixed, form};

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct DeviceWire {
        #[serde(rename = "e")]
        encryption_key: Bytes,
        #[serde(rename = "i")]
        id: DeviceId,
        #[serde(rename = "s")]
        suite: u16,
        #[serde(rename = "v")]
        verifying_key: Fixed<32>,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct PukWire {
        #[serde(rename = "g")]
        generation: u32,
        #[serde(rename = "k")]
        mail_key: Bytes,
        #[serde(rename = "s")]
        suite: u16,
        #[serde(rename = "u")]
        user: UserId,
    }

    impl DevicePublic {
        /// The canonical CBOR record `{e: encryption key, i: device id, s: suite, v: verifying key}`.
        pub fn to_cbor(&self) -> Vec<u8> {
            wire::encode(&DeviceWire {
                encryption_key: Bytes(self.encryption_key.as_bytes().to_vec()),
                id: self.id,
                suite: self.encryption_key.suite().id(),
                verifying_key: Fixed(self.verifying_key.to_bytes()),
            })
        }

        /// Parses and validates a record (SPEC.md §5.4, in order): canonical CBOR, known
        /// suite, the verifying key, the encryption key.
        pub fn from_cbor(bytes: &[u8]) -> Result<Self, Error> {
            let w: DeviceWire =
                wire::decode(bytes, MAX_PUBLIC_RECORD_LEN, Limit::PublicRecordSize)?;
            let suite = Suite::from_id(w.suite)?;
            Ok(DevicePublic {
                id: w.id,
                verifying_key: VerifyingKey::from_bytes(&w.verifying_key.0)?,
                encryption_key: KemPublicKey::from_bytes(suite, &w.encryption_key.0)?,
            })
        }
    }

    impl PukPublic {
        /// The canonical CBOR record `{g: generation, k: mail key, s: suite, u: user id}`.
        pub fn to_cbor(&self) -> Vec<u8> {
            wire::encode(&PukWire {
                generation: self.generation,
                mail_key: Bytes(self.mail_key.as_bytes().to_vec()),
                suite: self.mail_key.suite().id(),
                user: self.user,
            })
        }

        /// Parses and validates a record: canonical CBOR, known suite, generation ≥ 1, valid key.
        pub fn from_cbor(bytes: &[u8]) -> Result<Self, Error> {
            let w: PukWire = wire::decode(bytes, MAX_PUBLIC_RECORD_LEN, Limit::PublicRecordSize)?;
            let suite = Suite::from_id(w.suite)?;
            if w.generation == 0 {
                return Err(Malformed::Field(Field::Generation).into());
            }
            Ok(PukPublic {
                user: w.user,
                generation: w.generation,
                mail_key: KemPublicKey::from_bytes(suite, &w.mail_key.0)?,
            })
        }
    }

    /// SPEC.md §5.6: the text form of a device record.
    pub const DEVICE_TEXT_PREFIX: &str = "mailseal:device:";
    /// SPEC.md §5.6: the text form of a per-user key record.
    pub const PUK_TEXT_PREFIX: &str = "mailseal:puk:";

    /// Text forms and serde for the two records: `prefix || base64url(canonical CBOR)` as
    /// text and in human-readable formats, the CBOR record as a byte string in binary ones;
    /// read back with every check of [`DevicePublic::from_cbor`] / [`PukPublic::from_cbor`].
    macro_rules! record_text_form {
        ($record:ident, $prefix:ident) => {
            impl fmt::Display for $record {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str($prefix)?;
                    f.write_str(&form::base64url(&self.to_cbor()))
                }
            }
            impl core::str::FromStr for $record {
                type Err = Error;
                fn from_str(text: &str) -> Result<Self, Error> {
                    let cbor = form::from_prefixed_base64url(
                        text,
                        $prefix,
                        MAX_PUBLIC_RECORD_LEN,
                        Limit::PublicRecordSize,
                    )?;
                    $record::from_cbor(&cbor)
                }
            }
            impl Serialize for $record {
                fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    if s.is_human_readable() {
                        form::serialize_text(self, s)
                    } else {
                        s.serialize_bytes(&self.to_cbor())
                    }
                }
            }
            impl<'de> Deserialize<'de> for $record {
                fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    if d.is_human_readable() {
                        form::deserialize_text(d)
                    } else {
                        let Bytes(cbor) = Bytes::deserialize(d)?;
                        $record::from_cbor(&cbor).map_err(D::Error::custom)
                    }
                }
            }
        };
    }
    record_text_form!(DevicePublic, DEVICE_TEXT_PREFIX);
    record_text_form!(PukPublic, PUK_TEXT_PREFIX);

    #[cfg(test)]
    mod tests {
        use alloc::format;
        use alloc::string::ToString;

        use rand_chacha::ChaCha20Rng;
        use rand_core::SeedableRng;

        use super::*;
        use crate::keys::{DeviceSecret, PukSecret};

        #[test]
        fn text_forms_round_trip_and_read_one_spelling() {
            let mut rng = ChaCha20Rng::from_seed([5; 32]);
            for suite in Suite::ALL {
                let d = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
                let text = d.public().to_string();
                assert!(text.starts_with("mailseal:device:"));
                assert_eq!(&text.parse::<DevicePublic>().unwrap(), d.public());
                let p = PukSecret::generate(suite, UserId::new([2; 16]), 3, &mut rng).unwrap();
                let text = p.public().to_string();
                assert!(text.starts_with("mailseal:puk:"));
                assert_eq!(&text.parse::<PukPublic>().unwrap(), p.public());
                // A device record is not a PUK record, whatever its bytes.
                let as_puk = text.replacen("mailseal:puk:", "mailseal:device:", 1);
                assert!(as_puk.parse::<DevicePublic>().is_err());
                // Padding, whitespace, the standard alphabet, a cut: refused as text.
                let text_form = Error::from(Malformed::Field(Field::TextForm));
                for bad in [
                    format!("{text}="),
                    format!(" {text}"),
                    text.replace('-', "+"),
                    text.to_uppercase(),
                ] {
                    if bad != text {
                        assert_eq!(bad.parse::<PukPublic>().err(), Some(text_form), "{bad}");
                    }
                }
                // Cut to a whole number of bytes: the text is fine, the CBOR is not.
                let cut = &text[..text.len() - 4];
                assert_eq!(
                    cut.parse::<PukPublic>().err().map(|e| e.class()),
                    Some("malformed/cbor/length_exceeds_input")
                );
            }
            // A record with a low-order key is refused through its text form too.
            let bad = wire::encode(&PukWire {
                generation: 1,
                mail_key: Bytes(alloc::vec![0; 32]),
                suite: Suite::X25519.id(),
                user: UserId::new([2; 16]),
            });
            let text = alloc::format!("{PUK_TEXT_PREFIX}{}", form::base64url(&bad));
            assert_eq!(text.parse::<PukPublic>(), Err(Malformed::PublicKey.into()));
            // Longer than any record could be: refused before decoding.
            let long = alloc::format!("{PUK_TEXT_PREFIX}{}", "A".repeat(5500));
            assert_eq!(
                long.parse::<PukPublic>(),
                Err(Limit::PublicRecordSize.into())
            );
        }

        #[test]
        fn serde_writes_text_to_json_and_bytes_to_cbor() {
            let mut rng = ChaCha20Rng::from_seed([6; 32]);
            let d = DeviceSecret::generate(Suite::X25519, DeviceId::new([7; 16]), &mut rng);
            let json = serde_json::to_string(d.public()).unwrap();
            assert_eq!(json, alloc::format!("\"{}\"", d.public()));
            assert_eq!(
                &serde_json::from_str::<DevicePublic>(&json).unwrap(),
                d.public()
            );
            let id_json = serde_json::to_string(&d.public().id).unwrap();
            assert_eq!(id_json, "\"07070707070707070707070707070707\"");
            assert_eq!(
                serde_json::from_str::<DeviceId>(&id_json).unwrap(),
                d.public().id
            );
            // In CBOR the record is a byte string holding the canonical record.
            let cbor = wire::encode(d.public());
            let Bytes(inner) = ciborium::from_reader(cbor.as_slice()).unwrap();
            assert_eq!(inner, d.public().to_cbor());
            assert_eq!(
                &ciborium::from_reader::<DevicePublic, _>(cbor.as_slice()).unwrap(),
                d.public()
            );
            // A bad record in JSON is an error, not a value.
            assert!(serde_json::from_str::<DevicePublic>("\"mailseal:device:AAAA\"").is_err());
        }

        #[test]
        fn public_records_round_trip_and_reject_bad_keys() {
            let mut rng = ChaCha20Rng::from_seed([4; 32]);
            for suite in Suite::ALL {
                let d = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
                let bytes = d.public().to_cbor();
                assert_eq!(&DevicePublic::from_cbor(&bytes).unwrap(), d.public());
                let p = PukSecret::generate(suite, UserId::new([2; 16]), 7, &mut rng).unwrap();
                let bytes = p.public().to_cbor();
                assert_eq!(&PukPublic::from_cbor(&bytes).unwrap(), p.public());
            }
            // An X25519 PUK record whose key is the all-zero (low-order) point.
            let bad = wire::encode(&PukWire {
                generation: 1,
                mail_key: Bytes(alloc::vec![0; 32]),
                suite: Suite::X25519.id(),
                user: UserId::new([2; 16]),
            });
            assert_eq!(PukPublic::from_cbor(&bad), Err(Malformed::PublicKey.into()));
            // A small-order Ed25519 verifying key (the identity point).
            let mut identity = [0u8; 32];
            identity[0] = 1;
            assert_eq!(
                VerifyingKey::from_bytes(&identity),
                Err(Malformed::PublicKey.into())
            );
        }

        /// §5.1: a point is accepted only in its canonical encoding. `y + p` (p = 2^255 − 19)
        /// decodes to the same point as `y`, so for every small y whose point is valid and not
        /// weak the alias must be refused while the canonical key is accepted.
        #[test]
        fn verifying_keys_are_canonical_encodings_only() {
            let mut p = [0xffu8; 32];
            p[0] = 0xed;
            p[31] = 0x7f;
            let mut aliases_seen = 0;
            for y in 2u8..19 {
                let mut canonical = [0u8; 32];
                canonical[0] = y;
                let mut alias = p;
                alias[0] = 0xed + y; // p + y: no carry for y < 19
                if VerifyingKey::from_bytes(&canonical).is_ok() {
                    aliases_seen += 1;
                    assert_eq!(
                        VerifyingKey::from_bytes(&alias),
                        Err(Malformed::PublicKey.into()),
                        "alias of y = {y} accepted"
                    );
                }
            }
            // The loop must have exercised the rule, not skipped every y.
            assert!(aliases_seen > 0);
        }
    }
}

//! HPKE (RFC 9180) under each suite: key validation, derivation, single-shot seal and open
//! (SPEC.md §5.3).
//!
//! Both suites use HKDF-SHA256 as the HPKE KDF and ChaCha20-Poly1305 as the HPKE AEAD, in
//! base mode; the KEM is the suite's (X-Wing or DHKEM(X25519, HKDF-SHA256)).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

use hpke::aead::ChaCha20Poly1305;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
#[cfg(feature = "xwing")]
use hpke::kem::XWing;
use hpke::{Deserializable, Kem, OpModeR, OpModeS, Serializable};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::error::{AuthFailure, Error, Field, Malformed};
use crate::suite::Suite;

/// Bytes of an X25519 public key, and of the X25519 part at the end of an X-Wing key.
const X25519_LEN: usize = 32;
/// Bytes of an X-Wing public key (ML-KEM-768 encapsulation key, then X25519).
#[cfg(feature = "xwing")]
const XWING_PK_LEN: usize = 1216;
/// Bytes added by the HPKE AEAD (ChaCha20-Poly1305 tag).
pub const HPKE_TAG_LEN: usize = 16;

/// The HPKE encapsulated-key length of `suite`.
pub const fn enc_len(suite: Suite) -> usize {
    match suite {
        #[cfg(feature = "xwing")]
        Suite::XWing => 1120,
        Suite::X25519 => 32,
    }
}

/// A KEM public key of one suite, validated when it was built: right length, decodes, and
/// its X25519 part is canonical and not a low-order point.
///
/// An X-Wing key is kept decoded as well as in bytes, so that sealing to it does not decode it
/// again (decoding checks the ML-KEM part's coefficients and hashes its 1,184 bytes: 5 µs per
/// recipient box), and every key keeps its fingerprint, which a mail binds for each recipient
/// (BLAKE3 over an X-Wing key's 1,216 bytes, hashed once instead of at every use).
#[derive(Clone)]
pub struct KemPublicKey {
    suite: Suite,
    // The fingerprint, then the encoded key, in one allocation: the type stays 32 bytes (the
    // footer's `Plan` holds keys inline, at clippy's `large_enum_variant` line).
    stored: Box<[u8]>,
    decoded: Decoded,
}

/// Bytes of a fingerprint, at the start of `KemPublicKey::stored`.
const FINGERPRINT_LEN: usize = 32;

/// A public key as the `hpke` crate takes it, where decoding it from `KemPublicKey::bytes`
/// costs something.
#[derive(Clone)]
enum Decoded {
    // Boxed: a decoded ML-KEM-768 encapsulation key holds its NTT-form vector (1.5 KiB).
    #[cfg(feature = "xwing")]
    XWing(Box<<XWing as Kem>::PublicKey>),
    /// Decoding an X25519 key copies its 32 bytes; sealing does it, and the key type stays
    /// small.
    X25519,
}

/// Equal when suite and bytes are: the fingerprint and the decoded key are functions of them.
impl PartialEq for KemPublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.suite == other.suite && self.as_bytes() == other.as_bytes()
    }
}

impl Eq for KemPublicKey {}

impl fmt::Debug for KemPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KemPublicKey({:?}, fingerprint ", self.suite)?;
        self.fingerprint()
            .iter()
            .take(8)
            .try_for_each(|b| write!(f, "{b:02x}"))?;
        write!(f, "…)")
    }
}

impl KemPublicKey {
    /// Validates `bytes` as a public key of `suite` (SPEC.md §5.3).
    pub fn from_bytes(suite: Suite, bytes: &[u8]) -> Result<Self, Error> {
        let (decoded, x25519_part) = match suite {
            #[cfg(feature = "xwing")]
            Suite::XWing => (
                Decoded::XWing(Box::new(
                    <XWing as Kem>::PublicKey::from_bytes(bytes)
                        .map_err(|_| Malformed::PublicKey)?,
                )),
                bytes.get(XWING_PK_LEN - X25519_LEN..),
            ),
            Suite::X25519 => {
                <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(bytes)
                    .map_err(|_| Malformed::PublicKey)?;
                (Decoded::X25519, Some(bytes))
            }
        };
        let x25519_part: [u8; X25519_LEN] = x25519_part
            .and_then(|p| p.try_into().ok())
            .ok_or(Malformed::PublicKey)?;
        if !is_canonical_x25519(&x25519_part) || is_low_order_x25519(&x25519_part) {
            return Err(Malformed::PublicKey.into());
        }
        Ok(KemPublicKey::new(suite, bytes, decoded))
    }

    /// Keeps `bytes` with their fingerprint (SPEC.md §5.3:
    /// `BLAKE3-derive_key("mailseal v1 kem public key", suite_id || pk)`).
    fn new(suite: Suite, bytes: &[u8], decoded: Decoded) -> Self {
        let mut h = blake3::Hasher::new_derive_key("mailseal v1 kem public key");
        h.update(&suite.id_bytes());
        h.update(bytes);
        KemPublicKey {
            suite,
            stored: [h.finalize().as_bytes().as_slice(), bytes].concat().into(),
            decoded,
        }
    }

    /// The suite this key belongs to.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The encoded key.
    pub fn as_bytes(&self) -> &[u8] {
        // `new` stored the fingerprint first: the fallback is never taken.
        self.stored.get(FINGERPRINT_LEN..).unwrap_or_default()
    }

    /// SPEC.md §5.3: `BLAKE3-derive_key("mailseal v1 kem public key", suite_id || pk)`, the
    /// 32-byte name of this key that digests bind; hashed when the key was built.
    pub fn fingerprint(&self) -> [u8; 32] {
        // `new` stored the fingerprint first: the fallback is never taken.
        self.stored
            .first_chunk::<FINGERPRINT_LEN>()
            .copied()
            .unwrap_or_default()
    }
}

/// SPEC.md §5.3: the u-coordinate in its one encoding, below p = 2^255 − 19 with the top bit
/// clear. Decoders ignore that bit and reduce mod p, so every key has aliases that would
/// compare (and fingerprint) unequal to it; honest keys never take that form.
fn is_canonical_x25519(point: &[u8; X25519_LEN]) -> bool {
    let [low, middle @ .., high] = point;
    let below_p = !(*high == 0x7f && middle.iter().all(|b| *b == 0xff) && *low >= 0xed);
    high & 0x80 == 0 && below_p
}

/// X25519 points of small order (and their non-canonical encodings) map to all-zero under
/// any clamped scalar, since clamping makes the scalar a multiple of the cofactor 8.
fn is_low_order_x25519(point: &[u8; X25519_LEN]) -> bool {
    x25519_dalek::x25519([0x5a; 32], *point) == [0u8; 32]
}

/// A KEM secret key. No `Debug`, no `Clone`; the `hpke` types wipe themselves on drop.
pub(crate) enum KemSecretKey {
    // Boxed: an X-Wing secret key (expanded ML-KEM-768 key) is 1.6 KiB.
    #[cfg(feature = "xwing")]
    XWing(Box<<XWing as Kem>::PrivateKey>),
    X25519(<X25519HkdfSha256 as Kem>::PrivateKey),
}

/// Derives a key pair from 32 bytes of secret input keying material (RFC 9180 DeriveKeyPair).
pub(crate) fn derive_keypair(suite: Suite, ikm: &[u8; 32]) -> (KemSecretKey, KemPublicKey) {
    let (sk, bytes, decoded) = match suite {
        #[cfg(feature = "xwing")]
        Suite::XWing => {
            let (sk, pk) = XWing::derive_keypair(ikm);
            let bytes = pk.to_bytes();
            (
                KemSecretKey::XWing(Box::new(sk)),
                bytes.to_vec(),
                Decoded::XWing(Box::new(pk)),
            )
        }
        Suite::X25519 => {
            let (sk, pk) = X25519HkdfSha256::derive_keypair(ikm);
            (
                KemSecretKey::X25519(sk),
                pk.to_bytes().to_vec(),
                Decoded::X25519,
            )
        }
    };
    (sk, KemPublicKey::new(suite, &bytes, decoded))
}

/// HPKE single-shot seal, base mode. Returns `(enc, ciphertext)`.
pub(crate) fn seal(
    pk: &KemPublicKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<(Vec<u8>, Vec<u8>), Error> {
    fn go<K: Kem>(
        pk: &K::PublicKey,
        info: &[u8],
        aad: &[u8],
        pt: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let (enc, ct) = hpke::single_shot_seal_with_rng::<ChaCha20Poly1305, HkdfSha256, K>(
            &OpModeS::Base,
            pk,
            info,
            pt,
            aad,
            rng,
        )
        .map_err(|_| Malformed::PublicKey)?;
        Ok((enc.to_bytes().to_vec(), ct))
    }
    match &pk.decoded {
        #[cfg(feature = "xwing")]
        Decoded::XWing(key) => go::<XWing>(key, info, aad, plaintext, rng),
        Decoded::X25519 => {
            let key = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(pk.as_bytes())
                .map_err(|_| Malformed::PublicKey)?;
            go::<X25519HkdfSha256>(&key, info, aad, plaintext, rng)
        }
    }
}

/// HPKE single-shot open, base mode. Any failure is [`AuthFailure::RecipientBox`], except an
/// `enc` of the wrong length for the suite.
pub(crate) fn open(
    sk: &KemSecretKey,
    enc: &[u8],
    info: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, Error> {
    fn go<K: Kem>(
        sk: &K::PrivateKey,
        enc: &[u8],
        info: &[u8],
        aad: &[u8],
        ct: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let enc =
            K::EncappedKey::from_bytes(enc).map_err(|_| Malformed::Field(Field::BoxLength))?;
        hpke::single_shot_open::<ChaCha20Poly1305, HkdfSha256, K>(
            &OpModeR::Base,
            sk,
            &enc,
            info,
            ct,
            aad,
        )
        .map(Zeroizing::new)
        .map_err(|_| AuthFailure::RecipientBox.into())
    }
    match sk {
        #[cfg(feature = "xwing")]
        KemSecretKey::XWing(sk) => go::<XWing>(sk, enc, info, aad, ciphertext),
        KemSecretKey::X25519(sk) => go::<X25519HkdfSha256>(sk, enc, info, aad, ciphertext),
    }
}

impl KemSecretKey {
    pub(crate) fn suite(&self) -> Suite {
        match self {
            #[cfg(feature = "xwing")]
            KemSecretKey::XWing(_) => Suite::XWing,
            KemSecretKey::X25519(_) => Suite::X25519,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_order_x25519_keys_are_rejected() {
        // The all-zero point, the point of order 4 (u = 1), and an order-8 point.
        let order8 = [
            0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
            0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
            0x5f, 0x49, 0xb8, 0x00,
        ];
        let mut one = [0u8; 32];
        one[0] = 1;
        for bad in [[0u8; 32], one, order8] {
            assert_eq!(
                KemPublicKey::from_bytes(Suite::X25519, &bad),
                Err(Malformed::PublicKey.into())
            );
        }
        let (_, good) = derive_keypair(Suite::X25519, &[3; 32]);
        assert!(KemPublicKey::from_bytes(Suite::X25519, good.as_bytes()).is_ok());
    }

    #[test]
    #[cfg(feature = "xwing")]
    fn xwing_key_with_low_order_x25519_part_is_rejected() {
        let (_, good) = derive_keypair(Suite::XWing, &[3; 32]);
        assert!(KemPublicKey::from_bytes(Suite::XWing, good.as_bytes()).is_ok());
        let mut bad = good.as_bytes().to_vec();
        bad[XWING_PK_LEN - X25519_LEN..].fill(0);
        assert_eq!(
            KemPublicKey::from_bytes(Suite::XWing, &bad),
            Err(Malformed::PublicKey.into())
        );
    }

    fn pk_len(suite: Suite) -> usize {
        match suite {
            #[cfg(feature = "xwing")]
            Suite::XWing => XWING_PK_LEN,
            Suite::X25519 => X25519_LEN,
        }
    }

    /// The decoded key and the fingerprint a `KemPublicKey` keeps are those of its bytes,
    /// however the key was built: a key read from bytes seals exactly as the derived key does.
    #[test]
    fn kept_decoded_key_and_fingerprint_match_the_bytes() {
        use rand_chacha::ChaCha20Rng;
        use rand_core::SeedableRng;
        for suite in Suite::ALL {
            let (sk, derived) = derive_keypair(suite, &[7; 32]);
            let read = KemPublicKey::from_bytes(suite, derived.as_bytes()).unwrap();
            assert_eq!(read, derived);
            let mut fingerprint = blake3::Hasher::new_derive_key("mailseal v1 kem public key");
            fingerprint.update(&suite.id_bytes());
            fingerprint.update(read.as_bytes());
            assert_eq!(read.fingerprint(), *fingerprint.finalize().as_bytes());
            assert_eq!(derived.fingerprint(), read.fingerprint());
            assert_eq!(read.as_bytes().len(), pk_len(suite));
            let seal_with = |pk: &KemPublicKey| {
                seal(
                    pk,
                    b"info",
                    b"aad",
                    b"box",
                    &mut ChaCha20Rng::from_seed([1; 32]),
                )
                .unwrap()
            };
            let (enc, ct) = seal_with(&read);
            assert_eq!((enc.clone(), ct.clone()), seal_with(&derived));
            assert_eq!(&open(&sk, &enc, b"info", b"aad", &ct).unwrap()[..], b"box");
        }
    }

    #[test]
    fn wrong_lengths_are_rejected() {
        assert!(KemPublicKey::from_bytes(Suite::X25519, &[9; 31]).is_err());
        #[cfg(feature = "xwing")]
        assert!(KemPublicKey::from_bytes(Suite::XWing, &[9; 32]).is_err());
    }
}

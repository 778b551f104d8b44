//! Device keys: an Ed25519 signing key and an HPKE KEM key pair per device (SPEC.md §5.1).

use core::fmt;

use ed25519_dalek::{Signature, Signer, SigningKey};
use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::kem::{self, KemPublicKey, KemSecretKey};
use super::{DeviceId, hkdf32};
use crate::error::{AuthFailure, Error, Malformed};
use crate::suite::Suite;
use crate::wire::Fixed;

/// An Ed25519 public key that decodes and is not of small order (SPEC.md §5.1).
///
/// On the wire it is a `bstr .size 32`, validated after the structure decodes, so an invalid
/// key is [`Malformed::PublicKey`] wherever it appears.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct VerifyingKey(ed25519_dalek::VerifyingKey);

impl VerifyingKey {
    /// Validates 32 bytes as a device verifying key: a canonical point, not weak.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, Error> {
        let vk =
            ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| Malformed::PublicKey)?;
        // §5.1: "a canonical point that is not of small order". Decoding alone accepts a
        // y coordinate at or above p: such an alias of a listed key would compare unequal to
        // it (keys compare by bytes) and slip past a chain's reuse rule.
        if vk.is_weak() || vk.to_edwards().compress().to_bytes() != *bytes {
            return Err(Malformed::PublicKey.into());
        }
        Ok(VerifyingKey(vk))
    }

    /// The encoded key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Verifies an Ed25519 signature with `verify_strict` semantics (SPEC.md §5.1): a
    /// non-canonical `S`, a small-order `R` or a signature of the wrong length is refused.
    ///
    /// ```
    /// # use mailseal::keys::{DeviceId, DeviceSecret};
    /// # use rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([1; 32]);
    /// let d = DeviceSecret::generate(mailseal::Suite::X25519, DeviceId::new([1; 16]), &mut rng);
    /// assert!(d.public().verifying_key.verify(b"message", &[0; 64]).is_err());
    /// ```
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let sig: &[u8; 64] = signature.try_into().map_err(|_| AuthFailure::Signature)?;
        if self.verify_strict(message, sig) {
            Ok(())
        } else {
            Err(AuthFailure::Signature.into())
        }
    }

    /// `verify_strict`: rejects non-canonical and small-order signature components.
    pub(crate) fn verify_strict(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = Signature::from_bytes(signature);
        self.0.verify_strict(message, &sig).is_ok()
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifyingKey({:?})", Fixed(self.to_bytes()))
    }
}

/// A device's public keys, as published in the key directory.
///
/// Its text form (`Display`, `FromStr`; SPEC.md §5.6) is `mailseal:device:` and the
/// canonical record (§5.4) in unpadded base64url, read back with every check of
/// [`DevicePublic::from_cbor`]. Serde writes that text to human-readable formats and the
/// record as a byte string to binary ones.
///
/// ```
/// use mailseal::keys::{DeviceId, DevicePublic, DeviceSecret};
/// let device = DeviceSecret::from_seed(mailseal::Suite::X25519, DeviceId::new([1; 16]), &[7; 32]);
/// let text = device.public().to_string();
/// assert!(text.starts_with("mailseal:device:"));
/// assert_eq!(&text.parse::<DevicePublic>()?, device.public());
/// # Ok::<(), mailseal::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevicePublic {
    /// The device id.
    pub id: DeviceId,
    /// The device's Ed25519 verifying key.
    pub verifying_key: VerifyingKey,
    /// The device's HPKE encryption key (for seed wraps).
    pub encryption_key: KemPublicKey,
}

/// A device's secret keys. No `Debug`, no `Clone`; wiped on drop.
///
/// Everything derives from a 32-byte device seed (SPEC.md §5.1), so a device stores one secret.
pub struct DeviceSecret {
    id: DeviceId,
    seed: [u8; 32],
    signing: SigningKey,
    kem_sk: KemSecretKey,
    public: DevicePublic,
}

impl DeviceSecret {
    /// Creates a device with a fresh seed from `rng`.
    pub fn generate(suite: Suite, id: DeviceId, rng: &mut impl CryptoRng) -> Self {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let device = Self::from_seed(suite, id, &seed);
        seed.zeroize();
        device
    }

    /// Re-creates a device from its stored seed.
    ///
    /// SPEC.md §5.1:
    /// ```text
    /// signing_seed = HKDF-SHA256(salt = "mailseal v1 device", IKM = seed, info = "mailseal v1 device signing", 32)
    /// kem_ikm      = HKDF-SHA256(salt = "mailseal v1 device", IKM = seed, info = "mailseal v1 device kem" || suite_id, 32)
    /// ```
    pub fn from_seed(suite: Suite, id: DeviceId, seed: &[u8; 32]) -> Self {
        let signing_seed = hkdf32(
            b"mailseal v1 device",
            seed,
            &[b"mailseal v1 device signing"],
        );
        let kem_ikm = hkdf32(
            b"mailseal v1 device",
            seed,
            &[b"mailseal v1 device kem", &suite.id_bytes()],
        );
        let signing = SigningKey::from_bytes(&signing_seed);
        let (kem_sk, encryption_key) = kem::derive_keypair(suite, &kem_ikm);
        let public = DevicePublic {
            id,
            verifying_key: VerifyingKey(signing.verifying_key()),
            encryption_key,
        };
        DeviceSecret {
            id,
            seed: *seed,
            signing,
            kem_sk,
            public,
        }
    }

    /// The device id.
    pub fn id(&self) -> DeviceId {
        self.id
    }

    /// The device's public keys.
    pub fn public(&self) -> &DevicePublic {
        &self.public
    }

    /// The 32-byte seed everything derives from: the one secret a device must store.
    pub fn expose_seed(&self) -> &[u8; 32] {
        &self.seed
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    pub(crate) fn kem_secret(&self) -> &KemSecretKey {
        &self.kem_sk
    }
}

impl Drop for DeviceSecret {
    fn drop(&mut self) {
        self.seed.zeroize();
    }
}
impl ZeroizeOnDrop for DeviceSecret {}

//! Per-user keys (PUKs): a 32-byte seed and a generation, from which every device of the
//! user derives the same mail KEM key pair and symmetric key (SPEC.md §5.2).

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::kem::{self, KemPublicKey, KemSecretKey};
use super::{UserId, hkdf32};
use crate::error::{Error, Field, Malformed};
use crate::suite::Suite;

/// A PUK seed: 32 secret bytes. No `Debug`, no `Clone`; wiped on drop.
pub struct PukSeed([u8; 32]);

impl PukSeed {
    /// A fresh seed from `rng`.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        let mut s = [0u8; 32];
        rng.fill_bytes(&mut s);
        PukSeed(s)
    }
    /// Wraps seed bytes the caller holds (for example, unwrapped from a seed wrap).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        PukSeed(bytes)
    }
    /// The seed bytes.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
}
impl Zeroize for PukSeed {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}
impl Drop for PukSeed {
    fn drop(&mut self) {
        self.zeroize();
    }
}
impl ZeroizeOnDrop for PukSeed {}

/// The symmetric key a PUK derives for the user's own data. No `Debug`, no `Clone`; wiped on drop.
pub struct SymmetricKey([u8; 32]);
impl SymmetricKey {
    /// The key bytes.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
}
impl Zeroize for SymmetricKey {
    fn zeroize(&mut self) {
        self.0.zeroize();
    }
}
impl Drop for SymmetricKey {
    fn drop(&mut self) {
        self.zeroize();
    }
}
impl ZeroizeOnDrop for SymmetricKey {}

/// A user's PUK public half for one generation: what senders encrypt mail to.
///
/// Its text form (SPEC.md §5.6) is `mailseal:puk:` and the canonical record (§5.4) in
/// unpadded base64url; serde as for [`DevicePublic`](super::DevicePublic).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PukPublic {
    /// The user.
    pub user: UserId,
    /// The generation, from 1.
    pub generation: u32,
    /// The mail KEM public key of this generation.
    pub mail_key: KemPublicKey,
}

/// One generation of a user's PUK with everything derived from it. No `Debug`, no `Clone`.
pub struct PukSecret {
    seed: PukSeed,
    mail_sk: KemSecretKey,
    symmetric: SymmetricKey,
    public: PukPublic,
}

impl PukSecret {
    /// Derives generation `generation` (≥ 1) of `user`'s PUK from `seed`.
    ///
    /// SPEC.md §5.2:
    /// ```text
    /// mail_ikm  = HKDF-SHA256(salt = "mailseal v1 puk", IKM = seed,
    ///                         info = "mailseal v1 puk mail kem" || suite_id || u32be(generation), 32)
    /// mail key pair = HPKE DeriveKeyPair(mail_ikm) of the suite's KEM
    /// symmetric = HKDF-SHA256(salt = "mailseal v1 puk", IKM = seed,
    ///                         info = "mailseal v1 puk symmetric" || suite_id || u32be(generation), 32)
    /// ```
    pub fn derive(
        suite: Suite,
        user: UserId,
        generation: u32,
        seed: PukSeed,
    ) -> Result<Self, Error> {
        if generation == 0 {
            return Err(Malformed::Field(Field::Generation).into());
        }
        let g = generation.to_be_bytes();
        let sid = suite.id_bytes();
        let mail_ikm = hkdf32(
            b"mailseal v1 puk",
            &seed.0,
            &[b"mailseal v1 puk mail kem", &sid, &g],
        );
        let sym = hkdf32(
            b"mailseal v1 puk",
            &seed.0,
            &[b"mailseal v1 puk symmetric", &sid, &g],
        );
        let (mail_sk, mail_key) = kem::derive_keypair(suite, &mail_ikm);
        Ok(PukSecret {
            seed,
            mail_sk,
            symmetric: SymmetricKey(*sym),
            public: PukPublic {
                user,
                generation,
                mail_key,
            },
        })
    }

    /// A fresh PUK (new seed from `rng`) for `user` at `generation`.
    pub fn generate(
        suite: Suite,
        user: UserId,
        generation: u32,
        rng: &mut impl CryptoRng,
    ) -> Result<Self, Error> {
        Self::derive(suite, user, generation, PukSeed::generate(rng))
    }

    /// The public half.
    pub fn public(&self) -> &PukPublic {
        &self.public
    }
    /// The generation.
    pub fn generation(&self) -> u32 {
        self.public.generation
    }
    /// The suite of the mail key.
    pub fn suite(&self) -> Suite {
        self.mail_sk.suite()
    }
    /// The seed (to wrap it to another device).
    pub fn seed(&self) -> &PukSeed {
        &self.seed
    }
    /// The symmetric key for the user's own data.
    pub fn symmetric_key(&self) -> &SymmetricKey {
        &self.symmetric
    }
    pub(crate) fn mail_secret(&self) -> &KemSecretKey {
        &self.mail_sk
    }
}

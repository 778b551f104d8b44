//! Per-user keys across devices: seed wraps, batches, rotation (SPEC.md §7.2, §7.3).
//!
//! ```
//! use mailseal::account::devices::{open_seed_wrap, wrap_seed};
//! use mailseal::keys::{DeviceId, DeviceSecret, DeviceStatus, PukSecret, UserId};
//! use mailseal::mail::open::VouchedDevice;
//! use mailseal::Suite;
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
//! let suite = Suite::X25519;
//! let user = UserId::new([1; 16]);
//! let d1 = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
//! let d3 = DeviceSecret::generate(suite, DeviceId::new([3; 16]), &mut rng);
//! let puk = PukSecret::generate(suite, user, 1, &mut rng)?;
//!
//! // D1 approves D3: it wraps the seed to D3's encryption key and signs.
//! let wrap = wrap_seed(&puk, user, d3.public(), &d1, &mut rng)?;
//! let d1_vouched = VouchedDevice {
//!     user, device: d1.id(), verifying_key: d1.public().verifying_key, status: DeviceStatus::Active,
//! };
//! let unwrapped = open_seed_wrap(&wrap, &d3, &user, &[d1_vouched])?;
//! assert_eq!(unwrapped.puk.public(), puk.public());
//! # Ok::<(), mailseal::Error>(())
//! ```

use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::account::wrap::{self, WrapLabels};
use crate::error::{AuthFailure, Error, Limit, Misuse};
use crate::keys::{DeviceId, DevicePublic, DeviceSecret, DeviceStatus, PukSecret, PukSeed, UserId};
use crate::mail::open::VouchedDevice;
use crate::suite::Suite;
use crate::wire::{self, Bytes, Fixed};

/// Largest encoded seed wrap batch (4096 X-Wing wraps fit).
pub const MAX_SEED_WRAP_BATCH_LEN: usize = 8 * 1024 * 1024;
/// Most wraps in a batch: generations one approver can hand over at once.
pub const MAX_SEED_WRAPS: usize = 4096;
/// Largest encoded single seed wrap.
pub const MAX_SEED_WRAP_LEN: usize = 4096;
/// Most devices one user may have listed at a rotation (real devices, backup and escrow).
pub const MAX_DEVICES: usize = 1024;

const LABELS: WrapLabels = WrapLabels {
    info: b"mailseal v1 seed wrap",
    signature: b"mailseal v1 seed wrap signature",
};
const COSIGNATURE_LABEL: &[u8] = b"mailseal v1 seed wrap cosignature";

/// A second signature on a seed wrap, by a device of another user (an escrow administrator's
/// device endorsing a recovery).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cosignature {
    /// Co-signing device.
    #[serde(rename = "d")]
    pub device: DeviceId,
    /// Its user.
    #[serde(rename = "u")]
    pub user: UserId,
    /// Ed25519 signature.
    #[serde(rename = "x")]
    pub signature: Fixed<64>,
}

/// A PUK seed wrapped to one device and signed by the approving device (SPEC.md §7.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedWrap {
    /// HPKE ciphertext of the seed.
    #[serde(rename = "c")]
    pub ciphertext: Bytes,
    /// HPKE encapsulated key.
    #[serde(rename = "e")]
    pub enc: Bytes,
    /// PUK generation.
    #[serde(rename = "g")]
    pub generation: u32,
    /// Fingerprint of the mail key this seed derives at this generation.
    #[serde(rename = "k")]
    pub puk_fingerprint: Fixed<32>,
    /// Suite.
    #[serde(rename = "s")]
    pub suite: u16,
    /// Target device.
    #[serde(rename = "t")]
    pub target: DeviceId,
    /// The user whose seed this is.
    #[serde(rename = "u")]
    pub user: UserId,
    /// Approver's signature.
    #[serde(rename = "x")]
    pub signature: Fixed<64>,
    /// Approving device.
    #[serde(rename = "ad")]
    pub approver_device: DeviceId,
    /// Approving device's user.
    #[serde(rename = "au")]
    pub approver_user: UserId,
    /// Optional endorsement by another user's device.
    #[serde(rename = "cs")]
    pub cosignature: Option<Cosignature>,
}

/// A seed that opened, with who vouched for it.
pub struct UnwrappedSeed {
    /// The PUK generation, derived from the seed.
    pub puk: PukSecret,
    /// The approving device and what the caller's directory says of it.
    pub approver: VouchedDevice,
    /// The co-signing device, if the wrap carried a valid co-signature.
    pub cosigner: Option<VouchedDevice>,
}

/// SPEC.md §7.2:
/// ```text
/// ctx = BLAKE3-derive_key("mailseal v1 seed wrap", suite_id || user || u32be(g) || puk_fingerprint
///         || target_device || target_encryption_key_fingerprint
///         || approver_user || approver_device || approver_verifying_key)
/// ```
fn context(
    suite: Suite,
    w: &SeedWrap,
    target_enc_fingerprint: &[u8; 32],
    approver_key: &crate::keys::VerifyingKey,
) -> [u8; 32] {
    wrap::context_digest(
        "mailseal v1 seed wrap",
        suite,
        &[
            w.user.as_bytes(),
            &w.generation.to_be_bytes(),
            &w.puk_fingerprint.0,
            w.target.as_bytes(),
            target_enc_fingerprint,
            w.approver_user.as_bytes(),
            w.approver_device.as_bytes(),
            &approver_key.to_bytes(),
        ],
    )
}

/// Wraps one PUK generation of `user` to `target`, signed by `approver` (a device of
/// `approver_user`'s). Returns the encoded wrap.
pub fn wrap_seed(
    puk: &PukSecret,
    approver_user: UserId,
    target: &DevicePublic,
    approver: &DeviceSecret,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, Error> {
    Ok(wire::encode(&build(
        puk,
        approver_user,
        target,
        approver,
        rng,
    )?))
}

fn build(
    puk: &PukSecret,
    approver_user: UserId,
    target: &DevicePublic,
    approver: &DeviceSecret,
    rng: &mut impl CryptoRng,
) -> Result<SeedWrap, Error> {
    let suite = puk.suite();
    if target.encryption_key.suite() != suite {
        return Err(Misuse::SuiteMismatch.into());
    }
    let mut w = SeedWrap {
        ciphertext: Bytes::default(),
        enc: Bytes::default(),
        generation: puk.generation(),
        puk_fingerprint: Fixed(puk.public().mail_key.fingerprint()),
        suite: suite.id(),
        target: target.id,
        user: puk.public().user,
        signature: Fixed([0; 64]),
        approver_device: approver.id(),
        approver_user,
        cosignature: None,
    };
    let ctx = context(
        suite,
        &w,
        &target.encryption_key.fingerprint(),
        &approver.public().verifying_key,
    );
    let sealed = wrap::seal(
        &LABELS,
        &target.encryption_key,
        &ctx,
        puk.seed().expose_secret(),
        approver,
        rng,
    )?;
    w.ciphertext = Bytes(sealed.ciphertext);
    w.enc = Bytes(sealed.enc);
    w.signature = Fixed(sealed.signature);
    Ok(w)
}

/// The batch form: every generation in `puks`, in order, for a newly approved device.
pub fn wrap_seeds(
    puks: &[PukSecret],
    approver_user: UserId,
    target: &DevicePublic,
    approver: &DeviceSecret,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, Error> {
    if puks.len() > MAX_SEED_WRAPS {
        return Err(Limit::WrapSize.into());
    }
    let wraps = puks
        .iter()
        .map(|p| build(p, approver_user, target, approver, rng))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(wire::encode(&wraps))
}

/// A recovery re-wrap (SPEC.md §8.4): wraps as `approver` (the member's escrow device) and
/// adds the co-signature of `cosigner` (an escrow administrator's device of `cosigner_user`).
pub fn wrap_seed_cosigned(
    puk: &PukSecret,
    approver_user: UserId,
    target: &DevicePublic,
    approver: &DeviceSecret,
    cosigner_user: UserId,
    cosigner: &DeviceSecret,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, Error> {
    let mut w = build(puk, approver_user, target, approver, rng)?;
    let suite = puk.suite();
    let ctx = context(
        suite,
        &w,
        &target.encryption_key.fingerprint(),
        &approver.public().verifying_key,
    );
    let signed = wrap::signed_bytes(COSIGNATURE_LABEL, &ctx, &w.enc.0, &w.ciphertext.0);
    w.cosignature = Some(Cosignature {
        device: cosigner.id(),
        user: cosigner_user,
        signature: Fixed(cosigner.sign(&signed)),
    });
    Ok(wire::encode(&w))
}

/// Opens a seed wrap addressed to `me` carrying a seed of `user` (SPEC.md §7.2 checks, in
/// order: parse and limits; suite; addressed to `me`; for `user`; approver vouched;
/// signature; HPKE open; the seed derives the named key; co-signature if present).
pub fn open_seed_wrap(
    bytes: &[u8],
    me: &DeviceSecret,
    user: &UserId,
    vouched: &[VouchedDevice],
) -> Result<UnwrappedSeed, Error> {
    let w: SeedWrap = wire::decode(bytes, MAX_SEED_WRAP_LEN, Limit::WrapSize)?;
    open_parsed(&w, me, user, vouched)
}

/// Opens every wrap of a batch; fails if any fails.
pub fn open_seed_wraps(
    bytes: &[u8],
    me: &DeviceSecret,
    user: &UserId,
    vouched: &[VouchedDevice],
) -> Result<Vec<UnwrappedSeed>, Error> {
    let wraps: Vec<SeedWrap> = wire::decode(bytes, MAX_SEED_WRAP_BATCH_LEN, Limit::WrapSize)?;
    if wraps.len() > MAX_SEED_WRAPS {
        return Err(Limit::WrapSize.into());
    }
    wraps
        .iter()
        .map(|w| open_parsed(w, me, user, vouched))
        .collect()
}

fn find<'v>(
    vouched: &'v [VouchedDevice],
    user: &UserId,
    device: &DeviceId,
) -> Result<&'v VouchedDevice, Error> {
    vouched
        .iter()
        .find(|v| v.user == *user && v.device == *device)
        .ok_or(AuthFailure::UnknownSigner.into())
}

fn open_parsed(
    w: &SeedWrap,
    me: &DeviceSecret,
    user: &UserId,
    vouched: &[VouchedDevice],
) -> Result<UnwrappedSeed, Error> {
    let suite = Suite::from_id(w.suite)?;
    if w.target != me.id() || w.user != *user {
        return Err(Error::NotARecipient);
    }
    if me.public().encryption_key.suite() != suite {
        return Err(Error::NotARecipient);
    }
    let approver = find(vouched, &w.approver_user, &w.approver_device)?;
    let ctx = context(
        suite,
        w,
        &me.public().encryption_key.fingerprint(),
        &approver.verifying_key,
    );
    let seed = wrap::open(
        &LABELS,
        me.kem_secret(),
        &ctx,
        &w.enc.0,
        &w.ciphertext.0,
        &w.signature.0,
        &approver.verifying_key,
    )?;
    let puk = PukSecret::derive(suite, w.user, w.generation, PukSeed::from_bytes(*seed))?;
    // Derived from the decrypted seed: compared in constant time.
    if !bool::from(
        puk.public()
            .mail_key
            .fingerprint()
            .ct_eq(&w.puk_fingerprint.0),
    ) {
        return Err(AuthFailure::Wrap.into());
    }
    let cosigner = match &w.cosignature {
        None => None,
        Some(cs) => {
            let v = find(vouched, &cs.user, &cs.device)?;
            let signed = wrap::signed_bytes(COSIGNATURE_LABEL, &ctx, &w.enc.0, &w.ciphertext.0);
            if !v.verifying_key.verify_strict(&signed, &cs.signature.0) {
                return Err(AuthFailure::Signature.into());
            }
            Some(v.clone())
        }
    };
    Ok(UnwrappedSeed {
        puk,
        approver: approver.clone(),
        cosigner,
    })
}

/// The result of a rotation: the new generation and one wrap per remaining active device.
pub struct Rotation {
    /// The new PUK generation.
    pub puk: PukSecret,
    /// `(device, encoded wrap)` for every active device, never a revoked one.
    pub wraps: Vec<(DeviceId, Vec<u8>)>,
}

/// Rotates `user`'s PUK (SPEC.md §7.3): a fresh seed at `current_generation + 1`, wrapped to
/// every device marked [`DeviceStatus::Active`] in `devices` and to no other, signed by
/// `approver` (which must itself be among the active devices). More than [`MAX_DEVICES`]
/// devices fail before any key is drawn.
pub fn rotate(
    suite: Suite,
    user: UserId,
    current_generation: u32,
    devices: &[(DevicePublic, DeviceStatus)],
    approver: &DeviceSecret,
    rng: &mut impl CryptoRng,
) -> Result<Rotation, Error> {
    if devices.len() > MAX_DEVICES {
        return Err(Limit::Devices.into());
    }
    let approver_active = devices.iter().any(|(d, s)| {
        d.id == approver.id() && *s == DeviceStatus::Active && d == approver.public()
    });
    if !approver_active {
        return Err(AuthFailure::UnknownSigner.into());
    }
    let next = current_generation.checked_add(1).ok_or(Limit::WrapSize)?;
    let puk = PukSecret::generate(suite, user, next, rng)?;
    let wraps = devices
        .iter()
        .filter(|(_, s)| *s == DeviceStatus::Active)
        .map(|(d, _)| wrap_seed(&puk, user, d, approver, rng).map(|w| (d.id, w)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rotation { puk, wraps })
}

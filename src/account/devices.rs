//! Per-user keys across devices: seed wraps, batches, rotation (SPEC.md §7.2, §7.3).
//!
//! Every check reads the user's verified chain (SPEC.md §12): a wrap opens only if its
//! approver is an active device of that chain whose role may hand out seeds, and only if the
//! seed derives the PUK record the chain has for that generation.
//!
//! ```
//! use mailseal::account::devices::{open_seed_wrap, wrap_seed};
//! use mailseal::identity::{self, ChainState};
//! use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
//! use mailseal::Suite;
//! # use rand_core::SeedableRng;
//! # let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
//! let suite = Suite::X25519;
//! let user = UserId::new([1; 16]);
//! let d1 = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
//! let d3 = DeviceSecret::generate(suite, DeviceId::new([3; 16]), &mut rng);
//! let puk = PukSecret::generate(suite, user, 1, &mut rng)?;
//! let chain = ChainState::verify(&[identity::root(suite, user, &d1, puk.public(), &["u@example.com"], 1)?])?;
//!
//! // D1 approves D3 in the chain, then wraps the seed to D3's encryption key and signs.
//! let mut draft = chain.propose_add_device(d1.id(), d3.public(), None, 2)?;
//! draft.sign(&d1)?;
//! draft.sign(&d3)?;
//! let chain = chain.extend(&[draft.finish()?])?;
//! let wrap = wrap_seed(&puk, user, d3.public(), &d1, &mut rng)?;
//! let unwrapped = open_seed_wrap(&wrap, &d3, &chain, None)?;
//! assert_eq!(unwrapped.puk.public(), puk.public());
//! # Ok::<(), mailseal::Error>(())
//! ```

use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::account::wrap::{self, WrapLabels};
use crate::error::{AuthFailure, ChainError, Error, Limit, Misuse};
use crate::identity::{ChainDevice, ChainState, DeviceRole};
use crate::keys::{DeviceId, DevicePublic, DeviceSecret, PukSecret, PukSeed, UserId};
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
    #[serde(rename = "cs", deserialize_with = "crate::wire::present")]
    pub cosignature: Option<Cosignature>,
}

/// A seed that opened, with who vouched for it.
pub struct UnwrappedSeed {
    /// The PUK generation, derived from the seed; its public record is the chain's.
    pub puk: PukSecret,
    /// The approving device, as the user's chain lists it.
    pub approver: ChainDevice,
    /// The escrow administrator's device that co-signed a recovery, as the administrators'
    /// chain lists it.
    pub cosigner: Option<ChainDevice>,
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

/// The batch form: every generation in `puks`, in order, for a newly approved device, so it
/// can read old mail too.
///
/// Memory: one wrap per generation (at most [`MAX_SEED_WRAPS`], [`MAX_SEED_WRAP_BATCH_LEN`]).
///
/// ```
/// use mailseal::account::devices::{open_seed_wraps, wrap_seeds};
/// use mailseal::identity::{self, ChainState};
/// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([12; 32]);
/// # let (suite, uma) = (mailseal::Suite::X25519, UserId::new([5; 16]));
/// # let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
/// # let tablet = DeviceSecret::generate(suite, DeviceId::new([2; 16]), &mut rng);
/// # let gen1 = PukSecret::generate(suite, uma, 1, &mut rng)?;
/// # let gen2 = PukSecret::generate(suite, uma, 2, &mut rng)?;
/// # let chain = ChainState::verify(&[identity::root(suite, uma, &laptop, gen1.public(), &["uma@example.com"], 1)?])?;
/// // The laptop approves a tablet, rotating to generation 2 in the same link...
/// let mut draft = chain.propose_add_device(laptop.id(), tablet.public(), Some(gen2.public()), 2)?;
/// draft.sign(&laptop)?;
/// draft.sign(&tablet)?;
/// let chain = chain.extend(&[draft.finish()?])?;
/// // ...and hands it both generations in one batch.
/// let batch = wrap_seeds([&gen1, &gen2], uma, tablet.public(), &laptop, &mut rng)?;
/// let opened = open_seed_wraps(&batch, &tablet, &chain, None)?;
/// assert_eq!(opened.iter().map(|s| s.puk.generation()).collect::<Vec<_>>(), [1, 2]);
/// # Ok::<(), mailseal::Error>(())
/// ```
pub fn wrap_seeds<'k>(
    puks: impl IntoIterator<Item = &'k PukSecret>,
    approver_user: UserId,
    target: &DevicePublic,
    approver: &DeviceSecret,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, Error> {
    // At most one past the limit is collected: the check comes before any wrap is built.
    let puks: Vec<&PukSecret> = puks.into_iter().take(MAX_SEED_WRAPS + 1).collect();
    if puks.len() > MAX_SEED_WRAPS {
        return Err(Limit::WrapSize.into());
    }
    let wraps = puks
        .into_iter()
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

/// Opens a seed wrap addressed to `me` carrying a seed of `chain`'s user (SPEC.md §7.2).
///
/// Checks, in order: parse and limits; suite; addressed to `me` and for this user; the
/// approver is a device of this user's chain not revoked before the link that introduced the
/// wrapped generation (it held that generation legitimately: a device revoked later may have
/// wrapped it before), ordinary or backup — or the escrow device with a co-signature by an
/// active ordinary device of the escrow administrators'
/// chain `ea_chain` (the group the chain's escrow enrollment names); signature; HPKE open; the
/// seed derives the PUK record the chain holds for that generation.
///
/// Memory: the wrap (at most [`MAX_SEED_WRAP_LEN`] bytes).
pub fn open_seed_wrap(
    bytes: &[u8],
    me: &DeviceSecret,
    chain: &ChainState,
    ea_chain: Option<&ChainState>,
) -> Result<UnwrappedSeed, Error> {
    let w: SeedWrap = wire::decode(bytes, MAX_SEED_WRAP_LEN, Limit::WrapSize)?;
    open_parsed(&w, me, chain, ea_chain)
}

/// Opens every wrap of a batch; fails if any fails.
///
/// Memory: the batch (at most [`MAX_SEED_WRAP_BATCH_LEN`] bytes) and the seeds.
pub fn open_seed_wraps(
    bytes: &[u8],
    me: &DeviceSecret,
    chain: &ChainState,
    ea_chain: Option<&ChainState>,
) -> Result<Vec<UnwrappedSeed>, Error> {
    let wraps: Vec<SeedWrap> = wire::decode(bytes, MAX_SEED_WRAP_BATCH_LEN, Limit::WrapSize)?;
    if wraps.len() > MAX_SEED_WRAPS {
        return Err(Limit::WrapSize.into());
    }
    wraps
        .iter()
        .map(|w| open_parsed(w, me, chain, ea_chain))
        .collect()
}

/// SPEC.md §7.2: the approver of a wrap of generation `g` is a device of the user's own
/// chain that was not revoked before `g` was introduced — it held `g` legitimately. (A device
/// revoked later may still have wrapped `g` before; the seed must derive the chain's record
/// for `g` anyway, so it can hand over nothing the chain does not name.) An escrow device
/// approves only with an administrator's co-signature, checked by the caller.
fn approver<'c>(w: &SeedWrap, chain: &'c ChainState) -> Result<&'c ChainDevice, Error> {
    if w.approver_user != chain.user() {
        return Err(AuthFailure::UnknownSigner.into());
    }
    let introduced = chain
        .generation_introduced(w.generation)
        .ok_or(AuthFailure::Wrap)?;
    chain
        .device(&w.approver_device)
        .filter(|d| d.revoked_at.is_none_or(|r| r > introduced))
        .ok_or(AuthFailure::UnknownSigner.into())
}

fn open_parsed(
    w: &SeedWrap,
    me: &DeviceSecret,
    chain: &ChainState,
    ea_chain: Option<&ChainState>,
) -> Result<UnwrappedSeed, Error> {
    let suite = Suite::from_id(w.suite)?;
    if w.target != me.id() || w.user != chain.user() {
        return Err(Error::NotARecipient);
    }
    if me.public().encryption_key.suite() != suite {
        return Err(Error::NotARecipient);
    }
    let approver = approver(w, chain)?;
    // The escrow device hands out seeds only in a recovery an administrator co-signs.
    let cosigner_chain = match (approver.role, &w.cosignature) {
        (DeviceRole::Escrow, Some(cs)) => {
            let terms = chain
                .escrow()
                .filter(|e| e.escrow_device == approver.public.id)
                .map(|e| &e.terms)
                .ok_or(ChainError::RoleMayNot {
                    seq: chain.tail().seq,
                })?;
            let ea = ea_chain
                .filter(|c| c.user() == terms.ea_group && c.user() == cs.user)
                .ok_or(AuthFailure::UnknownSigner)?;
            Some(ea)
        }
        (DeviceRole::Escrow, None) => {
            return Err(ChainError::RoleMayNot {
                seq: chain.tail().seq,
            }
            .into());
        }
        (_, Some(_)) => return Err(AuthFailure::UnknownSigner.into()),
        (_, None) => None,
    };
    let ctx = context(
        suite,
        w,
        &me.public().encryption_key.fingerprint(),
        &approver.public.verifying_key,
    );
    // §7.1: lengths before any signature, the co-signature's included (it signs `enc`).
    wrap::check_lengths(suite, &w.enc.0, &w.ciphertext.0)?;
    // The co-signature is checked before anything is decrypted.
    let cosigner = match (cosigner_chain, &w.cosignature) {
        (Some(ea), Some(cs)) => {
            let device = ea
                .device(&cs.device)
                .filter(|d| d.is_active() && d.role == DeviceRole::Ordinary)
                .ok_or(AuthFailure::UnknownSigner)?;
            let signed = wrap::signed_bytes(COSIGNATURE_LABEL, &ctx, &w.enc.0, &w.ciphertext.0);
            if !device
                .public
                .verifying_key
                .verify_strict(&signed, &cs.signature.0)
            {
                return Err(AuthFailure::Signature.into());
            }
            Some(device.clone())
        }
        _ => None,
    };
    let seed = wrap::open(
        &LABELS,
        me.kem_secret(),
        &ctx,
        &w.enc.0,
        &w.ciphertext.0,
        &w.signature.0,
        &approver.public.verifying_key,
    )?;
    let puk = PukSecret::derive(suite, w.user, w.generation, PukSeed::from_bytes(*seed))?;
    // The seed must derive the chain's record for this generation, not merely the
    // fingerprint the wire names. Derived from the decrypted seed: constant time.
    let on_record = chain.puk(w.generation).is_some_and(|p| {
        bool::from(
            p.mail_key
                .fingerprint()
                .ct_eq(&puk.public().mail_key.fingerprint()),
        )
    });
    if !on_record
        || !bool::from(
            puk.public()
                .mail_key
                .fingerprint()
                .ct_eq(&w.puk_fingerprint.0),
        )
    {
        return Err(AuthFailure::Wrap.into());
    }
    Ok(UnwrappedSeed {
        puk,
        approver: approver.clone(),
        cosigner,
    })
}

/// The result of a rotation: the new generation, the chain link that records it, and one
/// wrap per device that stays active.
pub struct Rotation {
    /// The new PUK generation.
    pub puk: PukSecret,
    /// The signed link to append to the chain (rotate, revoke or disable escrow).
    pub link: Vec<u8>,
    /// `(device, encoded wrap)` for every device active after the link, never a revoked one.
    pub wraps: Vec<(DeviceId, Vec<u8>)>,
}

/// Why the PUK rotates, which decides the link (SPEC.md §7.3, §12.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RotationCause {
    /// A rotation on its own (for example after the server revoked a device).
    Scheduled,
    /// Revoking this device.
    Revoke(DeviceId),
    /// Turning escrow off: the escrow device is revoked.
    DisableEscrow,
}

/// Rotates the chain's user's PUK (SPEC.md §7.3): a fresh seed at the next generation, the
/// link that records it (signed by `approver`, an active ordinary device of the chain), and a
/// seed wrap to every device active after that link — the escrow device included while
/// escrow stays on — and to no other. More than [`MAX_DEVICES`] devices fail before any key is
/// drawn. The link is checked against the chain before anything is returned.
///
/// Memory: one wrap per active device (about 1.3 KiB each in the X-Wing suite).
///
/// ```
/// use mailseal::account::devices::{open_seed_wrap, rotate, RotationCause};
/// use mailseal::identity::{self, ChainState};
/// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
/// # use rand_core::SeedableRng;
/// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
/// # let (suite, uma) = (mailseal::Suite::X25519, UserId::new([5; 16]));
/// # let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
/// # let phone = DeviceSecret::generate(suite, DeviceId::new([2; 16]), &mut rng);
/// # let stolen = DeviceSecret::generate(suite, DeviceId::new([3; 16]), &mut rng);
/// # let gen1 = PukSecret::generate(suite, uma, 1, &mut rng)?;
/// # let mut chain = ChainState::verify(&[identity::root(suite, uma, &laptop, gen1.public(), &["uma@example.com"], 1)?])?;
/// # for d in [&phone, &stolen] {
/// #     let mut draft = chain.propose_add_device(laptop.id(), d.public(), None, 2)?;
/// #     draft.sign(&laptop)?;
/// #     draft.sign(d)?;
/// #     chain = chain.extend(&[draft.finish()?])?;
/// # }
/// // Uma's laptop revokes a stolen tablet: one link revokes it and records generation 2.
/// let rotation = rotate(&chain, &laptop, RotationCause::Revoke(stolen.id()), 3, &mut rng)?;
/// let chain = chain.extend(&[&rotation.link])?;
/// assert_eq!(chain.current_puk().generation, 2);
/// // Every device still active gets a wrap; the tablet gets none.
/// assert!(rotation.wraps.iter().all(|(d, _)| *d != stolen.id()));
/// let (_, to_phone) = rotation.wraps.iter().find(|(d, _)| *d == phone.id()).unwrap();
/// let opened = open_seed_wrap(to_phone, &phone, &chain, None)?;
/// assert_eq!(opened.puk.public(), chain.current_puk());
/// # Ok::<(), mailseal::Error>(())
/// ```
pub fn rotate(
    chain: &ChainState,
    approver: &DeviceSecret,
    cause: RotationCause,
    time: u64,
    rng: &mut impl CryptoRng,
) -> Result<Rotation, Error> {
    if chain.devices().len() > MAX_DEVICES {
        return Err(Limit::Devices.into());
    }
    let approver_ok = chain.device(&approver.id()).is_some_and(|d| {
        d.is_active() && d.role == DeviceRole::Ordinary && d.public == *approver.public()
    });
    if !approver_ok {
        return Err(AuthFailure::UnknownSigner.into());
    }
    let user = chain.user();
    let next = chain
        .current_puk()
        .generation
        .checked_add(1)
        .ok_or(Limit::WrapSize)?;
    let puk = PukSecret::generate(chain.suite(), user, next, rng)?;
    let mut draft = match cause {
        RotationCause::Scheduled => chain.propose_rotation(approver.id(), puk.public(), time)?,
        RotationCause::Revoke(device) => {
            chain.propose_revoke(approver.id(), device, puk.public(), time)?
        }
        RotationCause::DisableEscrow => {
            chain.propose_disable_escrow(approver.id(), puk.public(), time)?
        }
    };
    draft.sign(approver)?;
    let link = draft.finish()?;
    let after = chain.extend(&[&link])?;
    let wraps = after
        .devices()
        .iter()
        .filter(|d| d.is_active())
        .map(|d| wrap_seed(&puk, user, &d.public, approver, rng).map(|w| (d.public.id, w)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Rotation { puk, link, wraps })
}

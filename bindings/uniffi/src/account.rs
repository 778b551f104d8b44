//! What a user's devices do with their keys (SPEC.md §7–9): seed wraps and rotation,
//! recovery codes, escrow, the user's own data.

use std::sync::{Arc, Mutex};

use mailseal::account::backup::{self, RecoveryCode as LibCode};
use mailseal::account::devices::{
    self, RotationCause, UnwrappedSeed as LibUnwrapped, open_seed_wrap, open_seed_wraps, wrap_seed,
    wrap_seed_cosigned,
};
use mailseal::account::escrow;
use mailseal::account::userdata::{self, UserDataBinding};
use mailseal::identity::{self, RecoveryCosigner};
use mailseal::keys::{PukSecret, UserId};
use mailseal_bindings_shared::account::EscrowSetting;
use zeroize::Zeroize;

use crate::bytes::Bytes;
use crate::chain::{Chain, ChainDevice, EscrowTermsFields, LinkDraft, chain_device, terms_fields};
use crate::convert::{self, Suite, lock};
use crate::error::{Result, invalid};
use crate::keys::{Device, Puk, device_public, puk_public};

/// The PUK generations of one user that a device holds (current and older ones).
#[derive(Default, uniffi::Object)]
pub struct Keyring {
    puks: Mutex<Vec<Arc<PukSecret>>>,
}

impl Keyring {
    pub(crate) fn keys(&self) -> Vec<Arc<PukSecret>> {
        lock(&self.puks).clone()
    }
}

#[uniffi::export]
impl Keyring {
    /// An empty keyring.
    #[uniffi::constructor]
    pub fn new() -> Arc<Keyring> {
        Arc::new(Keyring::default())
    }

    /// Adds a key (the keyring shares it with the `Puk` object).
    pub fn add(&self, puk: &Puk) {
        lock(&self.puks).push(puk.inner.clone());
    }

    /// The generations held, in the order added.
    pub fn generations(&self) -> Vec<u32> {
        lock(&self.puks).iter().map(|p| p.generation()).collect()
    }
}

/// An opened seed wrap: the key, and who vouched for it.
#[derive(uniffi::Record)]
pub struct UnwrappedSeed {
    /// The per-user key it carried.
    pub puk: Arc<Puk>,
    /// The device that signed the wrap, as the chain lists it.
    pub approver: ChainDevice,
    /// The escrow administrator's device that co-signed it (recovery through escrow).
    pub cosigner: Option<ChainDevice>,
}

fn unwrapped(u: LibUnwrapped) -> UnwrappedSeed {
    UnwrappedSeed {
        approver: chain_device(&u.approver),
        cosigner: u.cosigner.as_ref().map(chain_device),
        puk: Puk::wrap(u.puk),
    }
}

/// Wraps `puk`'s seed to the device with public record `target`, signed by `approver` (a
/// device of the same user, which holds the key): what a new device receives (SPEC.md §7.2).
#[uniffi::export]
pub fn wrap_seed_to(puk: &Puk, target: Bytes, approver: &Device) -> Result<Bytes> {
    Ok(wrap_seed(
        &puk.inner,
        puk.inner.public().user,
        &device_public(&target)?,
        &approver.inner,
        &mut convert::rng()?,
    )?
    .into())
}

/// Wraps every generation in `keyring` to `target`, as one batch.
#[uniffi::export]
pub fn wrap_seeds(keyring: &Keyring, target: Bytes, approver: &Device) -> Result<Bytes> {
    let puks = keyring.keys();
    let user = puks
        .first()
        .map(|p| p.public().user)
        .ok_or_else(|| invalid("the keyring is empty"))?;
    Ok(devices::wrap_seeds(
        puks.iter().map(|p| &**p),
        user,
        &device_public(&target)?,
        &approver.inner,
        &mut convert::rng()?,
    )?
    .into())
}

/// A recovery wrap through escrow (SPEC.md §8.4): `approver` is the user's escrow device,
/// co-signed by `cosigner`, a device of the escrow administrators' group `cosigner_group`.
#[uniffi::export]
pub fn wrap_seed_cosigned_to(
    puk: &Puk,
    target: Bytes,
    approver: &Device,
    cosigner_group: &str,
    cosigner: &Device,
) -> Result<Bytes> {
    Ok(wrap_seed_cosigned(
        &puk.inner,
        puk.inner.public().user,
        &device_public(&target)?,
        &approver.inner,
        convert::user_id(cosigner_group)?,
        &cosigner.inner,
        &mut convert::rng()?,
    )?
    .into())
}

/// Opens a seed wrap on device `me`, checked against the user's verified chain (SPEC.md
/// §7.2).
#[uniffi::export]
pub fn open_seed_wrap_on(wrap: Bytes, me: &Device, chain: &Chain) -> Result<UnwrappedSeed> {
    Ok(unwrapped(open_seed_wrap(
        &wrap,
        &me.inner,
        &chain.inner,
        None,
    )?))
}

/// Opens a recovery wrap co-signed by an escrow administrator (SPEC.md §8.4), checked against
/// the user's chain and the administrators' chain `ea_chain`.
#[uniffi::export]
pub fn open_recovery_wrap(
    wrap: Bytes,
    me: &Device,
    chain: &Chain,
    ea_chain: &Chain,
) -> Result<UnwrappedSeed> {
    Ok(unwrapped(open_seed_wrap(
        &wrap,
        &me.inner,
        &chain.inner,
        Some(&ea_chain.inner),
    )?))
}

/// Opens a batch of seed wraps.
#[uniffi::export]
pub fn open_seed_wraps_on(batch: Bytes, me: &Device, chain: &Chain) -> Result<Vec<UnwrappedSeed>> {
    let seeds = open_seed_wraps(&batch, &me.inner, &chain.inner, None)?;
    Ok(seeds.into_iter().map(unwrapped).collect())
}

/// A seed wrap for one device.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceWrap {
    /// The device id.
    pub device: String,
    /// The wrap to deliver to it.
    pub wrap: Bytes,
}

/// A rotated PUK: the new key, the link to append, a seed wrap for every device active after
/// it.
#[derive(uniffi::Record)]
pub struct Rotation {
    /// The new key.
    pub puk: Arc<Puk>,
    /// The link to append to the chain.
    pub link: Bytes,
    /// A wrap of the new seed for each active device.
    pub wraps: Vec<DeviceWrap>,
}

fn rotation(chain: &Chain, approver: &Device, cause: RotationCause, time: u64) -> Result<Rotation> {
    let r = devices::rotate(
        &chain.inner,
        &approver.inner,
        cause,
        time,
        &mut convert::rng()?,
    )?;
    Ok(Rotation {
        link: r.link.clone().into(),
        wraps: r
            .wraps
            .iter()
            .map(|(device, wrap)| DeviceWrap {
                device: device.to_string(),
                wrap: wrap.clone().into(),
            })
            .collect(),
        puk: Puk::wrap(r.puk),
    })
}

/// Rotates the user's PUK (SPEC.md §7.3).
#[uniffi::export]
pub fn rotate(chain: &Chain, approver: &Device, time: u64) -> Result<Rotation> {
    rotation(chain, approver, RotationCause::Scheduled, time)
}

/// Revokes `device` and rotates the PUK in the same link.
#[uniffi::export]
pub fn rotate_revoking(
    chain: &Chain,
    approver: &Device,
    device: &str,
    time: u64,
) -> Result<Rotation> {
    let device = convert::device_id(device)?;
    rotation(chain, approver, RotationCause::Revoke(device), time)
}

/// Turns escrow off: revokes the escrow device and rotates the PUK in the same link.
#[uniffi::export]
pub fn rotate_disabling_escrow(chain: &Chain, approver: &Device, time: u64) -> Result<Rotation> {
    rotation(chain, approver, RotationCause::DisableEscrow, time)
}

/// A recovery code (SPEC.md §7.4): 128 random bits a person writes down, standing for a
/// backup device. Wiped when released.
#[derive(uniffi::Object)]
pub struct RecoveryCode {
    inner: LibCode,
}

#[uniffi::export]
impl RecoveryCode {
    /// A fresh code.
    #[uniffi::constructor]
    pub fn generate() -> Result<Arc<RecoveryCode>> {
        Ok(Arc::new(RecoveryCode {
            inner: LibCode::generate(&mut convert::rng()?),
        }))
    }

    /// A typed code (case, spaces and dashes ignored; `O`, `I`, `L` read as `0`, `1`, `1`).
    /// The binding's copy of the text is wiped.
    #[uniffi::constructor]
    pub fn parse(mut text: String) -> Result<Arc<RecoveryCode>> {
        let code = LibCode::parse(&text);
        text.zeroize();
        Ok(Arc::new(RecoveryCode { inner: code? }))
    }

    /// The code as shown: seven dash-separated groups of four.
    pub fn expose_text(&self) -> String {
        self.inner.expose_text().to_string()
    }

    /// The backup device this code stands for, under device id `id`.
    pub fn backup_device(&self, suite: Suite, id: &str) -> Result<Arc<Device>> {
        Ok(Device::wrap(backup::backup_device(
            suite.lib()?,
            &self.inner,
            convert::device_id(id)?,
        )))
    }
}

fn binding<'a>(
    data_type: &'a str,
    message_id: Option<&'a str>,
    version: Option<u64>,
) -> UserDataBinding<'a> {
    UserDataBinding {
        data_type,
        message_id,
        version,
    }
}

/// Seals the user's own data (labels, folders, drafts, SPEC.md §9) under `puk`'s symmetric
/// key, bound to its type, the message it is about and a version. The binding's copy of the
/// plaintext is wiped.
#[uniffi::export]
pub fn seal_user_data(
    puk: &Puk,
    data_type: &str,
    message_id: Option<String>,
    version: Option<u64>,
    mut plaintext: Bytes,
) -> Result<Bytes> {
    let b = binding(data_type, message_id.as_deref(), version);
    let result = convert::rng().and_then(|mut rng| {
        Ok(userdata::seal_user_data(&puk.inner, &b, &plaintext, &mut rng)?.into())
    });
    plaintext.zeroize();
    result
}

/// Opens a user-data blob of `user` with the keys of `keyring`, expecting this type and
/// message; `min_version` refuses older versions (a replay).
#[uniffi::export]
pub fn open_user_data(
    blob: Bytes,
    user: &str,
    keyring: &Keyring,
    data_type: &str,
    message_id: Option<String>,
    min_version: Option<u64>,
) -> Result<Bytes> {
    let b = binding(data_type, message_id.as_deref(), None);
    let user: UserId = convert::user_id(user)?;
    Ok(userdata::open_user_data(
        &blob,
        &user,
        keyring.keys().iter().map(|p| &**p),
        &b,
        min_version,
    )?
    .into())
}

/// An account's escrow setting for one member (SPEC.md §8.1): the account, its domain
/// (escrow needs a custom domain), the member and the escrow administrators' group key.
#[derive(uniffi::Object)]
pub struct EscrowContext {
    inner: EscrowSetting,
}

#[uniffi::export]
impl EscrowContext {
    /// `account`: 32 hex digits; `custom`: whether `domain` is the account's own domain;
    /// `ea_chain`: the administrators' verified chain, whose current PUK escrow wraps go to.
    #[uniffi::constructor]
    pub fn new(
        account: &str,
        domain: String,
        custom: bool,
        member: &str,
        member_address: String,
        ea_chain: &Chain,
    ) -> Result<Arc<EscrowContext>> {
        let ea_chain = (*ea_chain.inner).clone();
        Ok(Arc::new(EscrowContext {
            inner: EscrowSetting::new(account, domain, custom, member, member_address, ea_chain)?,
        }))
    }

    /// The terms of the member's escrow-device link (SPEC.md §12.3), co-signed by the
    /// administrator's device with record `ea_device`, against the administrators' chain.
    pub fn enrollment_terms(&self, ea_device: Bytes) -> Result<Arc<EscrowTerms>> {
        let terms = self.inner.enrollment_terms(&ea_device)?;
        Ok(Arc::new(EscrowTerms { inner: terms }))
    }

    /// Wraps the escrow device's seed to the administrators' key, signed by the member's
    /// device `signer` (SPEC.md §8.2).
    pub fn wrap_escrow_device(&self, escrow_device: &Device, signer: &Device) -> Result<Bytes> {
        let mut rng = convert::rng()?;
        Ok(self
            .inner
            .wrap_escrow_device(&escrow_device.inner, &signer.inner, &mut rng)?
            .into())
    }
}

/// The escrow terms an escrow-device link records; pass them to
/// `Chain.propose_escrow_device`.
#[derive(uniffi::Object)]
pub struct EscrowTerms {
    pub(crate) inner: identity::EscrowTerms,
}

#[uniffi::export]
impl EscrowTerms {
    /// What the link will record.
    pub fn fields(&self) -> EscrowTermsFields {
        terms_fields(&self.inner)
    }
}

/// Opens an escrow wrap with the administrators' keys, against the member's verified chain:
/// the member's escrow device (SPEC.md §8.4).
#[uniffi::export]
pub fn open_escrow_wrap(
    wrap: Bytes,
    keyring: &Keyring,
    member_chain: &Chain,
) -> Result<Arc<Device>> {
    let device = escrow::open_escrow_wrap(
        &wrap,
        keyring.keys().iter().map(|p| &**p),
        &member_chain.inner,
    )?;
    Ok(Device::wrap(device))
}

/// Drafts the recovery link (SPEC.md §8.4): the escrow device `recoverer` adds the device
/// with record `device` and a new PUK, co-signed by an administrator's device of `ea_chain`.
#[uniffi::export]
pub fn propose_recovery(
    chain: &Chain,
    recoverer: &str,
    device: Bytes,
    cosigner: &Device,
    ea_chain: &Chain,
    new_puk: Bytes,
    time: u64,
) -> Result<Arc<LinkDraft>> {
    let cosigner = RecoveryCosigner {
        device: cosigner.inner.id(),
        key: cosigner.inner.public().verifying_key,
        ea_chain: ea_chain.inner.tail(),
    };
    LinkDraft::new(chain.inner.propose_recovery(
        convert::device_id(recoverer)?,
        &device_public(&device)?,
        Some(cosigner),
        &puk_public(&new_puk)?,
        time,
    ))
}

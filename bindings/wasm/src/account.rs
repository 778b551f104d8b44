//! What a user's devices do with their keys (SPEC.md §7–9): seed wraps and rotation,
//! recovery codes, escrow, the user's own data.

use std::rc::Rc;

use js_sys::Uint8Array;
use mailseal::account::backup::{self, RecoveryCode as LibCode};
use mailseal::account::devices::{
    self, RotationCause, UnwrappedSeed, open_seed_wrap, open_seed_wraps, wrap_seed,
    wrap_seed_cosigned,
};
use mailseal::account::escrow;
use mailseal::account::userdata::{self, UserDataBinding};
use mailseal::identity::{self, RecoveryCosigner};
use mailseal::keys::{PukSecret, UserId};
use mailseal_bindings_shared::account::EscrowSetting;
use wasm_bindgen::prelude::*;
use zeroize::Zeroize;

use crate::chain::{Chain, LinkDraft, vouched_device};
use crate::convert::{self, Obj, array, opt, secret_out};
use crate::error::{JsResult, OrThrow, invalid};
use crate::keys::{Device, Puk, device_public, puk_public};

/// The PUK generations of one user that a device holds (current and older ones).
#[wasm_bindgen]
#[derive(Default)]
pub struct Keyring {
    puks: Vec<Rc<PukSecret>>,
}

impl Keyring {
    pub(crate) fn keys(&self) -> Vec<Rc<PukSecret>> {
        self.puks.clone()
    }
}

#[wasm_bindgen]
impl Keyring {
    /// An empty keyring.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Keyring {
        Keyring::default()
    }

    /// Adds a key (the keyring shares it; `free()` on either handle keeps the other valid).
    pub fn add(&mut self, puk: &Puk) {
        self.puks.push(puk.inner.clone());
    }

    /// The generations held, in the order added.
    #[wasm_bindgen(getter)]
    pub fn generations(&self) -> Vec<u32> {
        self.puks.iter().map(|p| p.generation()).collect()
    }
}

/// `{puk, approver, cosigner}` of an opened seed wrap.
fn unwrapped_object(u: UnwrappedSeed) -> JsValue {
    let approver = vouched_device(&u.approver);
    let cosigner = opt(u.cosigner.as_ref().map(vouched_device));
    Obj::new()
        .set("puk", Puk::wrap(u.puk))
        .set("approver", approver)
        .set("cosigner", cosigner)
        .done()
}

/// Wraps `puk`'s seed to the device with public record `target`, signed by `approver` (a
/// device of the same user, which holds the key): what a new device receives (SPEC.md §7.2).
#[wasm_bindgen(js_name = wrapSeed)]
pub fn wrap_seed_to(puk: &Puk, target: &[u8], approver: &Device) -> JsResult<Vec<u8>> {
    wrap_seed(
        &puk.inner,
        puk.inner.public().user,
        &device_public(target)?,
        &approver.inner,
        &mut convert::rng()?,
    )
    .or_throw()
}

/// Wraps every generation in `keyring` to `target`, as one batch.
#[wasm_bindgen(js_name = wrapSeeds)]
pub fn wrap_seeds(keyring: &Keyring, target: &[u8], approver: &Device) -> JsResult<Vec<u8>> {
    let puks = keyring.keys();
    let user = puks
        .first()
        .map(|p| p.public().user)
        .ok_or_else(|| invalid("the keyring is empty"))?;
    devices::wrap_seeds(
        puks.iter().map(|p| &**p),
        user,
        &device_public(target)?,
        &approver.inner,
        &mut convert::rng()?,
    )
    .or_throw()
}

/// A recovery wrap through escrow (SPEC.md §8.4): `approver` is the user's escrow device,
/// co-signed by `cosigner`, a device of the escrow administrators' group `cosignerGroup`.
#[wasm_bindgen(js_name = wrapSeedCosigned)]
pub fn wrap_seed_cosigned_to(
    puk: &Puk,
    target: &[u8],
    approver: &Device,
    cosigner_group: &str,
    cosigner: &Device,
) -> JsResult<Vec<u8>> {
    wrap_seed_cosigned(
        &puk.inner,
        puk.inner.public().user,
        &device_public(target)?,
        &approver.inner,
        convert::user_id(cosigner_group)?,
        &cosigner.inner,
        &mut convert::rng()?,
    )
    .or_throw()
}

/// Opens a seed wrap on device `me`, checked against the user's verified chain:
/// `{puk, approver, cosigner}` (SPEC.md §7.2).
#[wasm_bindgen(js_name = openSeedWrap, unchecked_return_type = "UnwrappedSeed")]
pub fn open_seed_wrap_on(wrap: &[u8], me: &Device, chain: &Chain) -> JsResult<JsValue> {
    let u = open_seed_wrap(wrap, &me.inner, &chain.inner, None).or_throw()?;
    Ok(unwrapped_object(u))
}

/// Opens a recovery wrap co-signed by an escrow administrator (SPEC.md §8.4), checked against
/// the user's chain and the administrators' chain `eaChain`.
#[wasm_bindgen(js_name = openRecoveryWrap, unchecked_return_type = "UnwrappedSeed")]
pub fn open_recovery_wrap(
    wrap: &[u8],
    me: &Device,
    chain: &Chain,
    ea_chain: &Chain,
) -> JsResult<JsValue> {
    let u = open_seed_wrap(wrap, &me.inner, &chain.inner, Some(&ea_chain.inner)).or_throw()?;
    Ok(unwrapped_object(u))
}

/// Opens a batch of seed wraps: `[{puk, approver, cosigner}]`.
#[wasm_bindgen(js_name = openSeedWraps, unchecked_return_type = "UnwrappedSeed[]")]
pub fn open_seed_wraps_on(batch: &[u8], me: &Device, chain: &Chain) -> JsResult<JsValue> {
    let seeds = open_seed_wraps(batch, &me.inner, &chain.inner, None).or_throw()?;
    Ok(array(seeds.into_iter().map(unwrapped_object)))
}

fn rotation(
    chain: &Chain,
    approver: &Device,
    cause: RotationCause,
    time: f64,
) -> JsResult<JsValue> {
    let r = devices::rotate(
        &chain.inner,
        &approver.inner,
        cause,
        convert::int(time, "time")?,
        &mut convert::rng()?,
    )
    .or_throw()?;
    let wraps = array(r.wraps.iter().map(|(device, wrap)| {
        Obj::new()
            .set("device", device.to_string())
            .set("wrap", convert::bytes(wrap))
            .done()
    }));
    Ok(Obj::new()
        .set("link", convert::bytes(&r.link))
        .set("wraps", wraps)
        .set("puk", Puk::wrap(r.puk))
        .done())
}

/// Rotates the user's PUK (SPEC.md §7.3): `{puk, link, wraps: [{device, wrap}]}`: the new
/// key, the link to append, a seed wrap for every device active after it.
#[wasm_bindgen(unchecked_return_type = "Rotation")]
pub fn rotate(chain: &Chain, approver: &Device, time: f64) -> JsResult<JsValue> {
    rotation(chain, approver, RotationCause::Scheduled, time)
}

/// Revokes `device` and rotates the PUK in the same link.
#[wasm_bindgen(js_name = rotateRevoking, unchecked_return_type = "Rotation")]
pub fn rotate_revoking(
    chain: &Chain,
    approver: &Device,
    device: &str,
    time: f64,
) -> JsResult<JsValue> {
    let device = convert::device_id(device)?;
    rotation(chain, approver, RotationCause::Revoke(device), time)
}

/// Turns escrow off: revokes the escrow device and rotates the PUK in the same link.
#[wasm_bindgen(js_name = rotateDisablingEscrow, unchecked_return_type = "Rotation")]
pub fn rotate_disabling_escrow(chain: &Chain, approver: &Device, time: f64) -> JsResult<JsValue> {
    rotation(chain, approver, RotationCause::DisableEscrow, time)
}

/// A recovery code (SPEC.md §7.4): 128 random bits a person writes down, standing for a
/// backup device. Secret: `free()` wipes it.
#[wasm_bindgen]
pub struct RecoveryCode {
    inner: LibCode,
}

#[wasm_bindgen]
impl RecoveryCode {
    /// A fresh code.
    pub fn generate() -> JsResult<RecoveryCode> {
        Ok(RecoveryCode {
            inner: LibCode::generate(&mut convert::rng()?),
        })
    }

    /// A typed code (case, spaces and dashes ignored; `O`, `I`, `L` read as `0`, `1`, `1`).
    /// The text is taken and wiped.
    pub fn parse(mut text: String) -> JsResult<RecoveryCode> {
        let code = LibCode::parse(&text);
        text.zeroize();
        Ok(RecoveryCode {
            inner: code.or_throw()?,
        })
    }

    /// The code as shown: seven dash-separated groups of four. (Made into a JavaScript string
    /// straight from the code's own memory: no copy is left behind in wasm memory.)
    #[wasm_bindgen(js_name = exposeText, unchecked_return_type = "string")]
    pub fn expose_text(&self) -> JsValue {
        JsValue::from_str(self.inner.expose_text())
    }

    /// The backup device this code stands for, under device id `id`.
    #[wasm_bindgen(js_name = backupDevice)]
    pub fn backup_device(&self, suite: &str, id: &str) -> JsResult<Device> {
        Ok(Device::wrap(backup::backup_device(
            convert::suite(suite)?,
            &self.inner,
            convert::device_id(id)?,
        )))
    }
}

fn binding<'a>(
    data_type: &'a str,
    message_id: Option<&'a str>,
    version: Option<f64>,
) -> JsResult<UserDataBinding<'a>> {
    Ok(UserDataBinding {
        data_type,
        message_id,
        version: version.map(|v| convert::int(v, "version")).transpose()?,
    })
}

/// Seals the user's own data (labels, folders, drafts, SPEC.md §9) under `puk`'s symmetric
/// key, bound to its type, the message it is about and a version. The plaintext is wiped.
#[wasm_bindgen(js_name = sealUserData)]
pub fn seal_user_data(
    puk: &Puk,
    data_type: &str,
    message_id: Option<String>,
    version: Option<f64>,
    mut plaintext: Vec<u8>,
) -> JsResult<Vec<u8>> {
    let b = binding(data_type, message_id.as_deref(), version)?;
    let result = userdata::seal_user_data(&puk.inner, &b, &plaintext, &mut convert::rng()?);
    plaintext.zeroize();
    result.or_throw()
}

/// Opens a user-data blob of `user` with the keys of `keyring`, expecting this type and
/// message; `minVersion` refuses older versions (a replay).
#[wasm_bindgen(js_name = openUserData)]
pub fn open_user_data(
    blob: &[u8],
    user: &str,
    keyring: &Keyring,
    data_type: &str,
    message_id: Option<String>,
    min_version: Option<f64>,
) -> JsResult<Uint8Array> {
    let b = binding(data_type, message_id.as_deref(), None)?;
    let min = min_version
        .map(|v| convert::int(v, "minVersion"))
        .transpose()?;
    let user: UserId = convert::user_id(user)?;
    let plaintext =
        userdata::open_user_data(blob, &user, keyring.keys().iter().map(|p| &**p), &b, min)
            .or_throw()?;
    Ok(secret_out(plaintext))
}

/// An account's escrow setting for one member (SPEC.md §8.1): the account, its domain
/// (escrow needs a custom domain), the member and the escrow administrators' group key.
#[wasm_bindgen]
pub struct EscrowContext {
    inner: EscrowSetting,
}

#[wasm_bindgen]
impl EscrowContext {
    /// `account`: 32 hex digits; `custom`: whether `domain` is the account's own domain;
    /// `eaChain`: the administrators' verified chain, whose current PUK escrow wraps go to.
    #[wasm_bindgen(constructor)]
    pub fn new(
        account: &str,
        domain: String,
        custom: bool,
        member: &str,
        member_address: String,
        ea_chain: &Chain,
    ) -> JsResult<EscrowContext> {
        let ea_chain = (*ea_chain.inner).clone();
        Ok(EscrowContext {
            inner: EscrowSetting::new(account, domain, custom, member, member_address, ea_chain)
                .or_throw()?,
        })
    }

    /// The terms of the member's escrow-device link (SPEC.md §12.3), co-signed by the
    /// administrator's device with record `eaDevice`, against the administrators' chain.
    #[wasm_bindgen(js_name = enrollmentTerms)]
    pub fn enrollment_terms(&self, ea_device: &[u8]) -> JsResult<EscrowTerms> {
        let terms = self.inner.enrollment_terms(ea_device).or_throw()?;
        Ok(EscrowTerms { inner: terms })
    }

    /// Wraps the escrow device's seed to the administrators' key, signed by the member's
    /// device `signer` (SPEC.md §8.2).
    #[wasm_bindgen(js_name = wrapEscrowDevice)]
    pub fn wrap_escrow_device(&self, escrow_device: &Device, signer: &Device) -> JsResult<Vec<u8>> {
        let mut rng = convert::rng()?;
        self.inner
            .wrap_escrow_device(&escrow_device.inner, &signer.inner, &mut rng)
            .or_throw()
    }
}

/// The escrow terms an escrow-device link records; pass them to `Chain.proposeEscrowDevice`.
#[wasm_bindgen]
pub struct EscrowTerms {
    pub(crate) inner: identity::EscrowTerms,
}

#[wasm_bindgen]
impl EscrowTerms {
    /// What the link will record: `{account, domain, eaGroup, eaGeneration, eaKeyFingerprint,
    /// eaChain, eaDevice, eaDeviceKey}`.
    #[wasm_bindgen(getter, unchecked_return_type = "EscrowTermsFields")]
    pub fn fields(&self) -> JsValue {
        let t = &self.inner;
        Obj::new()
            .set("account", convert::hex(&t.account))
            .set("domain", t.domain.as_str())
            .set("eaGroup", t.ea_group.to_string())
            .set("eaGeneration", t.ea_generation)
            .set("eaKeyFingerprint", convert::hex(&t.ea_key_fingerprint))
            .set("eaChain", crate::chain::tail_object(&t.ea_chain))
            .set("eaDevice", t.ea_device.to_string())
            .set("eaDeviceKey", convert::bytes(&t.ea_device_key.to_bytes()))
            .done()
    }
}

/// Opens an escrow wrap with the administrators' keys, against the member's verified chain:
/// the member's escrow device (SPEC.md §8.4).
#[wasm_bindgen(js_name = openEscrowWrap)]
pub fn open_escrow_wrap(wrap: &[u8], keyring: &Keyring, member_chain: &Chain) -> JsResult<Device> {
    let device = escrow::open_escrow_wrap(
        wrap,
        keyring.keys().iter().map(|p| &**p),
        &member_chain.inner,
    )
    .or_throw()?;
    Ok(Device::wrap(device))
}

/// Drafts the recovery link (SPEC.md §8.4): the escrow device `recoverer` adds the device with
/// record `device` and a new PUK, co-signed by an administrator's device of `eaChain`.
#[wasm_bindgen(js_name = proposeRecovery)]
pub fn propose_recovery(
    chain: &Chain,
    recoverer: &str,
    device: &[u8],
    cosigner: &Device,
    ea_chain: &Chain,
    new_puk: &[u8],
    time: f64,
) -> JsResult<LinkDraft> {
    let cosigner = RecoveryCosigner {
        device: cosigner.inner.id(),
        key: cosigner.inner.public().verifying_key,
        ea_chain: ea_chain.inner.tail(),
    };
    LinkDraft::from_result(chain.inner.propose_recovery(
        convert::device_id(recoverer)?,
        &device_public(device)?,
        Some(cosigner),
        &puk_public(new_puk)?,
        convert::int(time, "time")?,
    ))
}

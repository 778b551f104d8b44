//! Device keys and per-user keys (SPEC.md §5) as opaque handles, and their public records.

use std::rc::Rc;

use js_sys::Uint8Array;
use mailseal::keys::{DevicePublic, DeviceSecret, PukPublic, PukSecret, PukSeed};
use wasm_bindgen::prelude::*;

use crate::convert::{self, Obj, hex, secret_out, secret32, suite_short_name};
use crate::error::{JsResult, OrThrow};

/// A device's secret keys (signing and encryption), derived from one 32-byte seed.
///
/// `free()` drops this handle; the seed is wiped once nothing else (a sealer, a mailbox)
/// still holds the device.
#[wasm_bindgen]
pub struct Device {
    pub(crate) inner: Rc<DeviceSecret>,
}

impl Device {
    pub(crate) fn wrap(device: DeviceSecret) -> Device {
        Device {
            inner: Rc::new(device),
        }
    }
}

#[wasm_bindgen]
impl Device {
    /// A new device with a fresh seed. `id`: the device id the service assigned (32 hex digits).
    pub fn generate(suite: &str, id: &str) -> JsResult<Device> {
        let suite = convert::suite(suite)?;
        let id = convert::device_id(id)?;
        Ok(Device::wrap(DeviceSecret::generate(
            suite,
            id,
            &mut convert::rng()?,
        )))
    }

    /// The device from its stored 32-byte seed (taken and wiped).
    #[wasm_bindgen(js_name = fromSeed)]
    pub fn from_seed(suite: &str, id: &str, seed: Vec<u8>) -> JsResult<Device> {
        let mut seed = secret32(seed, "a device seed")?;
        let device =
            DeviceSecret::from_seed(convert::suite(suite)?, convert::device_id(id)?, &seed);
        zeroize::Zeroize::zeroize(&mut seed);
        Ok(Device::wrap(device))
    }

    /// The device id (32 hex digits).
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    /// `xwing` or `x25519`.
    #[wasm_bindgen(getter)]
    pub fn suite(&self) -> String {
        suite_short_name(self.inner.public().encryption_key.suite()).into()
    }

    /// The public record (SPEC.md §5.4) other devices and chains name it by.
    #[wasm_bindgen(js_name = publicRecord)]
    pub fn public_record(&self) -> Vec<u8> {
        self.inner.public().to_cbor()
    }

    /// The public record's text form (SPEC.md §5.6): `mailseal:device:` and base64url.
    #[wasm_bindgen(getter, js_name = publicText)]
    pub fn public_text(&self) -> String {
        self.inner.public().to_string()
    }

    /// The 32-byte seed: the one secret a device stores. Handle the copy with care.
    #[wasm_bindgen(js_name = exposeSeed)]
    pub fn expose_seed(&self) -> Uint8Array {
        secret_out(self.inner.expose_seed().to_vec())
    }
}

/// One generation of a user's per-user key (PUK): what mail to the user is sealed to.
///
/// `free()` drops this handle; the key is wiped once nothing else holds it.
#[wasm_bindgen]
pub struct Puk {
    pub(crate) inner: Rc<PukSecret>,
}

impl Puk {
    pub(crate) fn wrap(puk: PukSecret) -> Puk {
        Puk {
            inner: Rc::new(puk),
        }
    }
}

#[wasm_bindgen]
impl Puk {
    /// A fresh PUK for `user` (32 hex digits) at `generation` (from 1).
    pub fn generate(suite: &str, user: &str, generation: f64) -> JsResult<Puk> {
        let puk = PukSecret::generate(
            convert::suite(suite)?,
            convert::user_id(user)?,
            convert::int32(generation, "generation")?,
            &mut convert::rng()?,
        )
        .or_throw()?;
        Ok(Puk::wrap(puk))
    }

    /// Derives generation `generation` of `user`'s PUK from its 32-byte seed (taken and wiped).
    pub fn derive(suite: &str, user: &str, generation: f64, seed: Vec<u8>) -> JsResult<Puk> {
        let seed = PukSeed::from_bytes(secret32(seed, "a PUK seed")?);
        let puk = PukSecret::derive(
            convert::suite(suite)?,
            convert::user_id(user)?,
            convert::int32(generation, "generation")?,
            seed,
        )
        .or_throw()?;
        Ok(Puk::wrap(puk))
    }

    /// The user id (32 hex digits).
    #[wasm_bindgen(getter)]
    pub fn user(&self) -> String {
        self.inner.public().user.to_string()
    }

    /// The generation.
    #[wasm_bindgen(getter)]
    pub fn generation(&self) -> u32 {
        self.inner.generation()
    }

    /// `xwing` or `x25519`.
    #[wasm_bindgen(getter)]
    pub fn suite(&self) -> String {
        suite_short_name(self.inner.suite()).into()
    }

    /// The public record (SPEC.md §5.4) senders seal to.
    #[wasm_bindgen(js_name = publicRecord)]
    pub fn public_record(&self) -> Vec<u8> {
        self.inner.public().to_cbor()
    }

    /// The public record's text form (SPEC.md §5.6): `mailseal:puk:` and base64url.
    #[wasm_bindgen(getter, js_name = publicText)]
    pub fn public_text(&self) -> String {
        self.inner.public().to_string()
    }

    /// The 32-byte seed (to back it up or hand it to another device through a seed wrap).
    #[wasm_bindgen(js_name = exposeSeed)]
    pub fn expose_seed(&self) -> Uint8Array {
        secret_out(self.inner.seed().expose_secret().to_vec())
    }
}

/// Parses and validates a device's public record (SPEC.md §5.4).
pub(crate) fn device_public(record: &[u8]) -> JsResult<DevicePublic> {
    DevicePublic::from_cbor(record).or_throw()
}

/// Parses and validates a PUK's public record (SPEC.md §5.4).
pub(crate) fn puk_public(record: &[u8]) -> JsResult<PukPublic> {
    PukPublic::from_cbor(record).or_throw()
}

/// `{id, suite, verifyingKey, encryptionKey}` of a device record.
pub(crate) fn device_object(d: &DevicePublic) -> JsValue {
    Obj::new()
        .set("id", d.id.to_string())
        .set("suite", suite_short_name(d.encryption_key.suite()))
        .set("verifyingKey", convert::bytes(&d.verifying_key.to_bytes()))
        .set("encryptionKey", convert::bytes(d.encryption_key.as_bytes()))
        .set("record", convert::bytes(&d.to_cbor()))
        .set("text", d.to_string())
        .done()
}

/// `{user, generation, suite, mailKey, fingerprint}` of a PUK record.
pub(crate) fn puk_object(p: &PukPublic) -> JsValue {
    Obj::new()
        .set("user", p.user.to_string())
        .set("generation", p.generation)
        .set("suite", suite_short_name(p.mail_key.suite()))
        .set("mailKey", convert::bytes(p.mail_key.as_bytes()))
        .set("fingerprint", hex(&p.mail_key.fingerprint()))
        .set("record", convert::bytes(&p.to_cbor()))
        .set("text", p.to_string())
        .done()
}

/// Parses and validates a device's public record: `{id, suite, verifyingKey, encryptionKey,
/// record}`.
#[wasm_bindgen(js_name = parseDeviceRecord, unchecked_return_type = "DeviceRecord")]
pub fn parse_device_record(record: &[u8]) -> JsResult<JsValue> {
    Ok(device_object(&device_public(record)?))
}

/// Parses and validates a PUK's public record: `{user, generation, suite, mailKey,
/// fingerprint, record}`.
#[wasm_bindgen(js_name = parsePukRecord, unchecked_return_type = "PukRecord")]
pub fn parse_puk_record(record: &[u8]) -> JsResult<JsValue> {
    Ok(puk_object(&puk_public(record)?))
}

/// Parses a device record's text form (SPEC.md §5.6), with every check of the binary record.
#[wasm_bindgen(js_name = parseDeviceText, unchecked_return_type = "DeviceRecord")]
pub fn parse_device_text(text: &str) -> JsResult<JsValue> {
    Ok(device_object(&text.parse::<DevicePublic>().or_throw()?))
}

/// Parses a PUK record's text form (SPEC.md §5.6), with every check of the binary record.
#[wasm_bindgen(js_name = parsePukText, unchecked_return_type = "PukRecord")]
pub fn parse_puk_text(text: &str) -> JsResult<JsValue> {
    Ok(puk_object(&text.parse::<PukPublic>().or_throw()?))
}

/// A user or device id read strictly (32 hexadecimal digits), in its canonical lower case.
#[wasm_bindgen(js_name = parseId)]
pub fn parse_id(text: &str) -> JsResult<String> {
    Ok(convert::user_id(text)?.to_string())
}

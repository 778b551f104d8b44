//! Device keys and per-user keys (SPEC.md §5), their public records and text forms.

use std::sync::Arc;

use mailseal::keys::{DevicePublic, DeviceSecret, PukPublic, PukSecret, PukSeed};

use crate::bytes::Bytes;
use crate::convert::{self, Suite, hex, secret32};
use crate::error::Result;

/// A device's secret keys (signing and encryption), derived from one 32-byte seed.
///
/// The seed is wiped from memory when the last holder (this object, a sealer, a mailbox)
/// releases it: in Kotlin `close()` or `use { }`, in Swift when the last reference goes, in
/// Python when the object is collected (or at once with `del` on the last reference).
#[derive(uniffi::Object)]
pub struct Device {
    pub(crate) inner: Arc<DeviceSecret>,
}

impl Device {
    pub(crate) fn wrap(device: DeviceSecret) -> Arc<Device> {
        Arc::new(Device {
            inner: Arc::new(device),
        })
    }
}

#[uniffi::export]
impl Device {
    /// A new device with a fresh seed from the operating system. `id`: the device id the
    /// service assigned (32 hex digits).
    #[uniffi::constructor]
    pub fn generate(suite: Suite, id: &str) -> Result<Arc<Device>> {
        let suite = suite.lib()?;
        let id = convert::device_id(id)?;
        Ok(Device::wrap(DeviceSecret::generate(
            suite,
            id,
            &mut convert::rng()?,
        )))
    }

    /// The device from its stored 32-byte seed (the binding's copy is wiped).
    #[uniffi::constructor]
    pub fn from_seed(suite: Suite, id: &str, seed: Bytes) -> Result<Arc<Device>> {
        let mut seed = secret32(seed.0, "a device seed")?;
        let device = suite
            .lib()
            .and_then(|s| Ok(DeviceSecret::from_seed(s, convert::device_id(id)?, &seed)));
        zeroize::Zeroize::zeroize(&mut seed);
        Ok(Device::wrap(device?))
    }

    /// The device id (32 hex digits).
    pub fn id(&self) -> String {
        self.inner.id().to_string()
    }

    /// The suite its encryption key is for.
    pub fn suite(&self) -> Suite {
        Suite::of(self.inner.public().encryption_key.suite())
    }

    /// The public record (SPEC.md §5.4) other devices and chains name it by.
    pub fn public_record(&self) -> Bytes {
        self.inner.public().to_cbor().into()
    }

    /// The public record's text form (SPEC.md §5.6): `mailseal:device:` and base64url.
    pub fn public_text(&self) -> String {
        self.inner.public().to_string()
    }

    /// The public record, parsed.
    pub fn public_fields(&self) -> DeviceRecord {
        device_record(self.inner.public())
    }

    /// The 32-byte seed: the one secret a device stores. Handle the copy with care.
    pub fn expose_seed(&self) -> Bytes {
        self.inner.expose_seed().to_vec().into()
    }
}

/// One generation of a user's per-user key (PUK): what mail to the user is sealed to.
/// Wiped when the last holder releases it, like [`Device`].
#[derive(uniffi::Object)]
pub struct Puk {
    pub(crate) inner: Arc<PukSecret>,
}

impl Puk {
    pub(crate) fn wrap(puk: PukSecret) -> Arc<Puk> {
        Arc::new(Puk {
            inner: Arc::new(puk),
        })
    }
}

#[uniffi::export]
impl Puk {
    /// A fresh PUK for `user` (32 hex digits) at `generation` (from 1).
    #[uniffi::constructor]
    pub fn generate(suite: Suite, user: &str, generation: u32) -> Result<Arc<Puk>> {
        let puk = PukSecret::generate(
            suite.lib()?,
            convert::user_id(user)?,
            generation,
            &mut convert::rng()?,
        )?;
        Ok(Puk::wrap(puk))
    }

    /// Generation `generation` of `user`'s PUK from its 32-byte seed (the binding's copy is
    /// wiped).
    #[uniffi::constructor]
    pub fn derive(suite: Suite, user: &str, generation: u32, seed: Bytes) -> Result<Arc<Puk>> {
        let seed = PukSeed::from_bytes(secret32(seed.0, "a PUK seed")?);
        let puk = PukSecret::derive(suite.lib()?, convert::user_id(user)?, generation, seed)?;
        Ok(Puk::wrap(puk))
    }

    /// The user id (32 hex digits).
    pub fn user(&self) -> String {
        self.inner.public().user.to_string()
    }

    /// The generation.
    pub fn generation(&self) -> u32 {
        self.inner.generation()
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        Suite::of(self.inner.suite())
    }

    /// The public record (SPEC.md §5.4) senders seal to.
    pub fn public_record(&self) -> Bytes {
        self.inner.public().to_cbor().into()
    }

    /// The public record's text form (SPEC.md §5.6): `mailseal:puk:` and base64url.
    pub fn public_text(&self) -> String {
        self.inner.public().to_string()
    }

    /// The public record, parsed.
    pub fn public_fields(&self) -> PukRecord {
        puk_record(self.inner.public())
    }

    /// The 32-byte seed (to back it up or hand it to another device through a seed wrap).
    pub fn expose_seed(&self) -> Bytes {
        self.inner.seed().expose_secret().to_vec().into()
    }
}

/// A device's public record, parsed (SPEC.md §5.4).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct DeviceRecord {
    /// The device id (32 hex digits).
    pub id: String,
    /// The suite of its encryption key.
    pub suite: Suite,
    /// The Ed25519 verifying key (32 bytes).
    pub verifying_key: Bytes,
    /// The HPKE encryption key.
    pub encryption_key: Bytes,
    /// The record's canonical bytes.
    pub record: Bytes,
    /// The record's text form (SPEC.md §5.6).
    pub text: String,
}

/// A PUK's public record, parsed (SPEC.md §5.4).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PukRecord {
    /// The user id (32 hex digits).
    pub user: String,
    /// The generation.
    pub generation: u32,
    /// The suite.
    pub suite: Suite,
    /// The HPKE public key mail to the user is sealed to.
    pub mail_key: Bytes,
    /// The mail key's fingerprint (hex).
    pub fingerprint: String,
    /// The record's canonical bytes.
    pub record: Bytes,
    /// The record's text form (SPEC.md §5.6).
    pub text: String,
}

pub(crate) fn device_record(d: &DevicePublic) -> DeviceRecord {
    DeviceRecord {
        id: d.id.to_string(),
        suite: Suite::of(d.encryption_key.suite()),
        verifying_key: d.verifying_key.to_bytes().to_vec().into(),
        encryption_key: d.encryption_key.as_bytes().into(),
        record: d.to_cbor().into(),
        text: d.to_string(),
    }
}

pub(crate) fn puk_record(p: &PukPublic) -> PukRecord {
    PukRecord {
        user: p.user.to_string(),
        generation: p.generation,
        suite: Suite::of(p.mail_key.suite()),
        mail_key: p.mail_key.as_bytes().into(),
        fingerprint: hex(&p.mail_key.fingerprint()),
        record: p.to_cbor().into(),
        text: p.to_string(),
    }
}

/// Parses and validates a device's public record (SPEC.md §5.4).
pub(crate) fn device_public(record: &[u8]) -> Result<DevicePublic> {
    Ok(DevicePublic::from_cbor(record)?)
}

/// Parses and validates a PUK's public record (SPEC.md §5.4).
pub(crate) fn puk_public(record: &[u8]) -> Result<PukPublic> {
    Ok(PukPublic::from_cbor(record)?)
}

/// Parses and validates a device's public record (SPEC.md §5.4).
#[uniffi::export]
pub fn parse_device_record(record: Bytes) -> Result<DeviceRecord> {
    Ok(device_record(&device_public(&record)?))
}

/// Parses and validates a PUK's public record (SPEC.md §5.4).
#[uniffi::export]
pub fn parse_puk_record(record: Bytes) -> Result<PukRecord> {
    Ok(puk_record(&puk_public(&record)?))
}

/// Parses a device record's text form (SPEC.md §5.6), with every check of the binary record.
#[uniffi::export]
pub fn parse_device_text(text: &str) -> Result<DeviceRecord> {
    Ok(device_record(&text.parse::<DevicePublic>()?))
}

/// Parses a PUK record's text form (SPEC.md §5.6), with every check of the binary record.
#[uniffi::export]
pub fn parse_puk_text(text: &str) -> Result<PukRecord> {
    Ok(puk_record(&text.parse::<PukPublic>()?))
}

/// A user or device id read strictly (32 hexadecimal digits), in its canonical lower case.
#[uniffi::export]
pub fn parse_id(text: &str) -> Result<String> {
    Ok(convert::user_id(text)?.to_string())
}

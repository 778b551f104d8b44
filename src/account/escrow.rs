//! Escrow: a member's virtual escrow device wrapped to the account's escrow administrators
//! (EAs), its public enrollment record, recovery and discovery (SPEC.md §8).
//!
//! The EA group is a user of its own with a PUK whose seeds reach EA devices through ordinary
//! seed wraps. When escrow is on, a member creates an **escrow device**, wraps its seed to the
//! EA group's current mail key ([`wrap_escrow_device`]), publishes a signed
//! [enrollment record](enrollment_record) so clients can disclose it, and seed-wraps its PUK
//! generations to the escrow device like to any device. EAs can then:
//! - **recover** the member onto a new device: [`open_escrow_wrap`], then
//!   [`crate::account::devices::open_seed_wraps`] as the escrow device, then
//!   [`crate::account::devices::wrap_seed_cosigned`] to the new device;
//! - **read mail for discovery**: the same unwrapping, then [`crate::mail::open::open_copy`].
//!
//! Disabling escrow publishes a record with `enabled = false`, marks the escrow device revoked
//! and rotates the member's PUK ([`crate::account::devices::rotate`]), so later mail is out of reach.

use alloc::string::String;
use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::account::wrap::{self, WrapLabels};
use crate::error::{AuthFailure, Error, Field, Limit, Malformed, Misuse};
use crate::keys::{DevicePublic, DeviceSecret, PukPublic, PukSecret, UserId, VerifyingKey};
use crate::mail::open::VouchedDevice;
use crate::suite::Suite;
use crate::wire::{self, Bytes, Fixed};

/// Largest encoded escrow wrap or enrollment record.
pub const MAX_ESCROW_RECORD_LEN: usize = 8192;
/// Longest domain name (RFC 1035).
pub const MAX_DOMAIN_LEN: usize = 253;

const LABELS: WrapLabels = WrapLabels {
    info: b"mailseal v1 escrow wrap",
    signature: b"mailseal v1 escrow wrap signature",
};
const ENROLLMENT_LABEL: &[u8] = b"mailseal v1 escrow enrollment";

/// An account (organisation) id, 16 bytes assigned by the service.
pub type AccountId = Fixed<16>;

/// The account's mail domain as the caller knows it. Escrow requires a custom domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountDomain<'a> {
    /// The account's own domain, for example `example.com`.
    Custom(&'a str),
    /// The service's shared domain (for example `zmail.com`): escrow is refused.
    Shared(&'a str),
}

/// Everything an escrow wrap and an enrollment record name.
#[derive(Clone, Debug)]
pub struct EscrowContext<'a> {
    /// The account.
    pub account: AccountId,
    /// The account's domain (must be custom).
    pub domain: AccountDomain<'a>,
    /// The member user.
    pub member: UserId,
    /// The member's address, which must be on the account's domain.
    pub member_address: &'a str,
    /// The EA group's current PUK (its user id is the EA group id).
    pub ea_group: &'a PukPublic,
}

impl EscrowContext<'_> {
    /// SPEC.md §8.1: only custom domains; the member's address on that domain.
    fn custom_domain(&self) -> Result<&str, Error> {
        let AccountDomain::Custom(domain) = self.domain else {
            return Err(Misuse::EscrowNeedsCustomDomain.into());
        };
        check_domain(domain)?;
        if !on_domain(self.member_address, domain) {
            return Err(Misuse::EscrowNeedsCustomDomain.into());
        }
        Ok(domain)
    }
}

/// Whether `address`'s domain part is `domain` (ASCII case-insensitive).
fn on_domain(address: &str, domain: &str) -> bool {
    address
        .rsplit_once('@')
        .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain))
}

pub(crate) fn check_domain(d: &str) -> Result<(), Error> {
    let ok = !d.is_empty()
        && d.len() <= MAX_DOMAIN_LEN
        && d.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    if ok {
        Ok(())
    } else {
        Err(Malformed::Field(Field::Domain).into())
    }
}

/// The escrow device's seed wrapped to the EA group's mail key (SPEC.md §8.2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscrowWrap {
    /// Account id.
    #[serde(rename = "a")]
    pub account: AccountId,
    /// HPKE ciphertext of the escrow device seed.
    #[serde(rename = "c")]
    pub ciphertext: Bytes,
    /// Escrow device id.
    #[serde(rename = "d")]
    pub escrow_device: crate::keys::DeviceId,
    /// HPKE encapsulated key.
    #[serde(rename = "e")]
    pub enc: Bytes,
    /// Fingerprint of the escrow device's encryption key.
    #[serde(rename = "f")]
    pub escrow_encryption_fingerprint: Fixed<32>,
    /// EA group PUK generation.
    #[serde(rename = "g")]
    pub ea_generation: u32,
    /// Member user id.
    #[serde(rename = "m")]
    pub member: UserId,
    /// Suite.
    #[serde(rename = "s")]
    pub suite: u16,
    /// Escrow device verifying key.
    #[serde(rename = "v")]
    pub escrow_verifying_key: VerifyingKey,
    /// Signature by the member's device.
    #[serde(rename = "x")]
    pub signature: Fixed<64>,
    /// EA group id.
    #[serde(rename = "ea")]
    pub ea_group: UserId,
    /// Signing member device.
    #[serde(rename = "sd")]
    pub signer_device: crate::keys::DeviceId,
}

/// SPEC.md §8.2:
/// ```text
/// ctx = BLAKE3-derive_key("mailseal v1 escrow wrap", suite_id || account || ea_group || u32be(ea_generation)
///         || ea_key_fingerprint || member || escrow_device || escrow_verifying_key
///         || escrow_encryption_fingerprint || signer_device || signer_verifying_key)
/// ```
fn wrap_context(
    suite: Suite,
    w: &EscrowWrap,
    ea_key_fingerprint: &[u8; 32],
    signer: &VerifyingKey,
) -> [u8; 32] {
    wrap::context_digest(
        "mailseal v1 escrow wrap",
        suite,
        &[
            &w.account.0,
            w.ea_group.as_bytes(),
            &w.ea_generation.to_be_bytes(),
            ea_key_fingerprint,
            w.member.as_bytes(),
            w.escrow_device.as_bytes(),
            &w.escrow_verifying_key.to_bytes(),
            &w.escrow_encryption_fingerprint.0,
            w.signer_device.as_bytes(),
            &signer.to_bytes(),
        ],
    )
}

/// Wraps `escrow_device`'s seed to the EA group's current mail key, signed by the member's
/// device `signer`. Used when escrow is enabled and again whenever the EA PUK rotates.
pub fn wrap_escrow_device(
    ctx: &EscrowContext<'_>,
    escrow_device: &DeviceSecret,
    signer: &DeviceSecret,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, Error> {
    ctx.custom_domain()?;
    let suite = ctx.ea_group.mail_key.suite();
    if escrow_device.public().encryption_key.suite() != suite {
        return Err(Misuse::SuiteMismatch.into());
    }
    let mut w = EscrowWrap {
        account: ctx.account,
        ciphertext: Bytes::default(),
        escrow_device: escrow_device.id(),
        enc: Bytes::default(),
        escrow_encryption_fingerprint: Fixed(escrow_device.public().encryption_key.fingerprint()),
        ea_generation: ctx.ea_group.generation,
        member: ctx.member,
        suite: suite.id(),
        escrow_verifying_key: escrow_device.public().verifying_key,
        signature: Fixed([0; 64]),
        ea_group: ctx.ea_group.user,
        signer_device: signer.id(),
    };
    let c = wrap_context(
        suite,
        &w,
        &ctx.ea_group.mail_key.fingerprint(),
        &signer.public().verifying_key,
    );
    let sealed = wrap::seal(
        &LABELS,
        &ctx.ea_group.mail_key,
        &c,
        escrow_device.expose_seed(),
        signer,
        rng,
    )?;
    w.ciphertext = Bytes(sealed.ciphertext);
    w.enc = Bytes(sealed.enc);
    w.signature = Fixed(sealed.signature);
    Ok(wire::encode(&w))
}

/// An EA device opens an escrow wrap with the EA group's PUK generations it holds
/// (SPEC.md §8.2 checks, in order: parse and limits; suite; EA group and generation held;
/// signer vouched as a device of the member; signature; HPKE open; the seed derives the
/// named escrow device keys).
pub fn open_escrow_wrap(
    bytes: &[u8],
    ea_puks: &[PukSecret],
    member_devices: &[VouchedDevice],
) -> Result<DeviceSecret, Error> {
    let w: EscrowWrap = wire::decode(bytes, MAX_ESCROW_RECORD_LEN, Limit::WrapSize)?;
    let suite = Suite::from_id(w.suite)?;
    let ea = ea_puks
        .iter()
        .find(|p| {
            p.public().user == w.ea_group && p.generation() == w.ea_generation && p.suite() == suite
        })
        .ok_or(Error::NotARecipient)?;
    let signer = member_devices
        .iter()
        .find(|v| v.user == w.member && v.device == w.signer_device)
        .ok_or(AuthFailure::UnknownSigner)?;
    let c = wrap_context(
        suite,
        &w,
        &ea.public().mail_key.fingerprint(),
        &signer.verifying_key,
    );
    let seed = wrap::open(
        &LABELS,
        ea.mail_secret(),
        &c,
        &w.enc.0,
        &w.ciphertext.0,
        &w.signature.0,
        &signer.verifying_key,
    )?;
    let device = DeviceSecret::from_seed(suite, w.escrow_device, &seed);
    let public = device.public();
    // Derived from the decrypted seed: compared in constant time.
    let same_signing = public
        .verifying_key
        .to_bytes()
        .ct_eq(&w.escrow_verifying_key.to_bytes());
    let same_encryption = public
        .encryption_key
        .fingerprint()
        .ct_eq(&w.escrow_encryption_fingerprint.0);
    if !bool::from(same_signing & same_encryption) {
        return Err(AuthFailure::Wrap.into());
    }
    Ok(device)
}

/// The signed, public record that says a mailbox is escrowed, and to whom (SPEC.md §8.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnrollmentWire {
    #[serde(rename = "a")]
    account: AccountId,
    #[serde(rename = "d")]
    escrow_device: crate::keys::DeviceId,
    #[serde(rename = "g")]
    ea_generation: u32,
    #[serde(rename = "k")]
    ea_key_fingerprint: Fixed<32>,
    #[serde(rename = "m")]
    member: UserId,
    #[serde(rename = "n")]
    domain: String,
    #[serde(rename = "o")]
    enabled: bool,
    #[serde(rename = "s")]
    suite: u16,
    #[serde(rename = "t")]
    timestamp: u64,
    #[serde(rename = "v")]
    escrow_verifying_key: VerifyingKey,
    #[serde(rename = "x")]
    signature: Fixed<64>,
    #[serde(rename = "ea")]
    ea_group: UserId,
    #[serde(rename = "sd")]
    signer_device: crate::keys::DeviceId,
}

impl EnrollmentWire {
    /// SPEC.md §8.3: the signature covers `"mailseal v1 escrow enrollment"` followed by the
    /// record's canonical encoding with `x` set to 64 zero bytes.
    fn signed_bytes(&self) -> Vec<u8> {
        let mut unsigned = self.clone();
        unsigned.signature = Fixed([0; 64]);
        let mut m = ENROLLMENT_LABEL.to_vec();
        m.extend_from_slice(&wire::encode(&unsigned));
        m
    }
}

/// What a verified enrollment record discloses: show it to the member and to anyone who
/// reads the member's mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscrowDisclosure {
    /// The account.
    pub account: AccountId,
    /// The account's custom domain.
    pub domain: String,
    /// The member whose mailbox is escrowed.
    pub member: UserId,
    /// The EA group that can read it.
    pub ea_group: UserId,
    /// The EA group PUK generation the escrow device is wrapped to.
    pub ea_generation: u32,
    /// Fingerprint of that EA mail key.
    pub ea_key_fingerprint: [u8; 32],
    /// The escrow device.
    pub escrow_device: crate::keys::DeviceId,
    /// `true` while escrow is on; a record with `false` announces it was turned off.
    pub enabled: bool,
    /// When the member's device signed the record (the caller's clock).
    pub timestamp: u64,
}

/// Signs an enrollment record (escrow turned on, or off with `enabled = false`).
pub fn enrollment_record(
    ctx: &EscrowContext<'_>,
    escrow_device: &DevicePublic,
    enabled: bool,
    timestamp: u64,
    signer: &DeviceSecret,
) -> Result<Vec<u8>, Error> {
    let domain = ctx.custom_domain()?;
    let mut w = EnrollmentWire {
        account: ctx.account,
        escrow_device: escrow_device.id,
        ea_generation: ctx.ea_group.generation,
        ea_key_fingerprint: Fixed(ctx.ea_group.mail_key.fingerprint()),
        member: ctx.member,
        domain: domain.into(),
        enabled,
        suite: ctx.ea_group.mail_key.suite().id(),
        timestamp,
        escrow_verifying_key: escrow_device.verifying_key,
        signature: Fixed([0; 64]),
        ea_group: ctx.ea_group.user,
        signer_device: signer.id(),
    };
    w.signature = Fixed(signer.sign(&w.signed_bytes()));
    Ok(wire::encode(&w))
}

/// Verifies an enrollment record against the member's vouched devices and returns what to
/// disclose. `member_address` is the member's address as the caller knows it; the custom-domain
/// rule (SPEC.md §8.1) holds on verification too: it must be on the record's domain. Checks:
/// parse and limits; suite; domain syntax; the member's address on the domain; signer vouched
/// for the member; `verify_strict`.
pub fn verify_enrollment(
    bytes: &[u8],
    member_address: &str,
    member_devices: &[VouchedDevice],
) -> Result<EscrowDisclosure, Error> {
    let w: EnrollmentWire = wire::decode(bytes, MAX_ESCROW_RECORD_LEN, Limit::WrapSize)?;
    Suite::from_id(w.suite)?;
    check_domain(&w.domain)?;
    if !on_domain(member_address, &w.domain) {
        return Err(Misuse::EscrowNeedsCustomDomain.into());
    }
    let signer = member_devices
        .iter()
        .find(|v| v.user == w.member && v.device == w.signer_device)
        .ok_or(AuthFailure::UnknownSigner)?;
    if !signer
        .verifying_key
        .verify_strict(&w.signed_bytes(), &w.signature.0)
    {
        return Err(AuthFailure::Signature.into());
    }
    Ok(EscrowDisclosure {
        account: w.account,
        domain: w.domain,
        member: w.member,
        ea_group: w.ea_group,
        ea_generation: w.ea_generation,
        ea_key_fingerprint: w.ea_key_fingerprint.0,
        escrow_device: w.escrow_device,
        enabled: w.enabled,
        timestamp: w.timestamp,
    })
}

//! Escrow: a member's virtual escrow device wrapped to the account's escrow administrators
//! (EAs), recovery and discovery (SPEC.md §8).
//!
//! The EA group is a user of its own, with a chain and a PUK whose seeds reach EA devices
//! through ordinary seed wraps. When escrow is on, a member creates an **escrow device**,
//! adds it to its chain in a link an administrator's device co-signs
//! ([`crate::identity::ChainState::propose_escrow_device`], with the terms of
//! [`enrollment_terms`]), wraps the device's seed to the EA group's current mail key
//! ([`wrap_escrow_device`]), and seed-wraps its PUK generations to the escrow device like to
//! any device. The chain is the disclosure: every client reading the member's chain sees that
//! escrow is on and to whom, and a server cannot withhold it. EAs can then:
//! - **recover** the member onto a new device: [`open_escrow_wrap`], then
//!   [`crate::account::devices::open_seed_wraps`] as the escrow device, then a recovery link
//!   and [`crate::account::devices::wrap_seed_cosigned`] to the new device;
//! - **read mail for discovery**: the same unwrapping, then [`crate::mail::open::open_copy`].
//!
//! Disabling escrow is a chain link by one of the member's ordinary devices that revokes the
//! escrow device and rotates the PUK ([`crate::account::devices::rotate`] with
//! [`crate::account::devices::RotationCause::DisableEscrow`]), so later mail is out of reach.

use alloc::vec::Vec;

use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::account::wrap::{self, WrapLabels};
use crate::error::{AuthFailure, Error, Field, Limit, Malformed, Misuse};
use crate::identity::{ChainState, DeviceRole, EscrowTerms};
use crate::keys::{DevicePublic, DeviceSecret, PukPublic, PukSecret, UserId, VerifyingKey};
use crate::suite::Suite;
use crate::wire::{self, Bytes, Fixed};

/// Largest encoded escrow wrap.
pub const MAX_ESCROW_RECORD_LEN: usize = 8192;
/// Longest domain name (RFC 1035).
pub const MAX_DOMAIN_LEN: usize = 253;

const LABELS: WrapLabels = WrapLabels {
    info: b"mailseal v1 escrow wrap",
    signature: b"mailseal v1 escrow wrap signature",
};

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
    /// The escrow administrators' group, as its verified chain gives it: its user is the EA
    /// group and its current PUK the key wraps are sealed to. (A key taken from anywhere
    /// else, a record the service serves for instance, could be the service's own.)
    pub ea_chain: &'a ChainState,
}

impl EscrowContext<'_> {
    /// The EA group's current PUK, the target of escrow wraps (SPEC.md §8.1).
    fn ea_group(&self) -> &PukPublic {
        self.ea_chain.current_puk()
    }

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
pub(crate) fn on_domain(address: &str, domain: &str) -> bool {
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
    pub escrow_verifying_key: Fixed<32>,
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
            &w.escrow_verifying_key.0,
            &w.escrow_encryption_fingerprint.0,
            w.signer_device.as_bytes(),
            &signer.to_bytes(),
        ],
    )
}

/// Wraps `escrow_device`'s seed to the EA group's current mail key (the current PUK of
/// `ctx.ea_chain`), signed by the member's device `signer`. Used when escrow is enabled and
/// again whenever the EA PUK rotates.
pub fn wrap_escrow_device(
    ctx: &EscrowContext<'_>,
    escrow_device: &DeviceSecret,
    signer: &DeviceSecret,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, Error> {
    ctx.custom_domain()?;
    let ea_group = ctx.ea_group();
    let suite = ea_group.mail_key.suite();
    if escrow_device.public().encryption_key.suite() != suite {
        return Err(Misuse::SuiteMismatch.into());
    }
    let mut w = EscrowWrap {
        account: ctx.account,
        ciphertext: Bytes::default(),
        escrow_device: escrow_device.id(),
        enc: Bytes::default(),
        escrow_encryption_fingerprint: Fixed(escrow_device.public().encryption_key.fingerprint()),
        ea_generation: ea_group.generation,
        member: ctx.member,
        suite: suite.id(),
        escrow_verifying_key: Fixed(escrow_device.public().verifying_key.to_bytes()),
        signature: Fixed([0; 64]),
        ea_group: ea_group.user,
        signer_device: signer.id(),
    };
    let c = wrap_context(
        suite,
        &w,
        &ea_group.mail_key.fingerprint(),
        &signer.public().verifying_key,
    );
    let sealed = wrap::seal(
        &LABELS,
        &ea_group.mail_key,
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

/// An EA device opens an escrow wrap with the EA group's PUK generations it holds, against
/// the member's verified chain (SPEC.md §8.2 checks, in order: parse and limits; suite; EA
/// group and generation held; the signer an ordinary device of the member's chain not
/// revoked before the enrollment's link;
/// signature; HPKE open; the seed derives exactly the escrow device the member's chain
/// enrolled).
///
/// `ea_puks` borrows the keys (a slice, an array of references or any iterator of
/// `&PukSecret`). Memory: the wrap (at most [`MAX_ESCROW_RECORD_LEN`] bytes).
pub fn open_escrow_wrap<'k>(
    bytes: &[u8],
    ea_puks: impl IntoIterator<Item = &'k PukSecret>,
    member_chain: &ChainState,
) -> Result<DeviceSecret, Error> {
    let w: EscrowWrap = wire::decode(bytes, MAX_ESCROW_RECORD_LEN, Limit::WrapSize)?;
    let suite = Suite::from_id(w.suite)?;
    VerifyingKey::from_bytes(&w.escrow_verifying_key.0)?;
    let ea = ea_puks
        .into_iter()
        .find(|p| {
            p.public().user == w.ea_group && p.generation() == w.ea_generation && p.suite() == suite
        })
        .ok_or(Error::NotARecipient)?;
    if w.member != member_chain.user() {
        return Err(AuthFailure::UnknownSigner.into());
    }
    // The escrow device the chain enrolled, to this EA group; the signer an ordinary device
    // of the member that was not revoked before the enrollment.
    let enrollment = member_chain
        .escrow()
        .filter(|e| e.escrow_device == w.escrow_device && e.terms.ea_group == w.ea_group)
        .ok_or(AuthFailure::Wrap)?;
    let signer = member_chain
        .device(&w.signer_device)
        .filter(|d| {
            d.role == DeviceRole::Ordinary && d.revoked_at.is_none_or(|r| r > enrollment.enabled_at)
        })
        .ok_or(AuthFailure::UnknownSigner)?;
    let c = wrap_context(
        suite,
        &w,
        &ea.public().mail_key.fingerprint(),
        &signer.public.verifying_key,
    );
    let seed = wrap::open(
        &LABELS,
        ea.mail_secret(),
        &c,
        &w.enc.0,
        &w.ciphertext.0,
        &w.signature.0,
        &signer.public.verifying_key,
    )?;
    let device = DeviceSecret::from_seed(suite, w.escrow_device, &seed);
    // The seed must give the escrow device the member's chain enrolled (to this EA group),
    // compared in constant time: it derives from the decrypted seed.
    let enrolled = member_chain.device(&enrollment.escrow_device);
    let matches = enrolled.is_some_and(|d| {
        let public = device.public();
        bool::from(
            public
                .verifying_key
                .to_bytes()
                .ct_eq(&d.public.verifying_key.to_bytes())
                & public
                    .encryption_key
                    .fingerprint()
                    .ct_eq(&d.public.encryption_key.fingerprint()),
        )
    });
    if !matches {
        return Err(AuthFailure::Wrap.into());
    }
    Ok(device)
}

/// The terms a member's escrow-device link records (SPEC.md §12.3), from the
/// administrators' verified chain (in `ctx`) and the administrator's device that co-signs:
/// checks the custom-domain rule (SPEC.md §8.1) and that the device is an active ordinary
/// device of that chain. The terms record the chain's current PUK.
pub fn enrollment_terms(
    ctx: &EscrowContext<'_>,
    ea_device: &DevicePublic,
) -> Result<EscrowTerms, Error> {
    let domain = ctx.custom_domain()?;
    let ea_chain = ctx.ea_chain;
    let admin_ok = ea_chain
        .device(&ea_device.id)
        .is_some_and(|d| d.is_active() && d.role == DeviceRole::Ordinary && d.public == *ea_device);
    if !admin_ok {
        return Err(AuthFailure::UnknownSigner.into());
    }
    Ok(EscrowTerms {
        account: ctx.account.0,
        domain: domain.into(),
        ea_group: ea_chain.user(),
        ea_generation: ctx.ea_group().generation,
        ea_key_fingerprint: ctx.ea_group().mail_key.fingerprint(),
        ea_chain: ea_chain.tail(),
        ea_device: ea_device.id,
        ea_device_key: ea_device.verifying_key,
    })
}

//! Escrow (SPEC.md §8): an account's escrow setting for one member, as a binding keeps it.

use mailseal::account::escrow::{self, AccountDomain, EscrowContext};
use mailseal::identity::{ChainState, EscrowTerms};
use mailseal::keys::{DevicePublic, DeviceSecret, UserId};
use mailseal::wire::Fixed;
use rand_core::CryptoRng;

/// An account's escrow setting for one member (SPEC.md §8.1): the account, its domain
/// (escrow needs a custom domain), the member and the escrow administrators' verified chain,
/// whose current PUK is the key escrow wraps go to. The library's `EscrowContext` borrows
/// these; this owns them.
pub struct EscrowSetting {
    account: [u8; 16],
    domain: String,
    custom: bool,
    member: UserId,
    member_address: String,
    ea_chain: ChainState,
}

impl EscrowSetting {
    /// `account` and `member`: 32 hex digits; `custom`: whether `domain` is the account's
    /// own domain; `ea_chain`: the administrators' verified chain (never a key record taken
    /// from elsewhere: the service could serve its own key under their id).
    pub fn new(
        account: &str,
        domain: String,
        custom: bool,
        member: &str,
        member_address: String,
        ea_chain: ChainState,
    ) -> Result<Self, mailseal::Error> {
        // An account id has the text form of a user id.
        let account = *account.parse::<UserId>()?.as_bytes();
        Ok(EscrowSetting {
            account,
            domain,
            custom,
            member: member.parse()?,
            member_address,
            ea_chain,
        })
    }

    fn with<R>(&self, f: impl FnOnce(&EscrowContext<'_>) -> R) -> R {
        let domain = if self.custom {
            AccountDomain::Custom(&self.domain)
        } else {
            AccountDomain::Shared(&self.domain)
        };
        f(&EscrowContext {
            account: Fixed(self.account),
            domain,
            member: self.member,
            member_address: &self.member_address,
            ea_chain: &self.ea_chain,
        })
    }

    /// The terms of the member's escrow-device link (SPEC.md §12.3), co-signed by the
    /// administrator's device with public record `ea_device`, against the administrators'
    /// chain.
    pub fn enrollment_terms(&self, ea_device: &[u8]) -> Result<EscrowTerms, mailseal::Error> {
        let device = DevicePublic::from_cbor(ea_device)?;
        self.with(|ctx| escrow::enrollment_terms(ctx, &device))
    }

    /// Wraps the escrow device's seed to the administrators' key, signed by the member's
    /// device `signer` (SPEC.md §8.2).
    pub fn wrap_escrow_device(
        &self,
        escrow_device: &DeviceSecret,
        signer: &DeviceSecret,
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<u8>, mailseal::Error> {
        self.with(|ctx| escrow::wrap_escrow_device(ctx, escrow_device, signer, rng))
    }
}

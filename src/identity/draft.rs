//! Making links: the root, drafts that the required devices each sign, and the links the
//! server inserts unsigned (SPEC.md §12.3).
//!
//! A draft fixes the link's body; every device the link type requires signs that body (the
//! approver on one device, the new device on another), and `finish` encodes the link. The
//! verifier ([`ChainState::extend`]) is the judge of what is admissible: a draft only
//! assembles bytes.

use alloc::string::String;
use alloc::vec::Vec;

use super::link::{
    BodyWire, Change, EscrowTerms, LINK_VERSION, Link, LinkDevice, LinkWire, RecoveryCosigner,
    SignatureWire, encode_change,
};
use super::{ChainState, DeviceRole};
use crate::error::{Error, Misuse};
use crate::keys::{DeviceId, DevicePublic, DeviceSecret, PukPublic, UserId};
use crate::suite::Suite;
use crate::wire::{self, Bytes, Fixed};

/// A link waiting for the signatures its type requires, in order.
#[derive(Clone, Debug)]
pub struct LinkDraft {
    body: Vec<u8>,
    signers: Vec<DeviceId>,
    signatures: Vec<Option<[u8; 64]>>,
}

impl LinkDraft {
    fn new(body: Vec<u8>, signers: Vec<DeviceId>) -> Self {
        let signatures = alloc::vec![None; signers.len()];
        LinkDraft {
            body,
            signers,
            signatures,
        }
    }

    /// The body every signer signs (after the label `"mailseal v1 chain link"`).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The devices that must sign, in order.
    pub fn signers(&self) -> &[DeviceId] {
        &self.signers
    }

    /// Adds `device`'s signature. A device the link does not need is
    /// [`Misuse::NotARequiredSigner`].
    pub fn sign(&mut self, device: &DeviceSecret) -> Result<(), Error> {
        let signature = device.sign(&Link::signed_bytes(&self.body));
        self.add_signature(device.id(), signature)
    }

    /// Adds a signature made elsewhere (the draft's body travelled to that device): it fills
    /// the first unsigned slot that names `device`.
    pub fn add_signature(&mut self, device: DeviceId, signature: [u8; 64]) -> Result<(), Error> {
        let slot = self
            .signers
            .iter()
            .zip(self.signatures.iter_mut())
            .find(|(s, sig)| **s == device && sig.is_none())
            .map(|(_, sig)| sig)
            .ok_or(Misuse::NotARequiredSigner)?;
        *slot = Some(signature);
        Ok(())
    }

    /// The encoded link; every required signature must be there
    /// ([`Misuse::MissingSignature`]).
    pub fn finish(self) -> Result<Vec<u8>, Error> {
        let signatures = self
            .signers
            .iter()
            .zip(&self.signatures)
            .map(|(d, s)| {
                s.map(|s| SignatureWire {
                    device: *d,
                    signature: Fixed(s),
                })
            })
            .collect::<Option<Vec<_>>>()
            .ok_or(Misuse::MissingSignature)?;
        Ok(wire::encode(&LinkWire {
            body: Bytes(self.body),
            signatures,
        }))
    }
}

fn body(
    change: &Change,
    prev: Option<[u8; 32]>,
    seq: u64,
    suite: Suite,
    user: UserId,
    time: u64,
) -> Vec<u8> {
    wire::encode(&BodyWire {
        payload: Bytes(encode_change(change)),
        kind: change.link_type().code(),
        prev: prev.map(Fixed),
        seq,
        suite: suite.id(),
        time,
        user,
        version: LINK_VERSION,
    })
}

/// The first link of `user`'s chain, signed by its first device: that device (ordinary), the
/// first PUK generation's public record, and the user's addresses. `time` is the caller's
/// clock (seconds).
pub fn root(
    suite: Suite,
    user: UserId,
    device: &DeviceSecret,
    puk: &PukPublic,
    addresses: &[&str],
    time: u64,
) -> Result<Vec<u8>, Error> {
    let change = Change::Root {
        addresses: addresses.iter().map(|a| String::from(*a)).collect(),
        device: LinkDevice {
            public: device.public().clone(),
            role: DeviceRole::Ordinary,
        },
        puk: puk.clone(),
    };
    let mut draft = LinkDraft::new(
        body(&change, None, 1, suite, user, time),
        alloc::vec![device.id()],
    );
    draft.sign(device)?;
    draft.finish()
}

impl ChainState {
    fn next_body(&self, change: &Change, time: u64) -> Vec<u8> {
        let tail = self.tail();
        body(
            change,
            Some(tail.hash),
            tail.seq.saturating_add(1),
            self.suite(),
            self.user(),
            time,
        )
    }

    fn draft(&self, change: Change, signers: Vec<DeviceId>, time: u64) -> LinkDraft {
        LinkDraft::new(self.next_body(&change, time), signers)
    }

    /// An ordinary device added by `approver` (an active ordinary device); signed by both.
    /// `new_puk` rotates the PUK in the same link.
    pub fn propose_add_device(
        &self,
        approver: DeviceId,
        device: &DevicePublic,
        new_puk: Option<&PukPublic>,
        time: u64,
    ) -> Result<LinkDraft, Error> {
        let change = Change::AddDevice {
            device: LinkDevice {
                public: device.clone(),
                role: DeviceRole::Ordinary,
            },
            puk: new_puk.cloned(),
        };
        Ok(self.draft(change, alloc::vec![approver, device.id], time))
    }

    /// The backup device of a recovery code, added by `approver`; signed by both.
    pub fn propose_backup_device(
        &self,
        approver: DeviceId,
        device: &DevicePublic,
        new_puk: Option<&PukPublic>,
        time: u64,
    ) -> Result<LinkDraft, Error> {
        let change = Change::AddVirtualDevice {
            device: LinkDevice {
                public: device.clone(),
                role: DeviceRole::Backup,
            },
            escrow: None,
            puk: new_puk.cloned(),
        };
        Ok(self.draft(change, alloc::vec![approver, device.id], time))
    }

    /// Escrow turned on: the escrow device added by `approver`, signed by both and
    /// co-signed by the escrow administrator's device named in `terms`.
    pub fn propose_escrow_device(
        &self,
        approver: DeviceId,
        device: &DevicePublic,
        terms: EscrowTerms,
        new_puk: Option<&PukPublic>,
        time: u64,
    ) -> Result<LinkDraft, Error> {
        let ea_device = terms.ea_device;
        let change = Change::AddVirtualDevice {
            device: LinkDevice {
                public: device.clone(),
                role: DeviceRole::Escrow,
            },
            escrow: Some(terms),
            puk: new_puk.cloned(),
        };
        Ok(self.draft(change, alloc::vec![approver, device.id, ea_device], time))
    }

    /// `device` revoked by `signer` (an active ordinary device), with the PUK rotated to
    /// `new_puk` in the same link.
    pub fn propose_revoke(
        &self,
        signer: DeviceId,
        device: DeviceId,
        new_puk: &PukPublic,
        time: u64,
    ) -> Result<LinkDraft, Error> {
        let change = Change::Revoke {
            device,
            puk: Some(new_puk.clone()),
        };
        Ok(self.draft(change, alloc::vec![signer], time))
    }

    /// A new PUK generation, by `signer` (an active ordinary device).
    pub fn propose_rotation(
        &self,
        signer: DeviceId,
        new_puk: &PukPublic,
        time: u64,
    ) -> Result<LinkDraft, Error> {
        let change = Change::RotatePuk {
            puk: new_puk.clone(),
        };
        Ok(self.draft(change, alloc::vec![signer], time))
    }

    /// Escrow turned off by `signer` (an active ordinary device): the escrow device revoked
    /// and the PUK rotated, so the administrators cannot read what comes after.
    pub fn propose_disable_escrow(
        &self,
        signer: DeviceId,
        new_puk: &PukPublic,
        time: u64,
    ) -> Result<LinkDraft, Error> {
        let device = self
            .escrow()
            .map(|e| e.escrow_device)
            .ok_or(Misuse::EscrowNotEnabled)?;
        let change = Change::DisableEscrow {
            device,
            puk: new_puk.clone(),
        };
        Ok(self.draft(change, alloc::vec![signer], time))
    }

    /// A new ordinary device after every ordinary device is gone, added by the backup or the
    /// escrow device `recoverer`; for the escrow device, `cosigner` is the escrow
    /// administrator's device that co-signs. The PUK rotates.
    pub fn propose_recovery(
        &self,
        recoverer: DeviceId,
        device: &DevicePublic,
        cosigner: Option<RecoveryCosigner>,
        new_puk: &PukPublic,
        time: u64,
    ) -> Result<LinkDraft, Error> {
        let mut signers = alloc::vec![recoverer, device.id];
        if let Some(c) = &cosigner {
            signers.push(c.device);
        }
        let change = Change::Recover {
            device: LinkDevice {
                public: device.clone(),
                role: DeviceRole::Ordinary,
            },
            cosigner,
            puk: new_puk.clone(),
        };
        Ok(self.draft(change, signers, time))
    }

    /// A revocation the server inserts, unsigned (the user revoked `device` on a web page):
    /// no rotation, so the user's next seal must rotate first.
    pub fn server_revoke(&self, device: DeviceId, time: u64) -> Vec<u8> {
        let change = Change::Revoke { device, puk: None };
        wire::encode(&LinkWire {
            body: Bytes(self.next_body(&change, time)),
            signatures: Vec::new(),
        })
    }

    /// The user's addresses as the service assigns them, inserted by the server, unsigned.
    pub fn server_addresses(&self, addresses: &[&str], time: u64) -> Vec<u8> {
        let change = Change::ChangeAddresses {
            addresses: addresses.iter().map(|a| String::from(*a)).collect(),
        };
        wire::encode(&LinkWire {
            body: Bytes(self.next_body(&change, time)),
            signatures: Vec::new(),
        })
    }
}

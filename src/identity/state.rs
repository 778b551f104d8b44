//! The verified state of a chain and the rules by which a link may extend it (SPEC.md §12.4).

use alloc::string::String;
use alloc::vec::Vec;

use super::link::{Change, EscrowTerms, Link, LinkDevice, LinkType, RecoveryCosigner};
use super::{ChainError, ChainTail, DeviceRole, MAX_CHAIN_LINKS, MAX_CHAIN_SEGMENT_LEN};
use crate::error::{Error, Limit};
use crate::keys::{DeviceId, DevicePublic, PukPublic, UserId, VerifyingKey};
use crate::suite::Suite;
use crate::wire::{self, Bytes, reader};

/// A device as the chain knows it: keys, role, when it was added and revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainDevice {
    /// Its public keys.
    pub public: DevicePublic,
    /// What it may do.
    pub role: DeviceRole,
    /// Sequence number of the link that added it.
    pub added_at: u64,
    /// The time that link states (seconds, the signer's clock; informative only).
    pub added_time: u64,
    /// Sequence number of the link that revoked it, if any.
    pub revoked_at: Option<u64>,
}

impl ChainDevice {
    /// Whether the device is active in the chain's latest state.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }

    /// Whether the device was active just after link `seq`.
    pub fn was_active_at(&self, seq: u64) -> bool {
        self.added_at <= seq && self.revoked_at.is_none_or(|r| r > seq)
    }
}

/// Escrow as the chain records it: on from the link that added the escrow device, off from
/// the link that disabled it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscrowEnrollment {
    /// The escrow device.
    pub escrow_device: DeviceId,
    /// What its link recorded of the escrow administrators.
    pub terms: EscrowTerms,
    /// Sequence number of the link that enabled escrow.
    pub enabled_at: u64,
    /// Sequence number of the link that disabled it, if any.
    pub disabled_at: Option<u64>,
}

/// The addresses the chain gave the user from one link on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressChange {
    /// The link that set them.
    pub seq: u64,
    /// The whole list from then on.
    pub addresses: Vec<String>,
}

/// A chain verified from its root: everything other decisions read.
///
/// Memory: 32 bytes per link (every link's hash, so a later view can be compared at any
/// position), plus the devices, PUK records, address history and escrow history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainState {
    user: UserId,
    suite: Suite,
    hashes: Vec<[u8; 32]>,
    devices: Vec<ChainDevice>,
    /// PUK records by generation (index `g - 1`) with the link that introduced each.
    puks: Vec<(PukPublic, u64)>,
    /// The last of `puks`, kept apart so that a verified state always has one.
    current: PukPublic,
    addresses: Vec<AddressChange>,
    escrow: Vec<EscrowEnrollment>,
    rotation_due: bool,
}

impl ChainState {
    /// Verifies a whole chain from its root (SPEC.md §12.4), given as the links' bytes in
    /// order. Fails on the first link that is malformed, wrongly placed or not admissible.
    ///
    /// Memory: the state, bounded by the input (at most [`MAX_CHAIN_LINKS`] links).
    pub fn verify<L: AsRef<[u8]>>(links: &[L]) -> Result<ChainState, Error> {
        let (first, rest) = links.split_first().ok_or(ChainError::NotRoot { seq: 0 })?;
        let root = Link::decode(first.as_ref())?;
        let mut state = ChainState::from_root(root)?;
        for l in rest {
            state.apply(l.as_ref())?;
        }
        Ok(state)
    }

    /// Verifies a chain given as one encoded segment ([`encode_segment`]).
    pub fn verify_segment(segment: &[u8]) -> Result<ChainState, Error> {
        ChainState::verify(&decode_segment(segment)?)
    }

    /// The strict extension of this state by `links`, which must start right after its tail
    /// (SPEC.md §12.5). The state itself is unchanged.
    pub fn extend<L: AsRef<[u8]>>(&self, links: &[L]) -> Result<ChainState, Error> {
        let mut next = self.clone();
        for l in links {
            next.apply(l.as_ref())?;
        }
        Ok(next)
    }

    /// Trust on first use (SPEC.md §12.5): a later view of the whole chain (from its root) is
    /// accepted only if it extends this one. A view that differs at a position this state has
    /// seen is [`ChainError::Fork`] naming that position; a shorter one is
    /// [`ChainError::Rollback`].
    ///
    /// Memory: the new state, bounded by the view.
    ///
    /// ```
    /// use mailseal::error::ChainError;
    /// use mailseal::identity::{self, ChainState};
    /// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
    /// # use rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([2; 32]);
    /// # let (suite, alice) = (mailseal::Suite::X25519, UserId::new([1; 16]));
    /// # let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
    /// # let puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
    /// let root = identity::root(suite, alice, &laptop, puk.public(), &["alice@example.com"], 1)?;
    /// let seen = ChainState::verify(&[&root])?;
    /// // The server adds an address change: a strict extension, accepted.
    /// let change = seen.server_addresses(&["alice@example.com", "a@example.com"], 2);
    /// let newer = seen.update(&[&root, &change])?;
    /// assert_eq!(newer.tail().seq, 2);
    /// // Another client was shown a different second link: each refuses the other's view.
    /// let other = seen.server_addresses(&["alice@evil.example"], 2);
    /// assert_eq!(
    ///     newer.update(&[&root, &other]).err(),
    ///     Some(ChainError::Fork { seq: 2 }.into())
    /// );
    /// assert_ne!(newer.security_code(), seen.extend(&[&other])?.security_code());
    /// # Ok::<(), mailseal::Error>(())
    /// ```
    pub fn update<L: AsRef<[u8]>>(&self, view: &[L]) -> Result<ChainState, Error> {
        let have = self.tail().seq;
        let served = view.len() as u64;
        let seen = usize::try_from(have).map_err(|_| Limit::ChainLength)?;
        let (old, new) = view.split_at(seen.min(view.len()));
        // §12.5: the fork first, so a view both shorter and different is reported as the
        // fork it shows, not as a mere rollback.
        for (i, (l, h)) in old.iter().zip(&self.hashes).enumerate() {
            if super::link::link_hash(l.as_ref()) != *h {
                return Err(ChainError::Fork {
                    seq: (i as u64).saturating_add(1),
                }
                .into());
            }
        }
        if served < have {
            return Err(ChainError::Rollback { have, served }.into());
        }
        self.extend(new)
    }

    /// SPEC.md §12.5 for two verified states of one chain: `Ok` when this one extends `seen`
    /// (the same link hash at every position `seen` holds, and not shorter), else
    /// [`ChainError::Fork`] at the first differing position (checked first) or
    /// [`ChainError::Rollback`]. For a directory replacing a chain it holds with a newer view:
    /// without this check a server could serve an older view and undo a revocation.
    ///
    /// ```
    /// # use mailseal::error::ChainError;
    /// # use mailseal::identity::{self, ChainState};
    /// # use mailseal::keys::{DeviceId, DeviceSecret, PukSecret, UserId};
    /// # use rand_core::SeedableRng;
    /// # let mut rng = rand_chacha::ChaCha20Rng::from_seed([2; 32]);
    /// # let (suite, alice) = (mailseal::Suite::X25519, UserId::new([1; 16]));
    /// # let laptop = DeviceSecret::generate(suite, DeviceId::new([1; 16]), &mut rng);
    /// # let puk = PukSecret::generate(suite, alice, 1, &mut rng)?;
    /// let root = identity::root(suite, alice, &laptop, puk.public(), &["alice@example.com"], 1)?;
    /// let old = ChainState::verify(&[&root])?;
    /// let new = old.extend(&[old.server_addresses(&["a@example.com"], 2)])?;
    /// assert!(new.extends(&old).is_ok());
    /// assert_eq!(
    ///     old.extends(&new).err(),
    ///     Some(ChainError::Rollback { have: 2, served: 1 }.into())
    /// );
    /// # Ok::<(), mailseal::Error>(())
    /// ```
    pub fn extends(&self, seen: &ChainState) -> Result<(), Error> {
        for (i, held) in seen.hashes.iter().enumerate() {
            match self.hashes.get(i) {
                Some(h) if h == held => {}
                Some(_) => {
                    return Err(ChainError::Fork {
                        seq: (i as u64).saturating_add(1),
                    }
                    .into());
                }
                None => {
                    return Err(ChainError::Rollback {
                        have: seen.tail().seq,
                        served: self.tail().seq,
                    }
                    .into());
                }
            }
        }
        Ok(())
    }

    fn from_root(root: Link) -> Result<ChainState, Error> {
        let seq = root.seq;
        let Change::Root {
            addresses,
            device,
            puk,
        } = &root.change
        else {
            return Err(ChainError::NotRoot { seq }.into());
        };
        if seq != 1 || root.prev.is_some() {
            return Err(ChainError::NotRoot { seq }.into());
        }
        // The root device is ordinary, signs its own root, and starts generation 1.
        if device.role != DeviceRole::Ordinary || puk.generation != 1 {
            return Err(ChainError::RoleMayNot { seq }.into());
        }
        check_signatures(&root, &[(device.public.id, device.public.verifying_key)])?;
        Ok(ChainState {
            user: root.user,
            suite: root.suite,
            hashes: alloc::vec![root.hash],
            devices: alloc::vec![ChainDevice {
                public: device.public.clone(),
                role: device.role,
                added_at: 1,
                added_time: root.time,
                revoked_at: None,
            }],
            puks: alloc::vec![(puk.clone(), 1)],
            current: puk.clone(),
            addresses: alloc::vec![AddressChange {
                seq: 1,
                addresses: addresses.clone(),
            }],
            escrow: Vec::new(),
            rotation_due: false,
        })
    }

    /// SPEC.md §12.4: one link, checked against this state and applied.
    fn apply(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let link = Link::decode(bytes)?;
        let seq = link.seq;
        let tail = self.tail();
        if link.user != self.user {
            return Err(ChainError::OtherUser { seq }.into());
        }
        if link.suite != self.suite {
            return Err(ChainError::OtherSuite { seq }.into());
        }
        if seq != tail.seq.saturating_add(1) {
            return Err(ChainError::Sequence { seq }.into());
        }
        if seq > MAX_CHAIN_LINKS {
            return Err(Limit::ChainLength.into());
        }
        if link.prev != Some(tail.hash) {
            return Err(ChainError::PreviousHash { seq }.into());
        }
        match &link.change {
            Change::Root { .. } => return Err(ChainError::NotRoot { seq }.into()),
            Change::AddDevice { device, puk } => {
                if device.role != DeviceRole::Ordinary {
                    return Err(ChainError::RoleMayNot { seq }.into());
                }
                let approver = self.signer(&link, 0, &[DeviceRole::Ordinary])?;
                check_signatures(&link, &[approver, subject(device)])?;
                self.add_device(device, &link)?;
                self.rotate_if(puk.as_ref(), seq)?;
            }
            Change::AddVirtualDevice {
                device,
                escrow,
                puk,
            } => {
                let approver = self.signer(&link, 0, &[DeviceRole::Ordinary])?;
                match (device.role, escrow) {
                    (DeviceRole::Backup, None) => {
                        check_signatures(&link, &[approver, subject(device)])?;
                    }
                    (DeviceRole::Escrow, Some(terms)) => {
                        // Escrow is off, and (SPEC.md §8.1) the account's domain is custom and
                        // the member has an address on it.
                        let on_domain = self
                            .addresses()
                            .iter()
                            .any(|a| crate::account::escrow::on_domain(a, &terms.domain));
                        if self.escrow().is_some() || !on_domain {
                            return Err(ChainError::Escrow { seq }.into());
                        }
                        check_signatures(
                            &link,
                            &[
                                approver,
                                subject(device),
                                (terms.ea_device, terms.ea_device_key),
                            ],
                        )?;
                        self.escrow.push(EscrowEnrollment {
                            escrow_device: device.public.id,
                            terms: terms.clone(),
                            enabled_at: seq,
                            disabled_at: None,
                        });
                    }
                    _ => return Err(ChainError::RoleMayNot { seq }.into()),
                }
                self.add_device(device, &link)?;
                self.rotate_if(puk.as_ref(), seq)?;
            }
            Change::Revoke { device, puk } => {
                let target = self.active(device, seq)?;
                // Escrow is turned off only by its own link, never by a plain revocation.
                if target.role == DeviceRole::Escrow {
                    return Err(ChainError::Escrow { seq }.into());
                }
                if link.signatures.is_empty() {
                    // Inserted by the server (a revocation from a web page): no rotation, so
                    // the next seal must rotate first.
                    if puk.is_some() {
                        return Err(ChainError::Signatures { seq }.into());
                    }
                    self.revoke(device, seq);
                    self.rotation_due = true;
                } else {
                    let signer = self.signer(&link, 0, &[DeviceRole::Ordinary])?;
                    check_signatures(&link, &[signer])?;
                    let puk = puk.as_ref().ok_or(ChainError::Generation { seq })?;
                    self.revoke(device, seq);
                    self.rotate_if(Some(puk), seq)?;
                }
            }
            Change::RotatePuk { puk } => {
                let signer = self.signer(&link, 0, &[DeviceRole::Ordinary])?;
                check_signatures(&link, &[signer])?;
                self.rotate_if(Some(puk), seq)?;
            }
            Change::DisableEscrow { device, puk } => {
                let signer = self.signer(&link, 0, &[DeviceRole::Ordinary])?;
                check_signatures(&link, &[signer])?;
                let enrolled = self.escrow().map(|e| e.escrow_device);
                if enrolled != Some(*device) {
                    return Err(ChainError::Escrow { seq }.into());
                }
                self.active(device, seq)?;
                self.revoke(device, seq);
                if let Some(e) = self.escrow.last_mut() {
                    e.disabled_at = Some(seq);
                }
                self.rotate_if(Some(puk), seq)?;
            }
            Change::ChangeAddresses { addresses } => {
                // Assigned by the service: inserted by the server, unsigned.
                check_signatures(&link, &[])?;
                self.addresses.push(AddressChange {
                    seq,
                    addresses: addresses.clone(),
                });
            }
            Change::Recover {
                device,
                cosigner,
                puk,
            } => {
                if device.role != DeviceRole::Ordinary
                    || self
                        .devices
                        .iter()
                        .any(|d| d.is_active() && d.role == DeviceRole::Ordinary)
                {
                    return Err(ChainError::Recovery { seq }.into());
                }
                let recoverer = self.signer(&link, 0, &[DeviceRole::Backup, DeviceRole::Escrow])?;
                let role = self.device(&recoverer.0).map(|d| d.role);
                match (role, cosigner) {
                    (Some(DeviceRole::Backup), None) => {
                        check_signatures(&link, &[recoverer, subject(device)])?;
                    }
                    (Some(DeviceRole::Escrow), Some(RecoveryCosigner { device: d, key, .. })) => {
                        check_signatures(&link, &[recoverer, subject(device), (*d, *key)])?;
                    }
                    _ => return Err(ChainError::Recovery { seq }.into()),
                }
                self.add_device(device, &link)?;
                self.rotate_if(Some(puk), seq)?;
            }
        }
        self.hashes.push(link.hash);
        Ok(())
    }

    /// The device that signature `index` names, which must be active with one of `roles`.
    fn signer(
        &self,
        link: &Link,
        index: usize,
        roles: &[DeviceRole],
    ) -> Result<(DeviceId, VerifyingKey), Error> {
        let seq = link.seq;
        let (id, _) = link
            .signatures
            .get(index)
            .ok_or(ChainError::Signatures { seq })?;
        let device = self.device(id).ok_or(ChainError::SignerNotActive { seq })?;
        if !device.is_active() {
            return Err(ChainError::SignerNotActive { seq }.into());
        }
        if !roles.contains(&device.role) {
            return Err(ChainError::RoleMayNot { seq }.into());
        }
        Ok((device.public.id, device.public.verifying_key))
    }

    /// The active device `id`, else [`ChainError::DeviceNotActive`].
    fn active(&self, id: &DeviceId, seq: u64) -> Result<&ChainDevice, Error> {
        self.device(id)
            .filter(|d| d.is_active())
            .ok_or(ChainError::DeviceNotActive { seq }.into())
    }

    fn add_device(&mut self, device: &LinkDevice, link: &Link) -> Result<(), Error> {
        let seq = link.seq;
        if self.devices.len() >= crate::account::devices::MAX_DEVICES {
            return Err(Limit::Devices.into());
        }
        // Ids and keys are never reused, not even those of revoked devices.
        let p = &device.public;
        let reused = self.devices.iter().any(|d| {
            d.public.id == p.id
                || d.public.verifying_key == p.verifying_key
                || d.public.encryption_key == p.encryption_key
        });
        if reused {
            return Err(ChainError::Reused { seq }.into());
        }
        self.devices.push(ChainDevice {
            public: device.public.clone(),
            role: device.role,
            added_at: seq,
            added_time: link.time,
            revoked_at: None,
        });
        Ok(())
    }

    fn revoke(&mut self, id: &DeviceId, seq: u64) {
        if let Some(d) = self.devices.iter_mut().find(|d| d.public.id == *id) {
            d.revoked_at = Some(seq);
        }
    }

    /// A new PUK generation, if the link carries one: exactly the next, with a key never
    /// used before.
    fn rotate_if(&mut self, puk: Option<&PukPublic>, seq: u64) -> Result<(), Error> {
        let Some(puk) = puk else {
            return Ok(());
        };
        let next = self.current_puk().generation.saturating_add(1);
        if puk.generation != next {
            return Err(ChainError::Generation { seq }.into());
        }
        if self.puks.iter().any(|(p, _)| p.mail_key == puk.mail_key) {
            return Err(ChainError::Reused { seq }.into());
        }
        self.puks.push((puk.clone(), seq));
        self.current = puk.clone();
        self.rotation_due = false;
        Ok(())
    }

    // ---- What the rest of the crate reads ---------------------------------------------

    /// The user the chain belongs to.
    pub fn user(&self) -> UserId {
        self.user
    }

    /// The suite of every key in the chain.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// The last link: its sequence number and hash.
    pub fn tail(&self) -> ChainTail {
        ChainTail {
            seq: self.hashes.len() as u64,
            hash: self.hashes.last().copied().unwrap_or([0; 32]),
        }
    }

    /// The hash of link `seq` (from 1), if this state has seen it.
    pub fn hash_at(&self, seq: u64) -> Option<[u8; 32]> {
        let index = usize::try_from(seq.checked_sub(1)?).ok()?;
        self.hashes.get(index).copied()
    }

    /// Every device the chain ever listed, in the order they were added.
    pub fn devices(&self) -> &[ChainDevice] {
        &self.devices
    }

    /// The device `id`, active or revoked.
    pub fn device(&self, id: &DeviceId) -> Option<&ChainDevice> {
        self.devices.iter().find(|d| d.public.id == *id)
    }

    /// The latest PUK generation's public record: what senders encrypt to.
    pub fn current_puk(&self) -> &PukPublic {
        &self.current
    }

    /// The PUK record of `generation`, if the chain has it.
    pub fn puk(&self, generation: u32) -> Option<&PukPublic> {
        let index = usize::try_from(generation.checked_sub(1)?).ok()?;
        self.puks.get(index).map(|(p, _)| p)
    }

    /// The link that introduced PUK generation `generation`.
    pub fn generation_introduced(&self, generation: u32) -> Option<u64> {
        let index = usize::try_from(generation.checked_sub(1)?).ok()?;
        self.puks.get(index).map(|(_, seq)| *seq)
    }

    /// The generation that was current just after link `seq`.
    pub fn generation_at(&self, seq: u64) -> u32 {
        self.puks
            .iter()
            .filter(|(_, introduced)| *introduced <= seq)
            .map(|(p, _)| p.generation)
            .max()
            .unwrap_or(1)
    }

    /// The user's current addresses.
    pub fn addresses(&self) -> &[String] {
        self.addresses
            .last()
            .map(|a| a.addresses.as_slice())
            .unwrap_or_default()
    }

    /// Every address list the chain gave the user, oldest first.
    pub fn address_history(&self) -> &[AddressChange] {
        &self.addresses
    }

    /// Whether `address` is one of the user's current addresses (ASCII case ignored).
    pub fn has_address(&self, address: &str) -> bool {
        self.addresses()
            .iter()
            .any(|a| a.eq_ignore_ascii_case(address))
    }

    /// Escrow, while it is on: whom the mailbox is escrowed to. Disclose it.
    pub fn escrow(&self) -> Option<&EscrowEnrollment> {
        self.escrow.last().filter(|e| e.disabled_at.is_none())
    }

    /// Every escrow enrollment the chain recorded, on or off, oldest first.
    pub fn escrow_history(&self) -> &[EscrowEnrollment] {
        &self.escrow
    }

    /// Whether a device was revoked without a PUK rotation (by the server): the user's next
    /// seal must rotate first, and until then a revoked device may know the current key.
    pub fn rotation_due(&self) -> bool {
        self.rotation_due
    }

    /// Whether any ordinary device is active: someone can still read new mail.
    pub fn has_active_device(&self) -> bool {
        self.devices
            .iter()
            .any(|d| d.is_active() && d.role == DeviceRole::Ordinary)
    }
}

/// The subject device's own signature slot.
fn subject(device: &LinkDevice) -> (DeviceId, VerifyingKey) {
    (device.public.id, device.public.verifying_key)
}

/// SPEC.md §12.4: exactly the signatures a link of its type needs, in order, each by the
/// device named, each verifying (`verify_strict`) over `"mailseal v1 chain link" || body`.
fn check_signatures(link: &Link, required: &[(DeviceId, VerifyingKey)]) -> Result<(), Error> {
    let seq = link.seq;
    if link.signatures.len() != required.len() {
        return Err(ChainError::Signatures { seq }.into());
    }
    let message = Link::signed_bytes(&link.body);
    for ((id, signature), (want, key)) in link.signatures.iter().zip(required) {
        if id != want {
            return Err(ChainError::Signatures { seq }.into());
        }
        if !key.verify_strict(&message, signature) {
            return Err(ChainError::BadSignature { seq }.into());
        }
    }
    Ok(())
}

/// A chain segment on the wire: a CBOR array of link byte strings (SPEC.md §12.2).
pub fn encode_segment<L: AsRef<[u8]>>(links: &[L]) -> Vec<u8> {
    wire::encode(
        &links
            .iter()
            .map(|l| Bytes(l.as_ref().to_vec()))
            .collect::<Vec<_>>(),
    )
}

/// The links of an encoded segment, checked against [`MAX_CHAIN_SEGMENT_LEN`] and
/// [`MAX_CHAIN_LINKS`] before anything is allocated for them.
///
/// Memory: the segment's own length (at most 16 MiB) for the copies of the links, and at
/// most [`MAX_CHAIN_LINKS`] + 1 entries of link list whatever count the array head claims.
pub fn decode_segment(segment: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    // One link past the limit is kept, to see the limit broken; the rest are read (a schema
    // error anywhere still comes first, §4.1) and dropped, never allocated for.
    let keep = usize::try_from(MAX_CHAIN_LINKS + 1).unwrap_or(usize::MAX);
    let links = reader::decode(segment, MAX_CHAIN_SEGMENT_LEN, Limit::ChainLength, |r| {
        r.array(keep, |r| r.bytes())
    })?;
    if links.len() as u64 > MAX_CHAIN_LINKS {
        return Err(Limit::ChainLength.into());
    }
    Ok(links.into_iter().map(<[u8]>::to_vec).collect())
}

/// Which link type a link is, for tools that list a chain.
pub fn link_type(link: &[u8]) -> Result<LinkType, Error> {
    Ok(Link::decode(link)?.kind)
}

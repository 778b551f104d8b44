//! Identity (SPEC.md §12): chains verified from their root, drafts of new links, a directory
//! of the chains a client verified.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use mailseal::identity::{
    self, ChainDevice as LibDevice, ChainState, ChainTail as LibTail, DeviceRole as LibRole,
    EscrowEnrollment as LibEnrollment,
};
use mailseal::keys::{DeviceId, DevicePublic, PukPublic, UserId};
use mailseal::mail::open::ChainDirectory;
use mailseal::transparency::{Publication, PublishedTail as LibPublishedTail};

use crate::account::EscrowTerms;
use crate::bytes::Bytes;
use crate::convert::{self, Suite, hex, lock};
use crate::error::{Result, invalid, invalid_state};
use crate::keys::{
    Device, DeviceRecord, Puk, PukRecord, device_public, device_record, puk_public, puk_record,
};
use crate::transparency::{PublishedTail, TransparencyView, published};

/// The last link of a chain as a client saw it (SPEC.md §5.6).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ChainTail {
    /// Its sequence number (the root is 1).
    pub seq: u64,
    /// Its hash (hex).
    pub hash: String,
    /// The text form, `seq:hash`.
    pub text: String,
}

pub(crate) fn tail(t: &LibTail) -> ChainTail {
    ChainTail {
        seq: t.seq,
        hash: hex(&t.hash),
        text: t.to_string(),
    }
}

/// A security code as people compare it (SPEC.md §12.7).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SecurityCode {
    /// The 30 digits.
    pub digits: String,
    /// The digits in groups of five, as shown.
    pub text: String,
}

/// What a device is in its user's chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum DeviceRole {
    /// A device the user reads mail on.
    Ordinary,
    /// The backup device a recovery code stands for.
    Backup,
    /// The escrow device (SPEC.md §8).
    Escrow,
}

/// A device as a verified chain lists it.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ChainDevice {
    /// The device id.
    pub id: String,
    /// Its role.
    pub role: DeviceRole,
    /// Not revoked.
    pub active: bool,
    /// The sequence number of the link that added it.
    pub added_at: u64,
    /// The time that link states (seconds since the epoch, the signer's clock; informative).
    pub added_time: u64,
    /// The sequence number of the link that revoked it, if any.
    pub revoked_at: Option<u64>,
    /// Its public record (keys and id).
    pub keys: DeviceRecord,
}

pub(crate) fn chain_device(d: &LibDevice) -> ChainDevice {
    ChainDevice {
        id: d.public.id.to_string(),
        role: match d.role {
            LibRole::Backup => DeviceRole::Backup,
            LibRole::Escrow => DeviceRole::Escrow,
            _ => DeviceRole::Ordinary,
        },
        active: d.is_active(),
        added_at: d.added_at,
        added_time: d.added_time,
        revoked_at: d.revoked_at,
        keys: device_record(&d.public),
    }
}

/// An escrow enrollment a chain records (SPEC.md §12.6).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct EscrowEnrollment {
    /// The escrow device's id.
    pub escrow_device: String,
    /// The sequence number of the link that turned escrow on.
    pub enabled_at: u64,
    /// The sequence number of the link that turned it off, if any.
    pub disabled_at: Option<u64>,
    /// The terms it was enrolled under.
    pub terms: EscrowTermsFields,
}

/// The terms of an escrow-device link (SPEC.md §12.3).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct EscrowTermsFields {
    /// The account (32 hex digits).
    pub account: String,
    /// The account's custom domain.
    pub domain: String,
    /// The escrow administrators' group (a user id).
    pub ea_group: String,
    /// The generation of the administrators' key.
    pub ea_generation: u32,
    /// That key's fingerprint (hex).
    pub ea_key_fingerprint: String,
    /// The administrators' chain tail the terms were checked against.
    pub ea_chain: ChainTail,
    /// The administrator's device that co-signed.
    pub ea_device: String,
    /// That device's verifying key.
    pub ea_device_key: Bytes,
}

pub(crate) fn terms_fields(t: &identity::EscrowTerms) -> EscrowTermsFields {
    EscrowTermsFields {
        account: hex(&t.account),
        domain: t.domain.to_string(),
        ea_group: t.ea_group.to_string(),
        ea_generation: t.ea_generation,
        ea_key_fingerprint: hex(&t.ea_key_fingerprint),
        ea_chain: tail(&t.ea_chain),
        ea_device: t.ea_device.to_string(),
        ea_device_key: t.ea_device_key.to_bytes().to_vec().into(),
    }
}

pub(crate) fn enrollment(e: &LibEnrollment) -> EscrowEnrollment {
    EscrowEnrollment {
        escrow_device: e.escrow_device.to_string(),
        enabled_at: e.enabled_at,
        disabled_at: e.disabled_at,
        terms: terms_fields(&e.terms),
    }
}

/// One PUK generation a chain recorded.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ChainGeneration {
    /// The generation.
    pub generation: u32,
    /// The sequence number of the link that introduced it.
    pub introduced_at: Option<u64>,
    /// Its public record.
    pub puk: PukRecord,
}

/// A user's chain as this client verified it: which devices, keys and addresses are the
/// user's. Public information; the object keeps the verified state.
#[derive(uniffi::Object)]
pub struct Chain {
    pub(crate) inner: Arc<ChainState>,
}

impl Chain {
    fn wrap(state: ChainState) -> Arc<Chain> {
        Arc::new(Chain {
            inner: Arc::new(state),
        })
    }
}

#[uniffi::export]
impl Chain {
    /// Verifies a whole chain from its root (every link, in order).
    #[uniffi::constructor]
    pub fn verify(links: Vec<Bytes>) -> Result<Arc<Chain>> {
        Ok(Chain::wrap(ChainState::verify(&links)?))
    }

    /// Verifies a chain given as one segment (SPEC.md §12.2).
    #[uniffi::constructor]
    pub fn verify_segment(segment: Bytes) -> Result<Arc<Chain>> {
        Ok(Chain::wrap(ChainState::verify_segment(&segment)?))
    }

    /// This chain with `links` appended, each checked as SPEC.md §12.4 says.
    pub fn extend(&self, links: Vec<Bytes>) -> Result<Arc<Chain>> {
        Ok(Chain::wrap(self.inner.extend(&links)?))
    }

    /// A later view of the whole chain (from its root), accepted only if it extends this one
    /// (trust on first use, SPEC.md §12.5: a fork or a rollback is refused).
    pub fn update(&self, view: Vec<Bytes>) -> Result<Arc<Chain>> {
        Ok(Chain::wrap(self.inner.update(&view)?))
    }

    /// The user id.
    pub fn user(&self) -> String {
        self.inner.user().to_string()
    }

    /// The suite.
    pub fn suite(&self) -> Suite {
        Suite::of(self.inner.suite())
    }

    /// The last link.
    pub fn tail(&self) -> ChainTail {
        tail(&self.inner.tail())
    }

    /// Every device the chain ever listed.
    pub fn devices(&self) -> Vec<ChainDevice> {
        self.inner.devices().iter().map(chain_device).collect()
    }

    /// The user's current addresses.
    pub fn addresses(&self) -> Vec<String> {
        self.inner.addresses().to_vec()
    }

    /// Whether `address` is one of the user's current addresses.
    pub fn has_address(&self, address: &str) -> bool {
        self.inner.has_address(address)
    }

    /// The current PUK's public record.
    pub fn current_puk(&self) -> PukRecord {
        puk_record(self.inner.current_puk())
    }

    /// The 30-digit security code people compare (SPEC.md §12.7), in groups of five.
    pub fn security_code(&self) -> String {
        self.inner.security_code().to_string()
    }

    /// The escrow enrollment in force, if any (SPEC.md §12.6).
    pub fn escrow(&self) -> Option<EscrowEnrollment> {
        self.inner.escrow().map(enrollment)
    }

    /// Every escrow enrollment the chain recorded, on and off, in order.
    pub fn escrow_history(&self) -> Vec<EscrowEnrollment> {
        self.inner.escrow_history().iter().map(enrollment).collect()
    }

    /// Every PUK generation the chain recorded.
    pub fn generations(&self) -> Vec<ChainGeneration> {
        let current = self.inner.current_puk().generation;
        (1..=current)
            .filter_map(|g| {
                Some(ChainGeneration {
                    generation: g,
                    introduced_at: self.inner.generation_introduced(g),
                    puk: puk_record(self.inner.puk(g)?),
                })
            })
            .collect()
    }

    /// The hash of link `seq` (from 1), hex, or none past the tail.
    pub fn hash_at(&self, seq: u64) -> Option<String> {
        self.inner.hash_at(seq).map(|h| hex(&h))
    }

    /// A device was revoked without a PUK rotation: rotate before sealing.
    pub fn rotation_due(&self) -> bool {
        self.inner.rotation_due()
    }

    /// Whether any ordinary device is active (someone can read mail sealed to the user).
    pub fn has_active_device(&self) -> bool {
        self.inner.has_active_device()
    }

    /// Drafts a link adding the ordinary device with public record `device`, approved by
    /// `approver` (a device id of this chain), optionally with a new PUK's record.
    pub fn propose_add_device(
        &self,
        approver: &str,
        device: Bytes,
        new_puk: Option<Bytes>,
        time: u64,
    ) -> Result<Arc<LinkDraft>> {
        Adding::parse(approver, &device, new_puk)?.draft(|a| {
            self.inner
                .propose_add_device(a.approver, &a.device, a.new_puk.as_ref(), time)
        })
    }

    /// Drafts a link adding a backup (recovery-code) device.
    pub fn propose_backup_device(
        &self,
        approver: &str,
        device: Bytes,
        new_puk: Option<Bytes>,
        time: u64,
    ) -> Result<Arc<LinkDraft>> {
        Adding::parse(approver, &device, new_puk)?.draft(|a| {
            self.inner
                .propose_backup_device(a.approver, &a.device, a.new_puk.as_ref(), time)
        })
    }

    /// Drafts a link enrolling an escrow device under `terms` (from
    /// `EscrowContext.enrollment_terms`).
    pub fn propose_escrow_device(
        &self,
        approver: &str,
        device: Bytes,
        terms: &EscrowTerms,
        new_puk: Option<Bytes>,
        time: u64,
    ) -> Result<Arc<LinkDraft>> {
        Adding::parse(approver, &device, new_puk)?.draft(|a| {
            let terms = terms.inner.clone();
            self.inner
                .propose_escrow_device(a.approver, &a.device, terms, a.new_puk.as_ref(), time)
        })
    }

    /// Drafts a link revoking `device`, signed by `signer`, with the new PUK's record.
    /// (`rotate_revoking` makes the key, the link and the seed wraps in one step.)
    pub fn propose_revoke(
        &self,
        signer: &str,
        device: &str,
        new_puk: Bytes,
        time: u64,
    ) -> Result<Arc<LinkDraft>> {
        LinkDraft::new(self.inner.propose_revoke(
            convert::device_id(signer)?,
            convert::device_id(device)?,
            &puk_public(&new_puk)?,
            time,
        ))
    }

    /// A link by the server revoking `device` (no signature, no rotation: the user's next
    /// client must rotate).
    pub fn server_revoke(&self, device: &str, time: u64) -> Result<Bytes> {
        Ok(self
            .inner
            .server_revoke(convert::device_id(device)?, time)
            .into())
    }

    /// A link by the server setting the user's addresses.
    pub fn server_addresses(&self, addresses: Vec<String>, time: u64) -> Bytes {
        let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();
        self.inner.server_addresses(&refs, time).into()
    }
}

/// The root link of a new chain, signed by `device`: the user's first device, first PUK
/// (generation 1) and addresses, at `time` (seconds since the epoch). Verify it with
/// `Chain.verify([root])`.
#[uniffi::export]
pub fn root_link(device: &Device, puk: &Puk, addresses: Vec<String>, time: u64) -> Result<Bytes> {
    let refs: Vec<&str> = addresses.iter().map(String::as_str).collect();
    Ok(identity::root(
        puk.inner.suite(),
        puk.inner.public().user,
        &device.inner,
        puk.inner.public(),
        &refs,
        time,
    )?
    .into())
}

/// Parses a chain tail's text form (`seq:hash`, SPEC.md §5.6).
#[uniffi::export]
pub fn parse_chain_tail(text: &str) -> Result<ChainTail> {
    Ok(tail(&text.parse::<LibTail>()?))
}

/// Parses a security code as a person types it (30 digits, spaces ignored).
#[uniffi::export]
pub fn parse_security_code(text: &str) -> Result<SecurityCode> {
    let code = text.parse::<identity::SecurityCode>()?;
    Ok(SecurityCode {
        digits: code.digits().to_string(),
        text: code.to_string(),
    })
}

/// The security code two users compare to check each other's chains (SPEC.md §12.7).
#[uniffi::export]
pub fn pair_security_code(a: &Chain, b: &Chain) -> String {
    identity::pair_security_code(&a.inner, &b.inner).to_string()
}

/// Encodes links as one segment (SPEC.md §12.2), the form a server serves a chain in.
#[uniffi::export]
pub fn encode_segment(links: Vec<Bytes>) -> Bytes {
    identity::encode_segment(&links).into()
}

/// Decodes a segment into its links.
#[uniffi::export]
pub fn decode_segment(segment: Bytes) -> Result<Vec<Bytes>> {
    Ok(identity::decode_segment(&segment)?
        .into_iter()
        .map(Bytes)
        .collect())
}

/// The arguments of every draft that adds a device, parsed.
struct Adding {
    approver: DeviceId,
    device: DevicePublic,
    new_puk: Option<PukPublic>,
}

impl Adding {
    fn parse(approver: &str, device: &[u8], new_puk: Option<Bytes>) -> Result<Adding> {
        Ok(Adding {
            approver: convert::device_id(approver)?,
            device: device_public(device)?,
            new_puk: new_puk.map(|r| puk_public(&r)).transpose()?,
        })
    }

    fn draft(
        self,
        propose: impl FnOnce(&Adding) -> std::result::Result<identity::LinkDraft, mailseal::Error>,
    ) -> Result<Arc<LinkDraft>> {
        LinkDraft::new(propose(&self))
    }
}

/// A link the chain does not have yet, waiting for its signatures: `sign` with each device
/// of `signers()` (or `add_signature` made elsewhere), then `finish()`.
#[derive(uniffi::Object)]
pub struct LinkDraft {
    inner: Mutex<Option<identity::LinkDraft>>,
}

impl LinkDraft {
    pub(crate) fn new(
        draft: std::result::Result<identity::LinkDraft, mailseal::Error>,
    ) -> Result<Arc<LinkDraft>> {
        Ok(Arc::new(LinkDraft {
            inner: Mutex::new(Some(draft?)),
        }))
    }

    fn with<R>(&self, f: impl FnOnce(&mut identity::LinkDraft) -> Result<R>) -> Result<R> {
        match lock(&self.inner).as_mut() {
            Some(d) => f(d),
            None => Err(invalid_state("this draft was already finished")),
        }
    }
}

#[uniffi::export]
impl LinkDraft {
    /// The bytes every signer signs (to sign elsewhere and `add_signature`).
    pub fn body(&self) -> Result<Bytes> {
        self.with(|d| Ok(d.body().into()))
    }

    /// The device ids that must sign, in order.
    pub fn signers(&self) -> Result<Vec<String>> {
        self.with(|d| Ok(d.signers().iter().map(ToString::to_string).collect()))
    }

    /// Signs with `device`, one of the required signers.
    pub fn sign(&self, device: &Device) -> Result<()> {
        self.with(|d| Ok(d.sign(&device.inner)?))
    }

    /// Adds a 64-byte Ed25519 signature made elsewhere by `device`.
    pub fn add_signature(&self, device: &str, signature: Bytes) -> Result<()> {
        let signature = <[u8; 64]>::try_from(signature.as_slice())
            .map_err(|_| invalid("a signature must be 64 bytes"))?;
        let device = convert::device_id(device)?;
        self.with(|d| Ok(d.add_signature(device, signature)?))
    }

    /// The signed link, once every required device signed. The draft is used up.
    pub fn finish(&self) -> Result<Bytes> {
        let draft = lock(&self.inner)
            .take()
            .ok_or_else(|| invalid_state("this draft was already finished"))?;
        Ok(draft.finish()?.into())
    }
}

/// The chains a client verified, by user: what opening checks a signer against.
#[derive(Default, uniffi::Object)]
pub struct Directory {
    chains: Mutex<Held>,
}

#[uniffi::export]
impl Directory {
    /// An empty directory.
    #[uniffi::constructor]
    pub fn new() -> Arc<Directory> {
        Arc::new(Directory::default())
    }

    /// Adds the chain of its user, with no proof that it is published. A chain already held
    /// for the user is replaced only by a view that extends it (SPEC.md §12.5:
    /// `chain/rollback` or `chain/fork` otherwise; `remove` first for a deliberate reset).
    pub fn add(&self, chain: &Chain) -> Result<()> {
        let mut held = lock(&self.chains);
        replaces(&held, &chain.inner)?;
        held.insert(chain.inner.user(), (chain.inner.clone(), None));
        Ok(())
    }

    /// Adds the chain of its user with the proof that its tail is in the log under `view`'s
    /// checkpoint (SPEC.md §14.4): what a mailbox requiring published senders needs. The
    /// entry must publish the chain's own tail (`transparency/entry_mismatch`); a chain
    /// already held is replaced only by a view that extends it, as `add` says.
    pub fn add_published(
        &self,
        view: &TransparencyView,
        chain: &Chain,
        index: u64,
        entry: Bytes,
        inclusion: Bytes,
    ) -> Result<PublishedTail> {
        let tail = lock(&view.inner).verify_published(&chain.inner, index, &entry, &inclusion)?;
        if tail.seq() != chain.inner.tail().seq {
            return Err(mailseal::Error::from(
                mailseal::transparency::TransparencyError::EntryMismatch,
            )
            .into());
        }
        let mut held = lock(&self.chains);
        replaces(&held, &chain.inner)?;
        held.insert(chain.inner.user(), (chain.inner.clone(), Some(tail)));
        Ok(published(tail))
    }

    /// Forgets the chain held for `user` (a deliberate reset: an account deleted and made
    /// again); whether one was held.
    pub fn remove(&self, user: &str) -> Result<bool> {
        let user = convert::user_id(user)?;
        Ok(lock(&self.chains).remove(&user).is_some())
    }

    /// The chain held for `user`, if any.
    pub fn get(&self, user: &str) -> Result<Option<Arc<Chain>>> {
        let user = convert::user_id(user)?;
        Ok(lock(&self.chains)
            .get(&user)
            .map(|(c, _)| Arc::new(Chain { inner: c.clone() })))
    }

    /// How many chains it holds.
    pub fn size(&self) -> u32 {
        convert::count(lock(&self.chains).len())
    }
}

/// SPEC.md §12.5: a held chain is replaced only by a view that extends it (a served older
/// view would undo a revocation the client has seen).
fn replaces(held: &Held, chain: &ChainState) -> Result<()> {
    match held.get(&chain.user()) {
        Some((old, _)) => Ok(chain.extends(old)?),
        None => Ok(()),
    }
}

impl Directory {
    /// A snapshot the library can read while the lock is not held.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot(lock(&self.chains).clone())
    }
}

/// The chains of a [`Directory`] at one moment.
pub(crate) struct Snapshot(Held);

/// Each user's verified chain, with the proof that its tail is published when there is one.
type Held = BTreeMap<UserId, (Arc<ChainState>, Option<LibPublishedTail>)>;

impl ChainDirectory for Snapshot {
    fn chain(&self, user: &UserId) -> Option<&ChainState> {
        self.0.get(user).map(|(c, _)| &**c)
    }

    fn publication(&self, user: &UserId) -> Publication {
        match self.0.get(user) {
            Some((_, Some(p))) => Publication::Published(*p),
            _ => Publication::NotShown,
        }
    }
}
